// Small DOM and formatting helpers shared by the dashboard modules.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function pct(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  return `${(value * 100).toFixed(digits)} %`;
}

export function usd(value) {
  if (value === null || value === undefined) return "n/a";
  return `$${value.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
}

export function num(value, digits = 2) {
  if (value === null || value === undefined) return "n/a";
  return Number(value).toFixed(digits);
}

export function when(iso) {
  if (!iso) return "n/a";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function shortTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || "";
  return d.toISOString().slice(5, 19).replace("T", " ");
}

export function minutesBetween(fromIso, toIso) {
  if (!fromIso || !toIso) return null;
  return (new Date(toIso).getTime() - new Date(fromIso).getTime()) / 60000;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// At most one call per `ms`, always after the latest request (a stream never starves it).
export function throttle(fn, ms) {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

// Severity of a value against a limit: "ok", "near" (within 80 % of the way) or "over".
export function severity(used, near = 0.8) {
  if (used === null || used === undefined || Number.isNaN(used)) return "unknown";
  if (used >= 1) return "over";
  if (used >= near) return "near";
  return "ok";
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// Re-render `root` only when `signature` changed; keep keyboard focus on the element
// with the same id, so a periodic refresh never steals focus from an operator.
export function renderIfChanged(root, signature, build) {
  if (root.dataset.sig === signature) return false;
  const active = document.activeElement;
  const activeId = active && root.contains(active) ? active.id : null;
  root.replaceChildren(...build());
  root.dataset.sig = signature;
  if (activeId) document.getElementById(activeId)?.focus();
  return true;
}
