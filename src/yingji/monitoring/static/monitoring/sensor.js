/* A sensor's chart (/api/monitoring/sensors/<id>/series?hours=N): the readings as a line
   (hourly means with the hour's lowest and highest beyond 72 h), or for a rain gauge the rain
   per reading as bars and the running 1/3/6/12-hour sums as lines on a second axis; the
   thresholds as dashed lines in their level's colour, on the series they apply to; the
   sensor's alarms as shaded spans in their highest level's colour. The span buttons reload the
   chart without leaving the page. */
(function () {
  "use strict";
  var el = document.getElementById("mon-chart");
  if (!el || typeof echarts === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("mon-i18n").textContent);
  var statusBox = document.getElementById("mon-chart-status");
  var LV = { blue: "#1e88e5", yellow: "#e6b800", orange: "#fb8c00", red: "#e53935" };
  var SUM_COLOURS = { 1: "#26a69a", 3: "#fb8c00", 6: "#8e24aa", 12: "#1e88e5" };
  var chart = echarts.init(el, null, { renderer: "canvas" });
  var controller = null;

  function text(template, vars) {
    return String(template || "").replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? vars[k] : m; });
  }
  function say(message, state) {
    statusBox.textContent = message;
    statusBox.className = "small " + (state === "error" ? "error" : "muted");
    el.dataset.state = state;
  }

  var PLACES = ["insideEndTop", "insideStartTop", "insideMiddleTop", "insideEndBottom"];

  function placeLabels(data) {
    // Lines at the same value (the rainstorm's 50 mm in 12, 6 and 3 hours) get their labels
    // at different places along the line so they stay readable.
    var seen = {};
    data.lines.forEach(function (l) {
      seen[l.value] = (seen[l.value] || 0) + 1;
      l.place = PLACES[seen[l.value] - 1] || PLACES[0];
    });
  }

  function marks(data, series) {
    return data.lines.filter(function (l) { return l.series === series; }).map(function (l) {
      var colour = LV[l.name] || "#555";
      return {
        yAxis: l.value, name: l.text,
        lineStyle: { color: colour, type: "dashed", width: 1.5 },
        label: { formatter: l.text, color: colour, position: l.place, fontSize: 11 }
      };
    });
  }

  function spans(data) {
    var start = Date.parse(data.start);
    var end = Date.parse(data.end);
    return data.alarms.map(function (a) {
      var colour = LV[a.peak_name] || "#90a4ae";
      var from = Math.max(Date.parse(a.started_at), start);
      var to = a.ended_at ? Math.min(Date.parse(a.ended_at), end) : end;
      var wide = (to - from) / (end - start) > 0.12;  // a narrow span's label would cover others
      return [
        { xAxis: from, name: (a.peak_label || "") + a.rule_label, itemStyle: { color: colour, opacity: 0.13 },
          label: { show: wide, color: colour, fontSize: 11, position: "insideTop" } },
        { xAxis: to }
      ];
    });
  }

  function highest(data, series) {
    var values = data.lines.filter(function (l) { return l.series === series; }).map(function (l) { return l.value; });
    return values.length ? Math.max.apply(null, values) : null;
  }

  function draw(data) {
    placeLabels(data);
    var rain = data.sums !== undefined;
    var unit = data.sensor.unit;
    var hourly = data.resolution === "hour";
    var series = [];
    var yAxis;
    if (rain) {
      series.push({
        name: hourly ? i18n.hourlyRain : i18n.interval, type: "bar", data: data.points, yAxisIndex: 0,
        itemStyle: { color: "#64b5f6" }, barMaxWidth: 10, large: true,
        markArea: { silent: true, data: spans(data) }
      });
      [1, 3, 6, 12].forEach(function (h) {
        series.push({
          name: text(i18n.sum, { h: h }), type: "line", yAxisIndex: 1, showSymbol: false, sampling: "lttb",
          data: data.sums[String(h)], lineStyle: { width: h === 3 ? 2 : 1.5 }, itemStyle: { color: SUM_COLOURS[h] },
          markLine: { symbol: "none", silent: true, data: marks(data, "sum" + h) }
        });
      });
      yAxis = [
        { type: "value", name: "mm", position: "left", splitLine: { show: false } },
        { type: "value", name: "mm Σ", position: "right", min: 0,
          max: function (v) { return Math.ceil(Math.max(v.max, 110) / 10) * 10; } }
      ];
    } else {
      var top = highest(data, "value");
      series.push({
        name: hourly ? i18n.hourly : i18n.value, type: "line", showSymbol: data.points.length < 60,
        sampling: "lttb", data: data.points, itemStyle: { color: "#1d5fa6" },
        markLine: { symbol: "none", silent: true, data: marks(data, "value") },
        markArea: { silent: true, data: spans(data) }
      });
      if (data.ranges.length) {
        series.push({ name: i18n.low, type: "line", showSymbol: false, data: data.ranges.map(function (r) { return [r[0], r[1]]; }),
                      lineStyle: { width: 1, type: "dotted" }, itemStyle: { color: "#90a4ae" } });
        series.push({ name: i18n.high, type: "line", showSymbol: false, data: data.ranges.map(function (r) { return [r[0], r[2]]; }),
                      lineStyle: { width: 1, type: "dotted" }, itemStyle: { color: "#607d8b" } });
      }
      yAxis = [{ type: "value", name: unit, scale: true,
                 max: top === null ? null : function (v) { return Math.max(v.max, top * 1.05); } }];
    }
    chart.setOption({
      animation: false,
      grid: { left: 48, right: rain ? 52 : 24, top: 56, bottom: 64 },
      legend: { type: "scroll", top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "line" },
                 valueFormatter: function (v) { return v === null || v === undefined ? "–" : (Math.round(v * 1000) / 1000) + " " + unit; } },
      xAxis: { type: "time", min: Date.parse(data.start), max: Date.parse(data.end) },
      yAxis: yAxis,
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 12 }],
      series: series
    }, true);
    el.dataset.points = String(data.points.length);
    say(data.points.length ? "" : i18n.noData, "ready");
  }

  function load(hours) {
    if (controller) { controller.abort(); }
    controller = new AbortController();
    say(i18n.loading, "loading");
    fetch(el.dataset.seriesUrl + "?hours=" + hours, { credentials: "same-origin", signal: controller.signal })
      .then(function (r) {
        if (!r.ok) { return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.message || r.status); }); }
        return r.json();
      })
      .then(draw)
      .catch(function (err) { if (err.name !== "AbortError") { say(i18n.loadError + " " + err.message, "error"); } });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".mon-hours a[data-hours]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var hours = link.dataset.hours;
      Array.prototype.forEach.call(document.querySelectorAll(".mon-hours a"), function (a) { a.removeAttribute("aria-current"); });
      link.setAttribute("aria-current", "true");
      var url = new URL(window.location.href);
      url.searchParams.set("hours", hours);
      url.searchParams.delete("page");
      window.history.replaceState(null, "", url);
      el.dataset.hours = hours;
      load(hours);
    });
  });
  window.addEventListener("resize", function () { chart.resize(); });
  load(el.dataset.hours);
}());
