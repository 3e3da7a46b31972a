// Hidden-hazard forms: "use my location", photo previews, one submission per tap.
// The texts come translated from the page (#hz-i18n); the forms work without this script.
(function () {
  "use strict";
  var node = document.getElementById("hz-i18n");
  var t = node ? JSON.parse(node.textContent) : {};

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (_m, key) {
      return values[key] !== undefined ? values[key] : "";
    });
  }

  // "Use my location": the phone's position into the hidden lon/lat fields.
  var locate = document.getElementById("hz-locate");
  if (locate) {
    var status = document.getElementById("hz-locate-status");
    var lon = document.getElementById("f-lon");
    var lat = document.getElementById("f-lat");
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) {
        status.textContent = t.unsupported;
        return;
      }
      status.textContent = t.locating;
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          locate.disabled = false;
          lon.value = pos.coords.longitude.toFixed(6);
          lat.value = pos.coords.latitude.toFixed(6);
          status.textContent = fill(t.located, {
            lon: lon.value,
            lat: lat.value,
            acc: Math.round(pos.coords.accuracy || 0),
          });
          locate.dataset.state = "located";
        },
        function (error) {
          locate.disabled = false;
          status.textContent = fill(t.noLocation, { error: error.message || error.code });
          locate.dataset.state = "failed";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // Photo inputs: keep at most data-max files and show what will be sent.
  document.querySelectorAll("input.hz-file").forEach(function (input) {
    var preview = document.getElementById(input.dataset.preview);
    var max = parseInt(input.dataset.max || "6", 10);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      preview.textContent = "";
      if (files.length > max && window.DataTransfer) {
        var kept = new DataTransfer();
        files.slice(0, max).forEach(function (f) { kept.items.add(f); });
        input.files = kept.files;
        files = files.slice(0, max);
        var warn = document.createElement("p");
        warn.className = "warn";
        warn.textContent = fill(t.tooMany, { n: max });
        preview.appendChild(warn);
      }
      files.forEach(function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        preview.appendChild(img);
      });
    });
  });

  // A link to one step (#act-submit from "my enterprise") opens that step's form.
  function openStep() {
    var step = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var details = step && step.querySelector("details");
    if (details) {
      details.open = true;
      step.scrollIntoView();
    }
  }
  openStep();
  window.addEventListener("hashchange", openStep);

  // One submission per tap: a phone on a slow network invites a second tap.
  document.querySelectorAll("form.hz-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (!button) return;
      window.setTimeout(function () {
        button.disabled = true;
        button.dataset.label = button.textContent;
        button.textContent = t.sending || button.textContent;
      }, 0);
    });
  });
  // Back from the browser cache: the buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.hz-form button[disabled]").forEach(function (button) {
      button.disabled = false;
      if (button.dataset.label) button.textContent = button.dataset.label;
    });
  });
})();
