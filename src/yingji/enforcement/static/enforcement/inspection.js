// 掌上执法 pages: the phone's position into lon/lat fields, photo previews, one submission
// per tap. Texts come translated from the page (#in-i18n). Every form works without this.
(function () {
  "use strict";
  var node = document.getElementById("in-i18n");
  var t = node ? JSON.parse(node.textContent) : {};

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (_m, key) {
      return values[key] !== undefined ? values[key] : "";
    });
  }

  function locate(form, status, done) {
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
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
    );
  }

  // "Use my location" buttons fill the lon/lat of their own form.
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var status = form.querySelector("[data-locate-status]");
      button.disabled = true;
      locate(form, status, function () { button.disabled = false; });
    });
  });

  // 开始检查: the position is taken on the way (if the phone gives one in time).
  document.querySelectorAll("form[data-locate-on-submit]").forEach(function (form) {
    var asked = false;
    form.addEventListener("submit", function (event) {
      if (asked) return;
      event.preventDefault();
      asked = true;
      locate(form, form.querySelector("[data-locate-status]"), function () {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  });

  // Photo inputs: keep at most data-max files and show what will be sent.
  document.querySelectorAll("input[data-preview]").forEach(function (input) {
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

  // One submission per tap: a phone on a slow network invites a second tap.
  document.querySelectorAll("form.in-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      var button = event.submitter || form.querySelector("button[type=submit]");
      if (!button || button.dataset.busy) return;
      if (button.name) { // the pressed button's value must still be sent
        var copy = document.createElement("input");
        copy.type = "hidden"; copy.name = button.name; copy.value = button.value;
        form.appendChild(copy);
      }
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        button.dataset.busy = "1";
        button.dataset.label = button.textContent;
        button.textContent = t.sending || button.textContent;
      }, 0);
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.in-form button[disabled]").forEach(function (button) {
      button.disabled = false;
      delete button.dataset.busy;
      if (button.dataset.label) button.textContent = button.dataset.label;
    });
  });
})();
