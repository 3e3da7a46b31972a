/* The areas of one or more warnings on a Leaflet map, in the warning's signal colour:
   polygons and circles as drawn, regions as their boundary (from the public boundary API)
   or, where none is kept (townships, villages), a marker at the region's centre. */
(function () {
  "use strict";
  var el = document.getElementById("al-map");
  var source = document.getElementById("al-map-data");
  if (!el || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var COLOUR = ["#1e88e5", "#f9c700", "#fb8c00", "#e53935"];
  var map = L.map(el, { zoomSnap: 0.25, maxZoom: 18 }).setView([29.2, 120.4], 7);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
  var group = L.featureGroup().addTo(map);
  var pending = 0;
  el.dataset.state = "loading";

  function fit() {
    if (group.getLayers().length) { map.fitBounds(group.getBounds(), { padding: [12, 12], maxZoom: 13, animate: false }); }
    el.dataset.state = pending ? "loading" : "ready";
    el.dataset.layers = String(group.getLayers().length);
  }
  function style(level) {
    var c = COLOUR[level] || "#5b6b7c";
    return { color: c, weight: 2, fillColor: c, fillOpacity: 0.25 };
  }
  function label(w, area) { return (w.headline || w.title) + " · " + area.description; }
  function marker(w, area) {
    var r = area.region;
    if (r && r.lat !== null && r.lon !== null) {
      L.circleMarker([r.lat, r.lon], Object.assign(style(w.level), { radius: 9 }))
        .bindTooltip(label(w, area)).addTo(group);
    }
  }
  function region(w, area) {
    pending += 1;
    fetch("/api/regions/" + area.region.code + "/boundary.geojson", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (geo) {
        L.geoJSON(geo, { style: style(w.level), className: "al-area" }).bindTooltip(label(w, area)).addTo(group);
      })
      .catch(function () { marker(w, area); })
      .then(function () { pending -= 1; fit(); });
  }
  (data.warnings || []).forEach(function (w) {
    (w.areas || []).forEach(function (area) {
      if (area.polygon) {
        L.polygon(area.polygon, Object.assign(style(w.level), { className: "al-area" })).bindTooltip(label(w, area)).addTo(group);
      }
      if (area.circle) {
        L.circle([area.circle[0], area.circle[1]], Object.assign(style(w.level), { radius: area.circle[2] * 1000, className: "al-area" }))
          .bindTooltip(label(w, area)).addTo(group);
      }
      if (area.region && !area.polygon && !area.circle) { region(w, area); }
    });
  });
  fit();
})();
