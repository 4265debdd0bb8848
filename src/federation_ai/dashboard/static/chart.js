// NAV (line, left axis) and drawdown (area, right axis) over event time, drawn with the
// vendored uPlot (loaded by index.html as the global `uPlot`), with the freeze limit as a
// dashed line, frozen stretches shaded and marks for freezes, unfreezes and mode changes.

import { pct, shortTime } from "./util.js";

const COLOURS = {
  nav: "#79c0ff", dd: "#e5534b", ddFill: "rgba(229, 83, 75, 0.30)", frozen: "rgba(229, 83, 75, 0.12)",
  axis: "#8b949e", grid: "#222c36", freeze: "#e5534b", unfreeze: "#3fb950", mode_change: "#8b949e",
};
const HEIGHT = 260;

// What the draw hook reads: replaced on every render, so the chart itself is kept.
let view = { marks: [], spans: [], freezeDrawdown: 0.1 };
let chart = null;
let chartRoot = null;

function frozenSpans(marks, end) {
  let frozenAt = null;
  const spans = [];
  for (const mark of marks) {
    if (mark.kind === "freeze" && frozenAt === null) frozenAt = mark.t;
    if (mark.kind === "unfreeze" && frozenAt !== null) {
      spans.push([frozenAt, mark.t]);
      frozenAt = null;
    }
  }
  if (frozenAt !== null) spans.push([frozenAt, end]);
  return spans;
}

function drawOverlay(u) {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const x = (t) => u.valToPos(t, "x", true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.fillStyle = COLOURS.frozen;
  for (const [a, b] of view.spans) {
    const xa = Math.max(left, x(a));
    const xb = Math.min(left + width, x(b));
    if (xb > xa) ctx.fillRect(xa, top, xb - xa, height);
  }
  const yFreeze = u.valToPos(view.freezeDrawdown, "dd", true);
  ctx.strokeStyle = COLOURS.freeze;
  ctx.setLineDash([5 * devicePixelRatio, 3 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(left, yFreeze);
  ctx.lineTo(left + width, yFreeze);
  ctx.stroke();
  for (const mark of view.marks) {
    ctx.strokeStyle = COLOURS[mark.kind] || COLOURS.axis;
    ctx.setLineDash(mark.kind === "mode_change" ? [3 * devicePixelRatio, 3 * devicePixelRatio] : []);
    ctx.lineWidth = (mark.kind === "mode_change" ? 1.5 : 2) * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x(mark.t), top);
    ctx.lineTo(x(mark.t), top + height);
    ctx.stroke();
  }
  ctx.restore();
}

function options(width) {
  const axis = { stroke: COLOURS.axis, grid: { stroke: COLOURS.grid, width: 1 }, ticks: { stroke: COLOURS.grid } };
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    legend: { show: true },
    scales: {
      x: { time: true },
      nav: { auto: true },
      // drawdown grows downwards from the top of the chart, to the freeze limit and past it
      dd: { dir: -1, range: (u, lo, hi) => [0, Math.max(hi, view.freezeDrawdown) * 1.1] },
    },
    series: [
      {},
      { label: "NAV", scale: "nav", stroke: COLOURS.nav, width: 2, value: (u, v) => (v == null ? "n/a" : v.toFixed(4)) },
      { label: "drawdown", scale: "dd", stroke: COLOURS.dd, fill: COLOURS.ddFill, width: 1, value: (u, v) => pct(v) },
    ],
    axes: [
      axis,
      { ...axis, scale: "nav", size: 56, values: (u, s) => s.map((v) => v.toFixed(3)) },
      { ...axis, scale: "dd", side: 1, size: 56, grid: { show: false }, values: (u, s) => s.map((v) => `${(v * 100).toFixed(0)}%`) },
    ],
    hooks: { draw: [drawOverlay] },
  };
}

function widthOf(root) {
  return Math.max(320, Math.round(root.clientWidth || 600));
}

export function renderChart(root, summary, data, freezeDrawdown) {
  const points = data?.points || [];
  if (points.length < 2) {
    chart?.destroy();
    chart = null;
    root.replaceChildren();
    delete root.dataset.points;
    summary.textContent = "The chart appears after two portfolio snapshots.";
    return;
  }
  const times = points.map((p) => new Date(p.timestamp).getTime() / 1000);
  const marks = (data.marks || []).map((m) => ({ ...m, t: new Date(m.timestamp).getTime() / 1000 }))
    .filter((m) => m.t >= times[0] && m.t <= times[times.length - 1]);
  view = { marks, spans: frozenSpans(marks, times[times.length - 1]), freezeDrawdown };
  const series = [times, points.map((p) => p.nav), points.map((p) => p.drawdown)];
  if (chart && chartRoot === root) {
    chart.setData(series);
  } else {
    chart?.destroy();
    root.replaceChildren();
    chart = new uPlot(options(widthOf(root)), series, root);
    chartRoot = root;
    new ResizeObserver(() => chart && chartRoot === root && chart.setSize({ width: widthOf(root), height: HEIGHT }))
      .observe(root);
  }

  const last = points[points.length - 1];
  const worst = Math.max(...points.map((p) => p.drawdown));
  const title = `NAV from ${points[0].nav.toFixed(4)} to ${last.nav.toFixed(4)} over ${points.length} ` +
    `snapshots, ${shortTime(points[0].timestamp)} to ${shortTime(last.timestamp)}; drawdown now ` +
    `${pct(last.drawdown)}, worst ${pct(worst)}`;
  root.setAttribute("role", "img");
  root.setAttribute("aria-label", title);
  root.dataset.points = String(points.length);
  root.dataset.marks = String(marks.length);
  const counts = marks.reduce((acc, m) => ({ ...acc, [m.kind]: (acc[m.kind] || 0) + 1 }), {});
  summary.textContent = `${title}. Marks: ${counts.freeze || 0} freeze(s) (red), ` +
    `${counts.unfreeze || 0} unfreeze(s) (green), ${counts.mode_change || 0} mode change(s) (grey); ` +
    `dashed red line: the ${Math.round(freezeDrawdown * 100)}% freeze limit.`;
}
