// Charts of the governed replay report, drawn with uPlot from the data embedded in the
// page: equity and drawdown (raw vs governed) with freezes, modes and profiles as bands,
// the exposure multiplier, and the decision timeline. No network, no other library.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const UTC = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
  const MODE = { LIVE: "#16a34a", SHADOW: "#f59e0b", PAUSED: "#ea580c", EMERGENCY: "#dc2626" };
  const PROFILE = { MICRO: "#c4b5fd", LOW: "#8b5cf6", NORMAL: "#6d28d9", AGGRESSIVE: "#3b0764" };
  const STATUS = { applied: "#16a34a", superseded: "#94a3b8", vetoed: "#dc2626" };
  const RAW = "#64748b";
  const GOV = "#2563eb";
  const HEIGHT = { equity: 240, drawdown: 180, exposure: 130, timeline: 200 };
  const AXIS = 90; // one y-axis width on every chart, so their time axes line up
  const charts = [];

  function span(u, a, b) {
    const { left, width } = u.bbox;
    const x0 = Math.max(left, u.valToPos(a, "x", true));
    const x1 = Math.min(left + width, u.valToPos(b, "x", true));
    return x1 > x0 ? [x0, Math.max(1, x1 - x0)] : null;
  }

  // Bands under the series: frozen spans shaded, the mode as a strip along the top and
  // the capital profile as a strip along the bottom of the plot area.
  function bands(acct) {
    return {
      hooks: {
        drawClear: [
          (u) => {
            const ctx = u.ctx;
            const { top, height } = u.bbox;
            const strip = Math.round(5 * devicePixelRatio);
            ctx.save();
            ctx.fillStyle = "rgba(220, 38, 38, 0.13)";
            for (const [a, b] of acct.freezes) {
              const s = span(u, a, b);
              if (s) ctx.fillRect(s[0], top, s[1], height);
            }
            for (const [a, b, v] of acct.modes) {
              const s = span(u, a, b);
              if (s) { ctx.fillStyle = MODE[v] || "#000"; ctx.fillRect(s[0], top, s[1], strip); }
            }
            for (const [a, b, v] of acct.profiles) {
              const s = span(u, a, b);
              if (s) {
                ctx.fillStyle = PROFILE[v] || "#000";
                ctx.fillRect(s[0], top + height - strip, s[1], strip);
              }
            }
            ctx.restore();
          },
        ],
      },
    };
  }

  const money = (u, v) => (v == null ? "—" : v.toLocaleString("en-US", { maximumFractionDigits: 2 }));
  const pct = (u, v) => (v == null ? "—" : (v * 100).toFixed(2) + " %");

  function options(kind, acct, width, index) {
    const base = {
      width,
      height: HEIGHT[kind],
      tzDate: UTC,
      cursor: { sync: { key: "acct-" + index } },
      scales: { x: { time: true } },
      plugins: kind === "timeline" ? [] : [bands(acct)],
    };
    if (kind === "equity") {
      return Object.assign(base, {
        series: [
          {},
          { label: "raw equity", stroke: RAW, width: 1.5, value: money },
          { label: "governed equity", stroke: GOV, width: 2, value: money },
        ],
        axes: [{}, { size: AXIS, values: (u, s) => s.map((v) => v.toLocaleString("en-US")) }],
      });
    }
    if (kind === "drawdown") {
      return Object.assign(base, {
        series: [
          {},
          { label: "raw DD", stroke: RAW, fill: "rgba(100, 116, 139, 0.12)", value: pct },
          { label: "governed DD", stroke: GOV, fill: "rgba(37, 99, 235, 0.12)", value: pct },
        ],
        scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.max(hi, 0.01)] } },
        axes: [{}, { size: AXIS, values: (u, s) => s.map((v) => (v * 100).toFixed(1) + " %") }],
      });
    }
    if (kind === "exposure") {
      return Object.assign(base, {
        series: [
          {},
          { label: "m", stroke: "#0f766e", width: 1.5, paths: uPlot.paths.stepped({ align: 1 }) },
        ],
        scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.max(1.05, hi * 1.05)] } },
        axes: [{}, { size: AXIS }],
      });
    }
    const roles = data.roles.slice().reverse(); // the Supervisor on top
    const status = Object.keys(STATUS);
    return Object.assign(base, {
      series: [{}].concat(
        status.map((s) => ({
          label: s,
          stroke: STATUS[s],
          paths: () => null,
          points: { show: true, size: 7, fill: STATUS[s], stroke: STATUS[s] },
          value: (u, v) => (v == null ? "—" : roles[v]),
        })),
      ),
      scales: {
        x: { time: true, range: (u, lo, hi) => [Math.min(lo, acct.t0), Math.max(hi, acct.t1)] },
        y: { range: [-0.5, roles.length - 0.5] },
      },
      axes: [
        {},
        {
          size: AXIS,
          splits: () => roles.map((_, i) => i),
          values: (u, s) => s.map((i) => roles[i] || ""),
        },
      ],
    });
  }

  function series(kind, acct) {
    if (kind === "equity") return [acct.t, acct.raw, acct.gov];
    if (kind === "drawdown") return [acct.t, acct.raw_dd, acct.gov_dd];
    if (kind === "exposure") return [acct.t, acct.m];
    const d = acct.decisions;
    const order = d.t.map((_, i) => i).sort((a, b) => d.t[a] - d.t[b]);
    const xs = order.map((i) => d.t[i]);
    const top = data.roles.length - 1;
    const lane = (i) => top - d.lane[i];
    const ys = Object.keys(STATUS).map((s) => order.map((i) => (d.status[i] === s ? lane(i) : null)));
    return [xs].concat(ys);
  }

  function draw() {
    for (const fig of document.querySelectorAll("figure.chart")) {
      const kind = fig.dataset.chart;
      const index = Number(fig.dataset.account);
      const acct = data.accounts[index];
      const plot = fig.querySelector(".plot");
      if (kind === "timeline" && acct.decisions.t.length === 0) {
        plot.textContent = "No decisions.";
        continue;
      }
      const width = Math.max(280, plot.clientWidth);
      charts.push({ plot, kind, chart: new uPlot(options(kind, acct, width, index), series(kind, acct), plot) });
    }
  }

  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const c of charts) c.chart.setSize({ width: Math.max(280, c.plot.clientWidth), height: HEIGHT[c.kind] });
    });
  });
  draw();
  document.body.dataset.charts = String(charts.length);
})();
