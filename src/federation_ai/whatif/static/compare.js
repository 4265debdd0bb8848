// The what-if page: per account, raw equity and the governed equity of A and of B on one
// uPlot chart, from the data embedded in the page. No network, no other library.
(function () {
  "use strict";
  const curves = JSON.parse(document.getElementById("compare-data").textContent);
  const UTC = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
  for (const el of document.querySelectorAll("figure[data-account]")) {
    const c = curves[el.dataset.account];
    const plot = el.querySelector(".plot");
    const opts = {
      width: Math.max(300, plot.clientWidth),
      height: 260,
      tzDate: UTC,
      series: [
        {},
        { label: "raw", stroke: "#64748b", width: 1 },
        { label: "governed A", stroke: "#2563eb", width: 1.5 },
        { label: "governed B", stroke: "#ea580c", width: 1.5, dash: [6, 3] },
      ],
      axes: [{}, { size: 90 }],
    };
    const u = new uPlot(opts, [c.t, c.raw, c.a, c.b], plot);
    new ResizeObserver(() => u.setSize({ width: Math.max(300, plot.clientWidth), height: 260 }))
      .observe(plot);
  }
})();
