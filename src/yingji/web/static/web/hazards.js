// Hidden-hazard forms: the step a link names opens, one submission per tap ("use my location"
// and photo previews are web/photos.js). The texts come translated from the page (#hz-i18n);
// the forms work without this script.
(function () {
  "use strict";
  var node = document.getElementById("hz-i18n");
  var t = node ? JSON.parse(node.textContent) : {};

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
