/* Station map: every station in the user's jurisdiction (/api/monitoring/stations/latest) as a
   point coloured by its open alarms (red … blue), grey when a sensor's data stopped or stuck,
   green when fine, pale when it never reported; clustered, a cluster drawn in the worst colour
   inside it. A popup lists the station's sensors with their latest values and a link to each
   sensor's chart. The data is fetched again shortly after any live alarm event (alarms.js)
   and every minute for the latest values. */
(function () {
  "use strict";
  var el = document.getElementById("mon-map");
  if (!el || typeof L === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("mon-i18n").textContent);
  var statusBox = document.getElementById("mon-map-status");
  var COLOUR = { red: "#e53935", orange: "#fb8c00", yellow: "#fdd835", blue: "#1e88e5",
                 stale: "#8d99a6", ok: "#43a047", nodata: "#cfd8dc" };
  var RANK = { nodata: 0, ok: 1, stale: 2, blue: 3, yellow: 4, orange: 5, red: 6 };
  var LEVELS = ["blue", "yellow", "orange", "red"];
  var LEVEL_ZH = { blue: "蓝", yellow: "黄", orange: "橙", red: "红" };
  var lang = document.documentElement.lang || "zh-hans";
  var map = L.map(el, { zoomSnap: 0.25, maxZoom: 18 }).setView([29.2, 120.4], 7);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
  map.createPane("stations").style.zIndex = 450;
  var labels = { kinds: {}, types: {} };
  var group = null;
  var framed = false;
  var timer = null;

  function text(template, vars) {
    return String(template || "").replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? vars[k] : m; });
  }
  function node(tag, cls, content) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (content !== undefined && content !== null) { n.textContent = content; }
    return n;
  }
  function when(iso) {
    if (!iso) { return ""; }
    return new Date(iso).toLocaleString(lang === "en" ? "en-GB" : "zh-CN", {
      timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false
    });
  }
  function number(v) {
    if (v === null || v === undefined) { return ""; }
    return Math.abs(v) >= 100 ? v.toFixed(1) : String(Math.round(v * 1000) / 1000);
  }
  function statusLabel(status) {
    if (LEVEL_ZH[status]) { return LEVEL_ZH[status] + " " + i18n.alarm; }
    return i18n[status] || status;
  }
  function say(message, state) {
    statusBox.textContent = message;
    statusBox.className = "small " + (state === "error" ? "error" : "muted");
    el.dataset.state = state;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok) { return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.message || r.status); }); }
      return r.json();
    });
  }

  if (el.dataset.outlineUrl) {
    getJSON(el.dataset.outlineUrl).then(function (feature) {
      var outline = L.geoJSON(feature, {
        style: { color: "#1d2733", weight: 2, fillColor: "#f7f4ea", fillOpacity: 0.55 }, interactive: false
      }).addTo(map);
      map.fitBounds(outline.getBounds(), { padding: [8, 8] });
      framed = true;
    }).catch(function () { /* the stations frame the map */ });
  }

  function popupFor(st) {
    var box = node("div", "yj-popup mon-popup");
    box.appendChild(node("strong", "", st.name));
    var line = node("p", "small");
    var dot = node("span", "mon-dot " + (LEVEL_ZH[st.status] ? "lv-" : "st-") + st.status);
    line.append(dot, statusLabel(st.status) + " · " + (labels.kinds[st.kind] || st.kind));
    box.appendChild(line);
    var table = node("table");
    st.sensors.forEach(function (s) {
      var tr = node("tr", s.level >= 0 ? "alarmed" : (s.stale ? "stale" : ""));
      var name = node("td");
      var link = node("a", "", labels.types[s.type] || s.type);
      link.href = "/monitoring/sensors/" + s.id + "/";
      link.title = s.code + " · " + i18n.sensorPage;
      name.appendChild(link);
      if (s.level >= 0) { name.append(" ", node("span", "mon-level lv-" + LEVELS[s.level], LEVEL_ZH[LEVELS[s.level]])); }
      var value = node("td", "num", s.value === null ? i18n.noValue : number(s.value) + " " + s.unit);
      var at = node("td", "small muted", when(s.at));
      tr.append(name, value, at);
      table.appendChild(tr);
    });
    box.appendChild(table);
    box.appendChild(node("p", "small muted mon-code", st.code));
    return box;
  }

  function marker(st) {
    var rank = RANK[st.status];
    var m = L.circleMarker([st.lat, st.lon], {
      pane: "stations", radius: rank >= 3 ? 8 : 5, weight: rank >= 3 ? 2 : 1, color: "#fff",
      fillColor: COLOUR[st.status], fillOpacity: 0.95, status: st.status,
      className: "mon-station st-" + st.status
    });
    m.bindTooltip(st.name, { direction: "top", offset: [0, -6] });
    m.on("click", function () {
      m.closeTooltip();
      L.popup({ maxWidth: 320, autoPanPadding: [12, 12] }).setLatLng(m.getLatLng()).setContent(popupFor(st)).openOn(map);
    });
    return m;
  }

  function clusterIcon(cluster) {
    var worst = "nodata";
    cluster.getAllChildMarkers().forEach(function (m) {
      if (RANK[m.options.status] > RANK[worst]) { worst = m.options.status; }
    });
    var n = cluster.getChildCount();
    var size = Math.round(Math.min(50, 26 + 7 * Math.log10(Math.max(n, 1))));
    var ink = worst === "yellow" || worst === "nodata" ? "#1d2733" : "#fff";
    return L.divIcon({
      className: "yj-cluster mon-station-cluster worst-" + worst,
      html: '<span style="background:' + COLOUR[worst] + ";color:" + ink + '">' + n + "</span>",
      iconSize: [size, size]
    });
  }

  function draw(data) {
    labels = { kinds: data.kinds, types: data.types };
    var next = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 40,
      disableClusteringAtZoom: 13, clusterPane: "markerPane", iconCreateFunction: clusterIcon
    });
    var points = data.stations.filter(function (st) { return st.lon !== null && st.lat !== null; });
    points.sort(function (a, b) { return RANK[a.status] - RANK[b.status]; });  // the worst on top
    next.addLayers(points.map(marker));
    if (group) { map.removeLayer(group); }
    group = next.addTo(map);
    if (!framed && points.length) {
      map.fitBounds(next.getBounds(), { padding: [12, 12], maxZoom: 12 });
      framed = true;
    }
    Object.keys(data.counts).forEach(function (key) {
      var cell = document.querySelector('#mon-legend [data-status="' + key + '"]');
      if (cell) { cell.textContent = data.counts[key]; }
    });
    var open = document.getElementById("mon-open-count");
    if (open) {
      open.textContent = data.stations.reduce(function (sum, st) { return sum + st.alarms; }, 0);
    }
    el.dataset.count = String(points.length);
    say(points.length ? text(i18n.stations, { n: points.length }) : i18n.noStations, "ready");
  }

  function load() {
    getJSON(el.dataset.stationsUrl).then(draw).catch(function (err) {
      say(i18n.loadError + " " + err.message, "error");
    });
  }
  function soon() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(load, 3000);
  }
  document.addEventListener("mon:alarm", soon);
  window.setInterval(load, 60000);
  load();
}());
