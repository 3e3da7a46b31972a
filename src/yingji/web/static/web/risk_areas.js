/* 五色图: area risk levels (低 … 高) of a region's children for one hazard type or all.
   Counties are polygons (their boundaries from the regions API), townships and villages are
   circles at their points. Clicking a county or township drills into it; the breadcrumb goes
   back up. Data: /api/risk/areas?parent=CODE&hazard=… */
(function () {
  "use strict";
  var el = document.getElementById("area-map");
  if (!el || typeof L === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("area-i18n").textContent);
  var statusBox = document.getElementById("area-status");
  var info = document.getElementById("area-info");
  var crumbsBox = document.getElementById("area-crumbs");
  var tableBody = document.querySelector("#area-table tbody");
  var map = L.map(el, { zoomSnap: 0.25, maxZoom: 18 }).setView([29.2, 120.4], 7);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
  map.createPane("areaPoints").style.zIndex = 450;
  var state = { parent: el.dataset.parent, hazard: el.dataset.hazard || "all" };
  var layers = L.layerGroup().addTo(map);
  var cache = {};
  var controller = null;
  var hazardNames = {};
  var DRILLABLE = { county: true, township: true, city: true };

  function node(tag, cls, content) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (content !== undefined && content !== null) { n.textContent = content; }
    return n;
  }
  function num(v, digits) { return (v === null || v === undefined) ? "—" : Number(v).toFixed(digits); }
  function say(message, stateName) {
    statusBox.textContent = message;
    statusBox.className = "small " + (stateName === "error" ? "error" : "muted");
    el.dataset.state = stateName;
  }
  function getJSON(url, signal) {
    if (cache[url]) { return Promise.resolve(cache[url]); }
    return fetch(url, { credentials: "same-origin", signal: signal }).then(function (r) {
      if (!r.ok) { return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.message || r.status); }); }
      return r.json();
    });
  }
  function getCached(url) {
    return getJSON(url).then(function (body) { cache[url] = body; return body; });
  }

  function figures(area, title) {
    var box = node("div", "area-figures");
    var head = node("strong", "", title || area.name);
    box.appendChild(head);
    var line = node("p", "");
    line.appendChild(node("span", "risk-badge l" + area.level, area.level_name));
    if (state.hazard === "all" && area.hazard) {
      line.appendChild(document.createTextNode(" " + i18n.highestFrom.replace("{hazard}", hazardNames[area.hazard] || area.hazard)));
    }
    box.appendChild(line);
    var dl = node("dl", "");
    [["H", i18n.H, area.H, 3], ["E", i18n.E, area.E, 3], ["V", i18n.V, area.V, 3], ["A", i18n.A, area.A, 2], ["R", i18n.R, area.risk, 4]]
      .forEach(function (f) {
        dl.appendChild(node("dt", "", f[1]));
        var dd = node("dd", "", num(f[2], f[3]));
        dd.dataset.f = f[0];
        dl.appendChild(dd);
      });
    box.appendChild(dl);
    return box;
  }

  function showParent(data) {
    info.replaceChildren();
    if (data.parent.area) {
      info.appendChild(figures(data.parent.area, data.parent.name));
    } else {
      info.appendChild(node("p", "muted", data.parent.name + "：" + i18n.noData));
    }
  }

  function crumbs(data) {
    crumbsBox.replaceChildren();
    data.crumbs.forEach(function (c, i) {
      if (i) { crumbsBox.appendChild(document.createTextNode(" › ")); }
      if (i === data.crumbs.length - 1) {
        crumbsBox.appendChild(node("strong", "", c.name));
      } else {
        var b = node("button", "link", c.name);
        b.type = "button";
        b.addEventListener("click", function () { go(c.code); });
        crumbsBox.appendChild(b);
      }
    });
  }

  function table(data) {
    tableBody.replaceChildren();
    var rows = data.areas.slice().sort(function (a, b) { return b.level - a.level || b.risk - a.risk; });
    var drill = DRILLABLE[data.child_level];
    rows.forEach(function (a) {
      var tr = node("tr", "");
      var name = node("td", "", a.name);
      var level = node("td", "");
      level.appendChild(node("span", "risk-badge l" + a.level, a.level_name));
      tr.append(name, level, node("td", "num", num(a.risk, 4)));
      if (drill) {
        tr.dataset.code = a.code;
        tr.tabIndex = 0;
        tr.addEventListener("click", function () { go(a.code); });
        tr.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(a.code); } });
      }
      tableBody.appendChild(tr);
    });
  }

  function popup(latlng, area, drill) {
    var box = figures(area);
    if (drill) { box.appendChild(node("p", "small muted", i18n.drilled)); }
    L.popup({ maxWidth: 260, className: "area-popup", autoPan: false }).setLatLng(latlng).setContent(box).openOn(map);
  }

  function drawPolygons(data, byCode) {
    return getCached(data.boundaries).then(function (collection) {
      var polygons = L.geoJSON(collection, {
        className: "yj-area",
        style: function (f) {
          var a = byCode[f.properties.code12];
          return { color: "#ffffff", weight: 1, fillColor: a ? a.hex : "#c9ced6", fillOpacity: a ? 0.82 : 0.4 };
        },
        onEachFeature: function (f, layer) {
          var a = byCode[f.properties.code12];
          layer.bindTooltip(f.properties.name + (a ? " · " + a.level_name : ""), { sticky: true });
          layer.on("click", function (e) {
            if (!a) { return; }
            go(a.code).then(function () { popup(e.latlng, a, true); });
          });
        }
      });
      layers.addLayer(polygons);
      if (data.parent.level === "province") {  // city lines for orientation
        getCached("/api/regions/" + data.parent.code + "/boundary.geojson?level=city").then(function (cities) {
          if (el.dataset.parent !== data.parent.code) { return; }
          layers.addLayer(L.geoJSON(cities, { style: { color: "#1d2733", weight: 1.6, fill: false }, interactive: false, className: "area-city" }));
        }).catch(function () { /* counties alone still read */ });
      }
      polygons.eachLayer(function (layer) {
        var path = layer.getElement && layer.getElement();
        var a = byCode[layer.feature.properties.code12];
        if (path) {
          path.setAttribute("data-code", layer.feature.properties.code);
          path.setAttribute("data-level", a ? String(a.level) : "");
        }
      });
      map.fitBounds(polygons.getBounds(), { padding: [8, 8] });
    });
  }

  function drawPoints(data) {
    var outline = Promise.resolve(null);
    if (data.outline) {
      outline = getCached("/api/regions/" + data.outline.code + "/boundary.geojson").then(function (feature) {
        var own = data.parent.area && data.parent.level === "county" ? data.parent.area.hex : "#f7f4ea";
        var shape = L.geoJSON(feature, {
          style: { color: "#1d2733", weight: 2, fillColor: own, fillOpacity: 0.18 },
          interactive: false, className: "area-outline"
        });
        layers.addLayer(shape);
        shape.bringToBack();
        return shape;
      }).catch(function () { return null; });
    }
    var drill = DRILLABLE[data.child_level];
    var radius = data.child_level === "village" ? 6 : 10;
    var points = L.featureGroup();
    data.areas.forEach(function (a) {
      if (a.lon === null || a.lat === null) { return; }
      var m = L.circleMarker([a.lat, a.lon], {
        pane: "areaPoints", radius: radius, weight: 1.5, color: "#fff", fillColor: a.hex, fillOpacity: 0.92,
        className: "yj-area-point l" + a.level, code: a.code, level: a.level
      });
      if (data.child_level === "township") {  // a dozen or so: name them on the map
        m.bindTooltip(a.name, { permanent: true, direction: "right", offset: [radius, 0], className: "area-label" });
      } else {
        m.bindTooltip(a.name + " · " + a.level_name, { direction: "top", offset: [0, -radius] });
      }
      m.on("click", function () {
        if (data.child_level !== "township") { m.closeTooltip(); }
        if (drill) {
          go(a.code).then(function () { popup(m.getLatLng(), a, true); });
        } else {
          popup(m.getLatLng(), a, false);
        }
      });
      points.addLayer(m);
    });
    layers.addLayer(points);
    points.eachLayer(function (m) {
      var path = m.getElement && m.getElement();
      if (path) { path.setAttribute("data-code", m.options.code); path.setAttribute("data-level", String(m.options.level)); }
    });
    return outline.then(function (shape) {
      var bounds = points.getLayers().length ? points.getBounds() : (shape ? shape.getBounds() : null);
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 }); }
    });
  }

  function render(data) {
    layers.clearLayers();
    (data.hazards || []).forEach(function (h) { hazardNames[h.key] = h.name; });
    var byCode = {};
    data.areas.forEach(function (a) { byCode[a.code] = a; });
    crumbs(data);
    showParent(data);
    table(data);
    el.dataset.parent = data.parent.code;
    el.dataset.childLevel = data.child_level || "";
    var drawn = data.polygons && data.boundaries ? drawPolygons(data, byCode) : drawPoints(data);
    return drawn.then(function () {
      var n = data.areas.length;
      say(n ? (i18n.count[data.child_level] || "{n}").replace("{n}", n) : i18n.noChildren, "ready");
    });
  }

  function load() {
    if (controller) { controller.abort(); }
    controller = new AbortController();
    say(i18n.loading, "loading");
    var url = el.dataset.areasUrl + "?parent=" + encodeURIComponent(state.parent) + "&hazard=" + encodeURIComponent(state.hazard);
    return getJSON(url, controller.signal).then(render).then(function () {
      var search = "?parent=" + encodeURIComponent(state.parent) + "&hazard=" + encodeURIComponent(state.hazard);
      window.history.replaceState(null, "", window.location.pathname + search);
    }).catch(function (err) {
      if (err && err.name === "AbortError") { return; }
      say(i18n.loadError + (err && err.message ? " (" + err.message + ")" : ""), "error");
    });
  }

  function go(code) {
    state.parent = code;
    map.closePopup();
    return load();
  }

  document.getElementById("hazard-choice").addEventListener("change", function (e) {
    if (e.target.name === "hazard") { state.hazard = e.target.value; load(); }
  });
  load();
})();
