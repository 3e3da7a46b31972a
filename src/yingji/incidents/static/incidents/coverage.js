/* The rescue coverage map: the villages outside the ground circle (red) and the air circle
   (blue) from /api/incidents/coverage/{mode}.geojson, over the jurisdiction's county outlines;
   a click tells how far off the village is (nearest base, km, minutes, over the limit). */
(function () {
  "use strict";
  var el = document.getElementById("cov-map");
  if (!el || typeof L === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("cov-i18n").textContent);
  var STYLE = {
    ground: { radius: 4, color: "#8e0000", weight: 1, fillColor: "#e53935", fillOpacity: 0.85 },
    air: { radius: 7, color: "#1565c0", weight: 2, fill: false, opacity: 0.9 }
  };
  var LIMIT = { ground: 60, air: 30 };
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, maxZoom: 16 }).setView([29.2, 120.4], 7);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
  var status = document.getElementById("cov-status");
  el.yjMap = map;  // for the browser tests: find a village's point on the canvas

  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }
  function row(dl, term, value, cls) {
    var dt = document.createElement("dt"); dt.textContent = term;
    var dd = document.createElement("dd"); dd.textContent = value;
    if (cls) { dd.className = cls; }
    dl.appendChild(dt); dl.appendChild(dd);
  }
  function popup(mode, p) {
    var box = document.createElement("div");
    box.className = "cov-popup";
    var title = document.createElement("strong");
    title.textContent = p.name + " ";
    box.appendChild(title);
    var code = document.createElement("span");
    code.className = "small muted"; code.textContent = p.path;
    box.appendChild(code);
    var what = document.createElement("div");
    what.textContent = i18n[mode];
    box.appendChild(what);
    var dl = document.createElement("dl");
    if (p.nearest === null) {
      row(dl, i18n.nearest, i18n.none);
    } else {
      row(dl, i18n.nearest, p.nearest);
      row(dl, "km", String(p.km));
      row(dl, i18n.min, String(p.minutes));
      var over = Math.max(0, p.minutes - LIMIT[mode]);
      if (over > 0) { row(dl, "", i18n.over.replace("%(n)s", over.toFixed(1)), "over"); }
    }
    box.appendChild(dl);
    var limit = document.createElement("div");
    limit.className = "small muted"; limit.textContent = i18n["limit_" + mode];
    box.appendChild(limit);
    return box;
  }
  function layer(mode, data) {
    var group = L.featureGroup();
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], STYLE[mode])
        .bindPopup(function () { return popup(mode, f.properties); })
        .bindTooltip(f.properties.name)
        .addTo(group);
    });
    return group;
  }
  function toggle(id, mode, group) {
    var box = document.getElementById(id);
    if (!box) { return; }
    box.addEventListener("change", function () {
      if (box.checked) { group.addTo(map); } else { map.removeLayer(group); }
      el.dataset[mode + "Shown"] = box.checked ? "1" : "0";
    });
  }

  var outline = el.dataset.boundaryUrl ? load(el.dataset.boundaryUrl).catch(function () { return null; })
    : Promise.resolve(null);
  Promise.all([outline, load(el.dataset.groundUrl), load(el.dataset.airUrl)]).then(function (data) {
    var bounds = null;
    if (data[0]) {
      var counties = L.geoJSON(data[0], {
        style: { color: "#5f6b7a", weight: 1, fillColor: "#ffffff", fillOpacity: 0.6 },
        interactive: false
      }).addTo(map);
      bounds = counties.getBounds();
    }
    var air = layer("air", data[2]).addTo(map);
    var ground = layer("ground", data[1]).addTo(map);
    toggle("cov-show-ground", "ground", ground);
    toggle("cov-show-air", "air", air);
    var both = L.featureGroup([air, ground]);
    if (!bounds || !bounds.isValid()) { bounds = both.getLayers().length ? both.getBounds() : null; }
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8], maxZoom: 12, animate: false }); }
    var g = data[1].features.length, a = data[2].features.length;
    el.dataset.ground = String(g);
    el.dataset.air = String(a);
    el.dataset.ready = "1";
    status.textContent = i18n.drawn.replace("%(g)s", g).replace("%(a)s", a);
    el.dispatchEvent(new CustomEvent("yingji:map-ready"));
  }).catch(function () {
    status.textContent = i18n.failed;
    status.className = "error";
    el.dataset.ready = "error";
  });
})();
