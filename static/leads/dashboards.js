// Dashboards: draw each chart from its own table (the table is the figures' one source;
// the chart is a picture of it). Chart.js comes from npm through staticfiles; no inline
// script or style anywhere (CSP). A figure opts in with data-table naming its table.
(function () {
  "use strict";
  var PALETTE = ["#2457c5", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#6b7385", "#c96f2e"];

  function value(cell) {
    var raw = cell ? cell.getAttribute("data-value") : null;
    return raw === null || raw === "" ? null : Number(raw);
  }

  function draw(figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    if (!table || !window.Chart) { return; }
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var labelAt = heads.findIndex(function (th) { return th.getAttribute("data-role") === "label"; });
    var series = [];
    heads.forEach(function (th, index) { if (th.getAttribute("data-series") === "1") { series.push(index); } });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (row) {
      return !row.classList.contains("empty");
    });
    if (labelAt < 0 || !series.length || !rows.length) { return; }
    var kind = figure.getAttribute("data-kind");
    var horizontal = figure.getAttribute("data-horizontal") === "1";
    var stacked = kind === "stacked";
    var datasets = series.map(function (index, n) {
      var colour = PALETTE[n % PALETTE.length];
      return {
        label: heads[index].textContent.trim(),
        data: rows.map(function (row) { return value(row.cells[index]); }),
        backgroundColor: colour, borderColor: colour, borderWidth: kind === "line" ? 2 : 0,
        pointRadius: kind === "line" ? 2 : 0, spanGaps: true
      };
    });
    var box = figure.querySelector(".chart-box");
    if (horizontal && rows.length > 8) { box.classList.add("tall"); }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "Chart of " + (table.getAttribute("aria-labelledby") ?
      document.getElementById(table.getAttribute("aria-labelledby")).textContent : "the table"));
    box.appendChild(canvas);
    var valueAxis = {beginAtZero: true, stacked: stacked, title: {display: !!figure.getAttribute("data-unit"), text: figure.getAttribute("data-unit")}};
    var labelAxis = {stacked: stacked, ticks: {autoSkip: true}};
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: {labels: rows.map(function (row) { return row.cells[labelAt].textContent.trim(); }), datasets: datasets},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? {x: valueAxis, y: labelAxis} : {x: labelAxis, y: valueAxis},
        plugins: {legend: {position: "bottom"}}
      }
    });
    figure.setAttribute("data-drawn", String(rows.length));
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart[data-table]"), draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
