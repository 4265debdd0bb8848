// NAV (line) and drawdown (area, below) over event time, in plain SVG, with marks for
// freezes, unfreezes and mode changes.

import { pct, shortTime } from "./util.js";

const NS = "http://www.w3.org/2000/svg";
const MARK_CLASS = { freeze: "mark-freeze", unfreeze: "mark-unfreeze", mode_change: "mark-mode" };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceRange(lo, hi) {
  if (lo === hi) return [lo - 0.005, hi + 0.005];
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

export function renderChart(root, summary, data, freezeDrawdown) {
  const points = data?.points || [];
  root.replaceChildren();
  if (points.length < 2) {
    summary.textContent = "The chart appears after two portfolio snapshots.";
    return;
  }
  const width = Math.max(320, Math.round(root.clientWidth || 600));
  const height = 260;
  const left = 52;
  const right = 10;
  const navTop = 12;
  const navBottom = 150;
  const ddTop = 172;
  const ddBottom = 236;
  const times = points.map((p) => new Date(p.timestamp).getTime());
  const t0 = times[0];
  const t1 = times[times.length - 1] === t0 ? t0 + 1 : times[times.length - 1];
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const navs = points.map((p) => p.nav);
  const [n0, n1] = niceRange(Math.min(...navs), Math.max(...navs));
  const yNav = (v) => navBottom - ((v - n0) / (n1 - n0)) * (navBottom - navTop);
  const maxDd = Math.max(freezeDrawdown * 1.1, ...points.map((p) => p.drawdown));
  const yDd = (v) => ddTop + (v / maxDd) * (ddBottom - ddTop);

  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-labelledby": "chart-title", class: "navchart",
  });
  const last = points[points.length - 1];
  const worst = Math.max(...points.map((p) => p.drawdown));
  const title = `NAV from ${navs[0].toFixed(4)} to ${last.nav.toFixed(4)} over ${points.length} ` +
    `snapshots; drawdown now ${pct(last.drawdown)}, worst ${pct(worst)}`;
  chart.append(svg("title", { id: "chart-title" }, title));

  // axes and grid
  chart.append(svg("line", { x1: left, x2: width - right, y1: navBottom, y2: navBottom, class: "axis" }));
  chart.append(svg("line", { x1: left, x2: width - right, y1: ddTop, y2: ddTop, class: "axis" }));
  for (const v of [n0 + (n1 - n0) * 0.1, (n0 + n1) / 2, n1 - (n1 - n0) * 0.1]) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: yNav(v), y2: yNav(v), class: "grid" }));
    chart.append(svg("text", { x: left - 4, y: yNav(v) + 4, class: "tick", "text-anchor": "end" }, v.toFixed(3)));
  }
  chart.append(svg("text", { x: left, y: navTop - 2, class: "tick" }, "NAV"));
  chart.append(svg("text", { x: left - 4, y: ddTop + 10, class: "tick", "text-anchor": "end" }, "DD 0%"));
  const yFreeze = yDd(freezeDrawdown);
  chart.append(svg("line", { x1: left, x2: width - right, y1: yFreeze, y2: yFreeze, class: "freeze-line" }));
  chart.append(svg("text", { x: left - 4, y: yFreeze + 4, class: "tick", "text-anchor": "end" },
    `${Math.round(freezeDrawdown * 100)}%`));
  chart.append(svg("text", { x: left, y: height - 4, class: "tick" }, shortTime(points[0].timestamp)));
  chart.append(svg("text", { x: width - right, y: height - 4, class: "tick", "text-anchor": "end" },
    shortTime(last.timestamp)));

  // frozen stretches: from each freeze to the next unfreeze (or the end)
  let frozenAt = null;
  const spans = [];
  for (const mark of data.marks || []) {
    const t = new Date(mark.timestamp).getTime();
    if (mark.kind === "freeze" && frozenAt === null) frozenAt = t;
    if (mark.kind === "unfreeze" && frozenAt !== null) {
      spans.push([frozenAt, t]);
      frozenAt = null;
    }
  }
  if (frozenAt !== null) spans.push([frozenAt, t1]);
  for (const [a, b] of spans) {
    const xa = x(Math.max(a, t0));
    const xb = x(Math.min(b, t1));
    if (xb <= xa) continue;
    chart.append(svg("rect", { x: xa, y: navTop, width: xb - xa, height: ddBottom - navTop, class: "frozen-span" }));
  }

  // marks
  for (const mark of data.marks || []) {
    const t = new Date(mark.timestamp).getTime();
    if (t < t0 || t > t1) continue;
    const g = svg("g", { class: `mark ${MARK_CLASS[mark.kind] || ""}`, "data-kind": mark.kind });
    g.append(svg("line", { x1: x(t), x2: x(t), y1: navTop, y2: ddBottom }));
    g.append(svg("title", {}, `${shortTime(mark.timestamp)} ${mark.label} (${mark.role})`));
    chart.append(g);
  }

  // drawdown area
  const area = [`M${x(times[0])},${ddTop}`];
  points.forEach((p, i) => area.push(`L${x(times[i]).toFixed(1)},${yDd(p.drawdown).toFixed(1)}`));
  area.push(`L${x(times[times.length - 1])},${ddTop}Z`);
  chart.append(svg("path", { d: area.join(" "), class: "dd-area" }));

  // NAV line
  const line = points
    .map((p, i) => `${i ? "L" : "M"}${x(times[i]).toFixed(1)},${yNav(p.nav).toFixed(1)}`)
    .join(" ");
  chart.append(svg("path", { d: line, class: "nav-line" }));

  root.append(chart);
  const counts = (data.marks || []).reduce((acc, m) => ({ ...acc, [m.kind]: (acc[m.kind] || 0) + 1 }), {});
  summary.textContent = `${title}. Marks: ${counts.freeze || 0} freeze(s) (red), ` +
    `${counts.unfreeze || 0} unfreeze(s) (green), ${counts.mode_change || 0} mode change(s) (grey).`;
}
