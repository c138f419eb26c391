/* 统计分析: each dashboard table (home.html) drawn as a chart with the locally served
   ECharts (static/vendor/echarts). The table stays the source: the chart reads its header
   (series), its rows (categories) and each cell's data-value; a column with a tier colour
   class takes the colour the app's tier badges have (css/app.css). No inline handlers. */
(function () {
  "use strict";
  var library = document.currentScript && document.currentScript.getAttribute("data-echarts");

  function colourOf(cls) {
    var probe = document.createElement("span");
    probe.className = "tier-badge " + cls;
    probe.style.display = "none";
    document.body.appendChild(probe);
    var colour = window.getComputedStyle(probe).backgroundColor;
    document.body.removeChild(probe);
    return colour;
  }

  function draw(box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    if (!table) { return; }
    var kind = table.getAttribute("data-chart") === "line" ? "line" : "bar";
    var heads = table.querySelectorAll("thead th");
    var series = [];
    for (var i = 1; i < heads.length; i++) {
      var cls = heads[i].getAttribute("data-colour-class");
      series.push({ name: heads[i].textContent.trim(), type: kind, data: [],
                    itemStyle: cls ? { color: colourOf(cls) } : undefined });
    }
    var categories = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var cells = row.querySelectorAll("td[data-value]");
      if (!cells.length) { return; }
      categories.push(row.querySelector("th").textContent.trim());
      cells.forEach(function (cell, index) {
        var value = parseFloat(cell.getAttribute("data-value"));
        series[index].data.push(isNaN(value) ? null : value);
      });
    });
    if (!categories.length) { box.parentNode.removeChild(box); return; }
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 48 },
      xAxis: { type: "category", data: categories, axisLabel: { interval: 0, rotate: categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    if (typeof window.echarts === "undefined") { return; }
    document.querySelectorAll(".dash-chart[data-table]").forEach(draw);
  }

  // The library is fetched once the page has loaded (a same-origin script: the CSP's
  // 'self'), so that the figures are there without waiting for 1 MB of chart code.
  function fetchLibrary() {
    if (!library || !document.querySelector(".dash-chart[data-table]")) { return; }
    var script = document.createElement("script");
    script.src = library;
    script.onload = drawAll;
    document.head.appendChild(script);
  }

  if (document.readyState === "complete") { fetchLibrary(); }
  else { window.addEventListener("load", function () { setTimeout(fetchLibrary, 0); }); }
})();
