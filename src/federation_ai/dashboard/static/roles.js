// Role cards: enabled state, enable/disable (the Supervisor is locked), last decision.

import { el, renderIfChanged, shortTime } from "./util.js";

export const ROLES = [
  ["supervisor", "Supervisor", "freezes trading, vetoes unsafe decisions"],
  ["cro", "CRO", "risk limits and ESS thresholds"],
  ["ceo", "CEO", "capital profile and trading mode"],
  ["cio", "CIO", "model weights and symbol universe"],
  ["cfo", "CFO", "cashflow split of realized profit"],
  ["researcher", "Researcher", "research tasks"],
];

function lastDecision(decision) {
  if (!decision) return el("p", { class: "muted small last", text: "No decision yet." });
  return el("div", { class: "last small" },
    el("span", { class: "small muted", text: `${shortTime(decision.timestamp)} ` }),
    el("span", { class: "tag", text: decision.decision_type }),
    " ",
    el("span", { class: `status status-${decision.status}`, text: decision.status }),
    el("p", { class: "reason", text: decision.reason, title: decision.reason }));
}

// canAct: the key may operate; onToggle(role, enable) asks for confirmation and posts.
export function renderRoles(root, policy, lastByRole, canAct, onToggle) {
  const enabled = policy?.roles_enabled || {};
  const signature = JSON.stringify([enabled, canAct,
    ROLES.map(([role]) => [lastByRole[role]?.decision_id, lastByRole[role]?.status])]);
  renderIfChanged(root, signature, () =>
    ROLES.map(([role, name, job]) => {
      const on = role === "supervisor" ? true : enabled[role] !== false;
      const locked = role === "supervisor";
      let control;
      if (locked) {
        control = el("p", { class: "locked small", id: `role-${role}-locked` },
          el("span", { class: "chip tone-neutral", text: "LOCKED" }),
          " the Supervisor cannot be disabled.");
      } else {
        control = el("button", {
          type: "button",
          id: `role-${role}-toggle`,
          class: on ? "" : "primary",
          disabled: !canAct,
          "aria-label": `${on ? "Disable" : "Enable"} ${name}`,
          onclick: () => onToggle(role, name, !on),
        }, on ? "Disable" : "Enable");
      }
      return el("article", {
        class: `card ${on ? "role-on" : "role-off"}`, id: `role-${role}`,
        "data-enabled": String(on), "aria-labelledby": `role-${role}-name`,
      },
      el("header", { class: "card-head" },
        el("h3", { id: `role-${role}-name`, text: name }),
        el("span", { class: `chip ${on ? "tone-good" : "tone-bad"}`, id: `role-${role}-state`,
          text: on ? "ENABLED" : "DISABLED" })),
      el("p", { class: "muted small", text: job }),
      lastDecision(lastByRole[role]),
      control);
    }));
}
