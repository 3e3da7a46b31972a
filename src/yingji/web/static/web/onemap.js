/* 一张图 (one map): county boundaries of Zhejiang on Leaflet, no external tiles by default. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var i18n = JSON.parse(document.getElementById("map-i18n").textContent);
  var homePath = el.dataset.homePath || "";
  // markercluster needs a maximum zoom; 18 is street level, like the optional tile layer.
  var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false, maxZoom: 18 }).setView([29.2, 120.4], 7);
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
  if (el.dataset.layersUrl) { registryLayers(map, el.dataset.layersUrl, i18n, load); }

  /* Registry layers (shelters, depots, enterprises …): one checkbox per layer from
     /api/map/layers; each layer loads the current view from /api/map/layers/<name> when it is
     switched on and after the map moves. The server sends individual points (clustered here by
     markercluster) or, when there are too many, its own grid clusters drawn as sized circles. */
  function registryLayers(map, layersUrl, i18n, load) {
    var list = document.getElementById("layer-list");
    if (!list) { return; }
    var DEBOUNCE_MS = 250;
    var layers = {};
    var timer = null;
    map.createPane("yjPoints").style.zIndex = 450;  // above county polygons, below popups

    function text(template, n) { return template.replace("{n}", Number(n).toLocaleString()); }
    function safeColor(c) { return /^#[0-9a-fA-F]{3,8}$/.test(c || "") ? c : "#5b6b7c"; }
    function say(st, message, state) {
      st.status.textContent = message;
      st.item.dataset.state = state;
    }

    function popupFor(st, props, fields) {
      var box = document.createElement("div");
      box.className = "yj-popup";
      var title = document.createElement("strong");
      title.textContent = props.label;
      box.appendChild(title);
      var dl = document.createElement("dl");
      fields.forEach(function (f) {
        var value = props.popup ? props.popup[f.name] : "";
        if (value === "" || value === null || value === undefined || String(value) === props.label) { return; }
        var dt = document.createElement("dt"); dt.textContent = f.label;
        var dd = document.createElement("dd");
        dd.textContent = typeof value === "number" ? value.toLocaleString() : String(value);
        dl.appendChild(dt); dl.appendChild(dd);
      });
      box.appendChild(dl);
      var link = document.createElement("a");
      link.href = props.url; link.textContent = i18n.details; link.className = "yj-detail";
      box.appendChild(link);
      return box;
    }

    function pointMarker(st, feature, fields) {
      var c = feature.geometry.coordinates;
      var marker = L.circleMarker([c[1], c[0]], {
        pane: "yjPoints", radius: 6, weight: 1.5, color: "#fff", fillColor: st.color, fillOpacity: 0.9,
        className: "yj-point yj-layer-" + st.name
      });
      marker.bindTooltip(feature.properties.label, { direction: "top", offset: [0, -6] });
      // A popup of the map, not of the marker: a reload after the popup's own auto-pan
      // replaces the markers, and the open popup must survive that.
      marker.on("click", function () {
        marker.closeTooltip();
        st.popup = L.popup({ maxWidth: 260, className: "yj-popup-" + st.name,
                             autoPanPaddingTopLeft: [48, 12], autoPanPadding: [12, 12] })
          .setLatLng(marker.getLatLng())
          .setContent(popupFor(st, feature.properties, fields))
          .openOn(map);
      });
      return marker;
    }

    function clusterIcon(st, count) {
      var size = Math.round(Math.min(48, 24 + 7 * Math.log10(Math.max(count, 1))));
      return L.divIcon({
        className: "yj-cluster yj-layer-" + st.name,
        html: '<span style="background:' + st.color + '">' + Number(count).toLocaleString() + "</span>",
        iconSize: [size, size]
      });
    }

    function serverCluster(st, feature) {
      var c = feature.geometry.coordinates, p = feature.properties;
      var marker = L.marker([c[1], c[0]], { icon: clusterIcon(st, p.count), keyboard: true, title: text(i18n.cluster, p.count) });
      marker.on("click", function () {
        var b = p.bounds;
        var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
        var target = Math.min(map.getBoundsZoom(bounds), map.getMaxZoom());  // maxZoom is set
        map.setView(bounds.getCenter(), Math.max(target, map.getZoom() + 1));
      });
      return marker;
    }

    function render(st, data) {
      var group;
      if (data.mode === "points") {
        group = L.markerClusterGroup({
          chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
          clusterPane: "markerPane",
          iconCreateFunction: function (cluster) { return clusterIcon(st, cluster.getChildCount()); }
        });
        group.addLayers(data.features.map(function (f) { return pointMarker(st, f, data.popup); }));
      } else {
        group = L.layerGroup(data.features.map(function (f) {
          return f.properties.cluster ? serverCluster(st, f) : pointMarker(st, f, data.popup);
        }));
      }
      if (st.group) { map.removeLayer(st.group); }
      st.group = group.addTo(map);
      st.loaded = { mode: data.mode, bounds: st.requested, features: data.features, count: data.count };
      st.item.dataset.mode = data.mode;
      describe(st);
    }

    function inView(st) {
      if (st.loaded.mode !== "points") { return st.loaded.count; }
      var view = map.getBounds();
      return st.loaded.features.reduce(function (n, f) {
        var c = f.geometry.coordinates;
        return n + (view.contains([c[1], c[0]]) ? 1 : 0);
      }, 0);
    }

    function describe(st) {
      say(st, text(st.loaded.mode === "points" ? i18n.inView : i18n.grouped, inView(st)), "ready");
    }

    function viewQuery() {
      var b = map.getBounds();
      var box = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
                 Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
      return { bounds: b, query: "bbox=" + box.map(function (v) { return v.toFixed(5); }).join(",") +
               "&zoom=" + map.getZoom() };
    }

    function refresh(st) {
      if (!st.on) { return; }
      // Points cover their whole box: inside it, markercluster handles zooming without a request.
      if (st.loaded && st.loaded.mode === "points" && st.loaded.bounds.contains(map.getBounds())) {
        describe(st);
        return;
      }
      if (st.controller) { st.controller.abort(); }
      var controller = st.controller = new AbortController();
      var view = viewQuery();
      say(st, i18n.loading, "loading");
      fetch(layersUrl + "/" + encodeURIComponent(st.name) + "?" + view.query,
            { credentials: "same-origin", signal: controller.signal })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          if (!st.on || controller !== st.controller) { return; }
          st.controller = null;
          st.requested = view.bounds;
          render(st, data);
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") { return; }
          say(st, i18n.layerError, "error");
        });
    }

    function toggle(st, on) {
      st.on = on;
      if (on) { refresh(st); return; }
      if (st.controller) { st.controller.abort(); st.controller = null; }
      if (st.group) { map.removeLayer(st.group); st.group = null; }
      if (st.popup) { map.closePopup(st.popup); st.popup = null; }
      st.loaded = null;
      say(st, "", "off");
      delete st.item.dataset.mode;
    }

    function item(info) {
      var li = document.createElement("li");
      li.dataset.layer = info.name;
      li.dataset.state = "off";
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "layer";
      box.value = info.name;
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = safeColor(info.color);
      var title = document.createElement("span");
      title.className = "layer-title";
      title.textContent = info.title;
      var count = document.createElement("span");
      count.className = "layer-count";
      count.textContent = Number(info.count).toLocaleString();
      label.append(box, swatch, title, count);
      var status = document.createElement("div");
      status.className = "layer-status small muted";
      status.setAttribute("aria-live", "polite");
      li.append(label, status);
      var st = { name: info.name, color: safeColor(info.color), item: li, status: status, on: false,
                 group: null, loaded: null, controller: null, popup: null };
      box.addEventListener("change", function () { toggle(st, box.checked); });
      layers[info.name] = st;
      return li;
    }

    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        Object.keys(layers).forEach(function (name) { refresh(layers[name]); });
      }, DEBOUNCE_MS);
    });

    load(layersUrl).then(function (data) {
      list.replaceChildren();
      if (!data.length) {
        var none = document.createElement("li"); none.className = "muted small"; none.textContent = i18n.noLayers;
        list.appendChild(none);
      }
      data.forEach(function (info) { list.appendChild(item(info)); });
      list.dataset.ready = "1";
    }).catch(function () {
      list.replaceChildren();
      var p = document.createElement("li"); p.className = "error"; p.textContent = i18n.layersError;
      list.appendChild(p);
    });
  }
})();
