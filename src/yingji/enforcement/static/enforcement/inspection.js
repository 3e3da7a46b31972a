// 掌上执法 pages: one submission per tap (the phone's position and photo previews are
// web/photos.js). Texts come translated from the page (#in-i18n). Every form works without this.
(function () {
  "use strict";
  var node = document.getElementById("in-i18n");
  var t = node ? JSON.parse(node.textContent) : {};

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
