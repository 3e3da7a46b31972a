/* Accident statistics charts (ECharts, served locally): the months of the year, the five
   years with the death rate on a second axis, and the accidents by type. Reads the figures
   the page embeds as JSON (#acc-stats-data); an empty series shows a sentence, not a blank. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var data = JSON.parse(document.getElementById("acc-stats-data").textContent);
  var t = data.i18n;
  var ACC = "#1e88e5", DEAD = "#b3261e", RATE = "#f9a825";
  var charts = [];

  function empty(el) {
    el.classList.add("muted");
    el.style.height = "auto";
    el.textContent = t.none;
  }

  function draw(id, ready, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (!ready) { empty(el); return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" },
      grid: { left: 8, right: 40, top: 36, bottom: 8, containLabel: true } }, option));
    charts.push(chart);
  }

  var months = data.monthly || [];
  draw("acc-chart-month", months.some(function (m) { return m.accidents; }), {
    legend: { data: [t.accidents, t.dead], top: 0 },
    xAxis: { type: "category", data: months.map(function (m) { return m.month.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: t.accidents, type: "bar", data: months.map(function (m) { return m.accidents; }), itemStyle: { color: ACC } },
      { name: t.dead, type: "line", symbolSize: 7, data: months.map(function (m) { return m.dead; }),
        itemStyle: { color: DEAD }, lineStyle: { color: DEAD, width: 2 } }
    ]
  });

  var years = data.yearly || [];
  draw("acc-chart-years", years.some(function (y) { return y.accidents; }), {
    legend: { data: [t.accidents, t.dead, t.rate], top: 0 },
    xAxis: { type: "category", data: years.map(function (y) { return String(y.year); }) },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", position: "right", splitLine: { show: false } }],
    series: [
      { name: t.accidents, type: "bar", data: years.map(function (y) { return y.accidents; }), itemStyle: { color: ACC } },
      { name: t.dead, type: "bar", data: years.map(function (y) { return y.dead; }), itemStyle: { color: DEAD } },
      { name: t.rate, type: "line", yAxisIndex: 1, symbolSize: 7, connectNulls: false,
        data: years.map(function (y) { return y.rate === null ? null : Number(y.rate); }),
        itemStyle: { color: RATE }, lineStyle: { color: RATE, width: 2 } }
    ]
  });

  var types = (data.types || []).filter(function (r) { return r.accidents; });
  draw("acc-chart-types", types.length > 0, {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: types.map(function (r) { return { name: r.label, value: r.accidents }; }),
      label: { formatter: "{b} {c}" } }]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.dataset.chartsReady = String(charts.length);
})();
