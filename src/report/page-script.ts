// The script inside report.html (plain ES2017, no imports): it reads the charts' data from the page
// and draws each chart with uPlot, which is inlined above it. The drawn charts are left on
// `window.vaderReport.charts` (id, points, the uPlot instance) for tests and the console.
export const PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  var HEIGHT = 280;
  function rgba(hex, alpha) {
    var value = parseInt(hex.slice(1), 16);
    return "rgba(" + ((value >> 16) & 255) + "," + ((value >> 8) & 255) + "," + (value & 255) + "," + alpha + ")";
  }
  var WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  function format(value) {
    if (value === null || value === undefined) return "--";
    if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
    return String(Number(value.toPrecision(4)));
  }
  function widthOf(element) {
    return Math.max(320, Math.floor(element.getBoundingClientRect().width));
  }
  var source = document.getElementById("report-data");
  var data = JSON.parse(source ? source.textContent : "{\"charts\":[]}");
  var drawn = [];
  if (typeof uPlot !== "function") {
    console.error("report: the chart library is missing from the page; rebuild it with vader report DIR");
    return;
  }
  data.charts.forEach(function (spec) {
    var target = document.getElementById(spec.id);
    if (!target) {
      console.error("report: no element for chart " + spec.id);
      return;
    }
    var columns = [spec.x];
    var series = [{ label: spec.xLabel }];
    var bands = [];
    var bandEdges = [];
    var showPoints = spec.x.length <= 40;
    spec.series.forEach(function (line, index) {
      var color = PALETTE[index % PALETTE.length];
      columns.push(line.values);
      series.push({ label: line.label, stroke: color, width: 2, dash: line.dashed ? [8, 5] : undefined, spanGaps: true, points: { show: showPoints }, value: function (self, value) { return format(value); } });
      if (line.lower && line.upper) {
        columns.push(line.upper);
        series.push({ label: line.label + " (upper)", stroke: rgba(color, 0.4), width: 1, spanGaps: true, points: { show: false } });
        columns.push(line.lower);
        series.push({ label: line.label + " (lower)", stroke: rgba(color, 0.4), width: 1, spanGaps: true, points: { show: false } });
        bands.push({ series: [series.length - 2, series.length - 1], fill: rgba(color, 0.15) });
        bandEdges.push(series.length - 2, series.length - 1);
      }
    });
    var options = {
      width: widthOf(target),
      height: HEIGHT,
      series: series,
      bands: bands,
      scales: { x: { time: false } },
      axes: [
        spec.wholeX ? { label: spec.xLabel, incrs: WHOLE_STEPS } : { label: spec.xLabel },
        { label: spec.yLabel, size: 70, values: function (self, splits) { return splits.map(format); } },
      ],
      legend: { live: true },
    };
    var plot = new uPlot(options, columns, target);
    var rows = plot.root.querySelectorAll(".u-legend .u-series");
    bandEdges.forEach(function (index) {
      if (rows[index]) rows[index].style.display = "none";
    });
    target.setAttribute("data-points", String(spec.x.length));
    drawn.push({ id: spec.id, points: spec.x.length, plot: plot });
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) {
      var target = document.getElementById(chart.id);
      if (target) chart.plot.setSize({ width: widthOf(target), height: HEIGHT });
    });
  });
  window.vaderReport = { charts: drawn };
})();
`;
