/* 四色图: enterprises as points coloured by their current risk colour, clustered by
   markercluster; a cluster is drawn in the worst colour inside it and lists the counts per
   colour in its tooltip. Points come from /api/risk/enterprises as compact rows
   [id, lon, lat, colour, name], worst colours first (the server caps the list and says so). */
(function () {
  "use strict";
  var el = document.getElementById("risk-map");
  if (!el || typeof L === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("risk-i18n").textContent);
  var statusBox = document.getElementById("risk-status");
  var form = document.getElementById("risk-filters");
  var HEX = ["#1e88e5", "#fdd835", "#fb8c00", "#e53935"];
  var colourInfo = [];
  var map = L.map(el, { zoomSnap: 0.25, maxZoom: 18 }).setView([29.2, 120.4], 7);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
  map.createPane("riskPoints").style.zIndex = 450;
  var outline = null;
  var group = null;
  var fitted = false;
  var controller = null;

  function fmt(n) { return Number(n).toLocaleString(); }
  function text(template, vars) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? vars[k] : m; });
  }
  function say(message, state) {
    statusBox.textContent = message;
    el.dataset.state = state;
    statusBox.className = "small " + (state === "error" ? "error" : "muted");
  }
  function getJSON(url, signal) {
    return fetch(url, { credentials: "same-origin", signal: signal }).then(function (r) {
      if (!r.ok) { return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.message || r.status); }); }
      return r.json();
    });
  }
  function node(tag, cls, content) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (content !== undefined) { n.textContent = content; }
    return n;
  }
  function badge(code) {
    var info = colourInfo[code] || { zh: "", level: "" };
    return node("span", "risk-badge c" + code, info.zh + " · " + info.level);
  }

  getJSON(el.dataset.outlineUrl).then(function (feature) {
    outline = L.geoJSON(feature, {
      style: { color: "#1d2733", weight: 2, fillColor: "#f7f4ea", fillOpacity: 0.55 },
      interactive: false, className: "risk-outline"
    }).addTo(map);
    if (!fitted) { map.fitBounds(outline.getBounds(), { padding: [8, 8] }); }
  }).catch(function () { /* a point-only region: the points frame the map */ });

  function clusterIcon(cluster) {
    var counts = [0, 0, 0, 0];
    cluster.getAllChildMarkers().forEach(function (m) { counts[m.options.colour] += 1; });
    var worst = 0;
    for (var c = 3; c >= 0; c -= 1) { if (counts[c]) { worst = c; break; } }
    var n = cluster.getChildCount();
    var size = Math.round(Math.min(52, 26 + 7 * Math.log10(Math.max(n, 1))));
    var html = '<span style="background:' + HEX[worst] + '">' + fmt(n) + "</span>";
    if (worst >= 2 && counts[3] + counts[2] > 0) {
      html += '<b class="risk-hot">' + fmt(counts[3] + counts[2]) + "</b>";
    }
    var icon = L.divIcon({ className: "yj-cluster risk-cluster worst-" + worst, html: html, iconSize: [size, size] });
    return icon;
  }

  function clusterTitle(cluster) {
    var counts = [0, 0, 0, 0];
    cluster.getAllChildMarkers().forEach(function (m) { counts[m.options.colour] += 1; });
    return [3, 2, 1, 0].map(function (c) { return (colourInfo[c] ? colourInfo[c].zh : c) + " " + fmt(counts[c]); }).join(" · ");
  }

  function popupFor(row) {
    var box = node("div", "yj-popup risk-popup");
    box.appendChild(node("strong", "", row[4]));
    var line = node("p", "risk-popup-line");
    line.appendChild(badge(row[3]));
    var score = node("span", "risk-score", "");
    line.appendChild(score);
    box.appendChild(line);
    var why = node("ol", "small risk-why");
    box.appendChild(why);
    var links = node("p", "risk-popup-links");
    var card = node("a", "yj-detail", i18n.card);
    card.href = "/risk/enterprises/" + row[0] + "/";
    var file = node("a", "", i18n.registry);
    file.href = "/registry/enterprises/" + row[0] + "/";
    links.append(card, " · ", file);
    box.appendChild(links);
    getJSON("/api/risk/enterprises/" + row[0]).then(function (data) {
      if (data.score !== undefined) { score.textContent = text(i18n.score, { score: data.score }); }
      (data.contributions || []).filter(function (c) { return c.points > 0; }).slice(0, 3).forEach(function (c) {
        why.appendChild(node("li", "", c.name + " +" + c.points.toFixed(1)));
      });
      if (data.overrides && data.overrides.length) {
        why.appendChild(node("li", "risk-override", data.overrides[0].name));
      }
    }).catch(function () { /* the links still work */ });
    return box;
  }

  function marker(row) {
    var m = L.circleMarker([row[2], row[1]], {
      pane: "riskPoints", radius: row[3] >= 2 ? 7 : 5, weight: 1.2, color: "#fff",
      fillColor: HEX[row[3]], fillOpacity: 0.95, colour: row[3],
      className: "risk-point c" + row[3]
    });
    m.bindTooltip(row[4], { direction: "top", offset: [0, -6] });
    m.on("click", function () {
      m.closeTooltip();
      L.popup({ maxWidth: 280, className: "risk-popup-wrap", autoPanPadding: [12, 12] })
        .setLatLng(m.getLatLng()).setContent(popupFor(row)).openOn(map);
    });
    return m;
  }

  function query() {
    var params = new URLSearchParams(el.dataset.pointsUrl.split("?")[1] || "");
    var colours = Array.prototype.map.call(form.querySelectorAll('input[name="colour"]:checked'), function (b) { return b.value; });
    params.delete("colour");
    if (colours.length && colours.length < 4) { params.set("colour", colours.join(",")); }
    var hazchem = form.querySelector('select[name="hazchem"]').value;
    params.delete("hazchem");
    if (hazchem) { params.set("hazchem", hazchem); }
    return { params: params, none: colours.length === 0 };
  }

  function draw(data) {
    colourInfo = data.colours;
    var next = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45,
      disableClusteringAtZoom: 15, clusterPane: "markerPane",
      iconCreateFunction: clusterIcon
    });
    next.on("clustermouseover", function (e) {
      e.layer.bindTooltip(clusterTitle(e.layer), { direction: "top" }).openTooltip();
    });
    // Worst colours come first; add them last so they are drawn on top.
    next.addLayers(data.points.slice().reverse().map(marker));
    if (group) { map.removeLayer(group); }
    group = next.addTo(map);
    el.dataset.count = String(data.count);
    if (data.truncated) {
      say(text(i18n.truncated, { n: fmt(data.count), total: fmt(data.total) }), "ready");
    } else {
      say(data.count ? text(i18n.showing, { n: fmt(data.count) }) : i18n.none, "ready");
    }
    if (!fitted && data.points.length) {
      fitted = true;
      map.fitBounds(L.latLngBounds(data.points.map(function (p) { return [p[2], p[1]]; })), { padding: [16, 16], maxZoom: 14 });
    }
  }

  function load() {
    var q = query();
    if (controller) { controller.abort(); }
    if (q.none) {
      if (group) { map.removeLayer(group); group = null; }
      el.dataset.count = "0";
      say(i18n.noColours, "ready");
      return;
    }
    controller = new AbortController();
    say(i18n.loading, "loading");
    getJSON("/api/risk/enterprises?" + q.params.toString(), controller.signal).then(draw).catch(function (err) {
      if (err && err.name === "AbortError") { return; }
      say(i18n.loadError + (err && err.message ? " (" + err.message + ")" : ""), "error");
    });
    var page = new URLSearchParams(window.location.search);
    ["colour", "hazchem"].forEach(function (k) { page.delete(k); if (q.params.get(k)) { page.set(k, q.params.get(k)); } });
    var search = page.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  form.addEventListener("change", function (e) {
    if (e.target.name === "region") { form.submit(); return; }
    load();
  });
  load();
})();
