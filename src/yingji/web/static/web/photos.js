// Field reports from a phone (隐患, 信息报送, 掌上执法): photo previews and "use my location".
// Driven by markup alone, so every page that reports from the field shares one copy:
//   input[data-preview="ID"][data-max="N"]  keeps at most N files and shows them in #ID;
//   [data-locate] (a button)                 fills lon/lat of its own form, status in [data-locate-status];
//   form[data-locate-on-submit]              takes the position on the way before submitting;
//   data-locate-timeout="ms"                 on the button or form: how long to wait (15 s by default).
// The translated texts come from the JSON element named by this script tag's data-i18n.
// Every form works without this script.
(function () {
  "use strict";
  var script = document.currentScript;
  var node = script && script.dataset.i18n && document.getElementById(script.dataset.i18n);
  var t = node ? JSON.parse(node.textContent) : {};

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (_m, key) {
      return values[key] !== undefined ? values[key] : "";
    });
  }

  // The phone's position into the form's lon/lat fields; done(true|false) when answered.
  function locate(form, status, timeout, done) {
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    if (!navigator.geolocation || !lon || !lat) {
      if (status) status.textContent = t.unsupported || "";
      done(false);
      return;
    }
    if (status) status.textContent = t.locating || "";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        if (status) {
          status.textContent = fill(t.located, {
            lon: lon.value, lat: lat.value, acc: Math.round(pos.coords.accuracy || 0),
          });
        }
        done(true);
      },
      function (error) {
        if (status) status.textContent = fill(t.noLocation, { error: error.message || error.code });
        done(false);
      },
      { enableHighAccuracy: true, timeout: timeout, maximumAge: 60000 }
    );
  }

  function timeoutOf(el) {
    return parseInt(el.dataset.locateTimeout || "15000", 10);
  }

  // "Use my location" buttons fill the lon/lat of their own form.
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      if (!form) return;
      button.disabled = true;
      locate(form, form.querySelector("[data-locate-status]"), timeoutOf(button), function (ok) {
        button.disabled = false;
        button.dataset.state = ok ? "located" : "failed";
      });
    });
  });

  // The position is taken on the way (if the phone gives one in time), then the form is sent.
  document.querySelectorAll("form[data-locate-on-submit]").forEach(function (form) {
    var asked = false;
    form.addEventListener("submit", function (event) {
      if (asked) return;
      event.preventDefault();
      asked = true;
      locate(form, form.querySelector("[data-locate-status]"), timeoutOf(form), function () {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  });

  // Photo inputs: keep at most data-max files and show what will be sent.
  document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
    var preview = document.getElementById(input.dataset.preview);
    var max = parseInt(input.dataset.max || "6", 10);
    if (!preview) return;
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
})();
