/* The 信息报送 form's map: a click places the incident (the hidden lon/lat fields the phone's
   "use my location" button also fills, see web/photos.js); the chosen region's boundary is
   drawn for orientation (from the public boundary API; townships and villages have none, so
   the map centres on the region instead). Works without tiles, and the form without this. */
(function () {
  "use strict";
  var box = document.getElementById("inc-pick-map");
  var lon = document.getElementById("f-lon");
  var lat = document.getElementById("f-lat");
  var status = document.getElementById("hz-locate-status");
  var region = document.getElementById("f-region");
  var node = document.getElementById("hz-i18n");
  var t = node ? JSON.parse(node.textContent) : {};
  if (!box || !lon || !lat || typeof L === "undefined") { return; }

  var map = L.map(box, { zoomSnap: 0.25, maxZoom: 18 }).setView([30.25, 120.15], 10);
  if (box.dataset.tileUrl) { L.tileLayer(box.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
  var outline = L.featureGroup().addTo(map);
  var marker = null;
  box.dataset.state = "ready";

  function place(x, y, pan) {
    if (!isFinite(x) || !isFinite(y)) { return; }
    var at = [y, x];
    if (marker) { marker.setLatLng(at); } else {
      marker = L.circleMarker(at, { radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }
    if (pan) { map.setView(at, Math.max(map.getZoom(), 13), { animate: false }); }
    box.dataset.placed = "1";
  }

  map.on("click", function (event) {
    lon.value = event.latlng.lng.toFixed(6);
    lat.value = event.latlng.lat.toFixed(6);
    place(event.latlng.lng, event.latlng.lat, false);
    if (status) { status.textContent = String(t.placed || "{lon}, {lat}").replace("{lon}", lon.value).replace("{lat}", lat.value); }
  });

  // The phone's position (photos.js writes the fields and then the status line).
  if (status && window.MutationObserver) {
    new MutationObserver(function () {
      if (lon.value && lat.value) { place(parseFloat(lon.value), parseFloat(lat.value), true); }
    }).observe(status, { childList: true, characterData: true, subtree: true });
  }

  function outlineRegion() {
    if (!region || !region.value) { return; }
    var code = region.value;
    fetch("/api/regions/" + code + "/boundary.geojson", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (geo) {
        outline.clearLayers();
        L.geoJSON(geo, { style: { color: "#1d2733", weight: 2, fillOpacity: 0.05 } }).addTo(outline);
        if (!marker) { map.fitBounds(outline.getBounds(), { padding: [8, 8], animate: false }); }
      })
      .catch(function () {
        return fetch("/api/regions/" + code, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (found) {
            if (found && found.lat !== null && found.lon !== null && !marker) {
              map.setView([found.lat, found.lon], 13, { animate: false });
            }
          })
          .catch(function () { /* the map stays where it is */ });
      });
  }
  if (region) { region.addEventListener("change", outlineRegion); }
  if (lon.value && lat.value) { place(parseFloat(lon.value), parseFloat(lat.value), true); } else { outlineRegion(); }
}());
