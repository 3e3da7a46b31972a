/* 一张图 (one map): county boundaries of Zhejiang on Leaflet, no external tiles by default. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("map-i18n").textContent);
  var homePath = el.dataset.homePath || "";
  var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false }).setView([29.2, 120.4], 7);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
  }
  var selected = null;
  var baseStyle = { color: "#5b6b7c", weight: 1, fillColor: "#f7f4ea", fillOpacity: 0.9 };
  function styleFor(feature) {
    var own = homePath && feature.properties.code12.indexOf(homePath) === 0;
    return Object.assign({}, baseStyle, own ? { fillColor: "#fde7c8" } : {});
  }
  function fmt(n) { return (n === null || n === undefined) ? "—" : Number(n).toLocaleString(); }
  function showInfo(p) {
    var box = document.getElementById("region-info");
    var tpl = document.getElementById("region-info-template").content.cloneNode(true);
    tpl.querySelector('[data-f="name"]').textContent = p.name;
    tpl.querySelector('[data-f="code"]').textContent = p.code;
    ["population", "households", "township_count", "village_count"].forEach(function (k) {
      tpl.querySelector('[data-f="' + k + '"]').textContent = fmt(p[k]);
    });
    var note = p.population_source.indexOf("census") === 0 ? i18n.census : (i18n[p.population_source] || p.population_source);
    tpl.querySelector('[data-f="population_note"]').textContent = note;
    tpl.querySelector('[data-f="link"]').href = "/regions/" + p.code12 + "/";
    box.replaceChildren(tpl);
  }
  function onEach(feature, layer) {
    layer.on("click", function () {
      if (selected) { selected.setStyle(styleFor(selected.feature)); }
      selected = layer;
      layer.setStyle({ color: "#b3261e", weight: 3 });
      layer.bringToFront();
      showInfo(feature.properties);
    });
    layer.bindTooltip(feature.properties.name, { sticky: true });
  }
  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }
  Promise.all([load(el.dataset.countiesUrl), load(el.dataset.citiesUrl)]).then(function (data) {
    var counties = L.geoJSON(data[0], {
      style: styleFor, onEachFeature: onEach,
      // A class per polygon lets people (and browser tests) find each county.
      className: "yj-county"
    }).addTo(map);
    counties.eachLayer(function (layer) {
      var path = layer.getElement && layer.getElement();
      if (path) { path.setAttribute("data-code", layer.feature.properties.code); }
    });
    L.geoJSON(data[1], { style: { color: "#1d2733", weight: 2, fill: false }, interactive: false, className: "yj-city" }).addTo(map);
    map.fitBounds(counties.getBounds(), { padding: [8, 8] });
    el.dataset.countyCount = String(data[0].features.length);
    el.dispatchEvent(new CustomEvent("yingji:map-ready"));
  }).catch(function () {
    var box = document.getElementById("region-info");
    box.innerHTML = "";
    var p = document.createElement("p"); p.className = "error"; p.textContent = i18n.loadError;
    box.appendChild(p);
  });
})();
