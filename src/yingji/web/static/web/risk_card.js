/* Risk card charts (ECharts): the points each indicator adds against its maximum, and the
   score over the enterprise's assessments on the model's colour bands. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var data = JSON.parse(document.getElementById("card-data").textContent);
  var i18n = JSON.parse(document.getElementById("card-i18n").textContent);
  var HEX = data.colours.map(function (c) { return c.hex; });
  var charts = [];
  var esc = echarts.format.encodeHTML;
  var TIME = { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };

  function when(iso, short) {
    var text = new Date(iso).toLocaleString("zh-CN", TIME).replace(/\//g, "-");
    return short ? text.slice(5) : text;  // MM-DD HH:mm on the axis
  }

  function contributions(el) {
    var rows = (data.contributions || []).slice().reverse();  // largest at the top
    var own = data.colour ? HEX[data.colour.code] : "#b3261e";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 72, top: 8, bottom: 28, containLabel: true },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var row = rows[items[0].dataIndex];
          var value = row.value === null ? i18n.missing : row.value;
          return esc(row.name) + "<br>" + i18n.points + " " + row.points.toFixed(2) + " / " + row.max_points.toFixed(2) +
            "<br>" + i18n.value + " " + value + " (" + row.bounds[0] + "–" + row.bounds[1] + ")";
        }
      },
      xAxis: { type: "value", name: i18n.points, nameLocation: "middle", nameGap: 22, splitLine: { lineStyle: { color: "#eef1f4" } } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisTick: { show: false },
               axisLabel: { width: 190, overflow: "truncate", color: "#1d2733" } },
      series: [
        { name: i18n.max, type: "bar", data: rows.map(function (r) { return r.max_points; }), barGap: "-100%",
          barWidth: "62%", itemStyle: { color: "#e6e9ee" }, silent: true,
          label: { show: true, position: "right", color: "#6b7785", fontSize: 11,
                   formatter: function (p) { return rows[p.dataIndex].points.toFixed(1) + " / " + rows[p.dataIndex].max_points.toFixed(1); } } },
        { name: i18n.points, type: "bar", barWidth: "62%", z: 3,
          data: rows.map(function (r) {
            return { value: r.points, itemStyle: { color: r.value === null ? "#8c1d18" : own } };
          }) }
      ]
    });
    return chart;
  }

  function history(el) {
    var points = data.history || [];
    var edges = [0].concat(data.thresholds || [], [100]);
    var top = Math.max.apply(null, points.map(function (p) { return p.score; }).concat([edges[edges.length - 2] || 0]));
    var ymax = Math.min(100, Math.ceil((top * 1.25 + 1) / 5) * 5);
    var bands = [];
    for (var i = 0; i + 1 < edges.length && i < HEX.length; i += 1) {
      bands.push([{ yAxis: edges[i], itemStyle: { color: HEX[i], opacity: 0.14 } }, { yAxis: Math.min(edges[i + 1], ymax) }]);
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var p = points[items[0].dataIndex];
          return when(p.at) + "<br>" + i18n.score + " " + p.score + " · " +
            data.colours[p.colour].zh + "<br>" + esc(p.version);
        }
      },
      xAxis: { type: "category", boundaryGap: false,
               data: points.map(function (p) { return when(p.at, true); }) },
      yAxis: { type: "value", min: 0, max: ymax, name: i18n.score, nameTextStyle: { align: "left" } },
      series: [{
        type: "line", name: i18n.score, symbolSize: 9,
        data: points.map(function (p) { return { value: p.score, itemStyle: { color: HEX[p.colour] } }; }),
        lineStyle: { color: "#1d2733", width: 2 },
        markArea: { silent: true, data: bands }
      }]
    });
    return chart;
  }

  var c = document.getElementById("contrib-chart");
  if (c && data.contributions) { charts.push(contributions(c)); }
  var h = document.getElementById("history-chart");
  if (h && data.history && data.history.length) { charts.push(history(h)); }
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
  document.body.dataset.chartsReady = String(charts.length);
})();
