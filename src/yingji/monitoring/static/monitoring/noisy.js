/* Noisy-sensor report: alarms per day as bars stacked by rule (the data is in the page). */
(function () {
  "use strict";
  var el = document.getElementById("mon-noisy-chart");
  if (!el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(document.getElementById("mon-noisy-data").textContent);
  var COLOURS = { rainstorm: "#1e88e5", gale: "#26a69a", threshold: "#e53935", rate: "#fb8c00",
                  stuck: "#8e24aa", stale: "#8d99a6" };
  if (!data.days.length) {
    el.classList.add("muted");
    el.style.height = "auto";
    el.textContent = data.i18n.none;
    return;
  }
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 40, right: 16, top: 40, bottom: 32 },
    legend: { type: "scroll", top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: data.rules.filter(function (r) { return r.counts.some(function (n) { return n > 0; }); }).map(function (r) {
      return { name: r.label, type: "bar", stack: "alarms", data: r.counts, itemStyle: { color: COLOURS[r.key] }, barMaxWidth: 28 };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
