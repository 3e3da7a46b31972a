// Signature pads: every <canvas data-signature-for="input-id"> becomes a pad that writes the
// drawing as a PNG data URL into that (hidden) input when the pen lifts; an untouched or
// cleared pad leaves the input empty. A [data-signature-clear] button in the same parent
// clears it. The server checks and cleans the PNG (yingji.core.documents.signature_png),
// which refuses anything over 2000×1000 pixels, so the backing store is capped below that.
(function () {
  "use strict";
  var MAX_W = 2000, MAX_H = 1000;

  function setUp(canvas) {
    var input = document.getElementById(canvas.getAttribute("data-signature-for"));
    if (!input || canvas.dataset.signatureReady) return;
    canvas.dataset.signatureReady = "1";
    canvas.style.touchAction = "none"; // the finger draws; the page does not scroll
    var ctx = canvas.getContext("2d");
    var drawn = false, last = null;

    function size() {
      var box = canvas.getBoundingClientRect();
      var w = box.width || 300, h = box.height || 150;
      var scale = Math.min(window.devicePixelRatio || 1, 2, MAX_W / w, MAX_H / h);
      canvas.width = Math.floor(w * scale); canvas.height = Math.floor(h * scale);
      ctx.setTransform(scale, 0, 0, scale, 0, 0);
      ctx.lineWidth = 2.5; ctx.lineCap = ctx.lineJoin = "round";
      ctx.strokeStyle = ctx.fillStyle = "#111";
    }

    function clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      input.value = "";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      ctx.beginPath(); // a dot for a tap
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    function lift() {
      if (!last) return;
      last = null;
      input.value = drawn ? canvas.toDataURL("image/png") : "";
    }
    canvas.addEventListener("pointerup", lift);
    canvas.addEventListener("pointercancel", lift);

    var scope = canvas.parentElement;
    var button = scope && scope.querySelector("[data-signature-clear]");
    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        clear();
      });
    }

    size();
    // A form sent back with an error keeps what was signed.
    if (/^data:image\/png;base64,/.test(input.value)) {
      var image = new Image();
      image.onload = function () {
        var box = canvas.getBoundingClientRect();
        ctx.drawImage(image, 0, 0, box.width, box.height);
        drawn = true;
      };
      image.src = input.value;
    }
    window.addEventListener("resize", function () {
      if (!drawn) size(); // resizing a canvas wipes it: only while it is empty
    });
  }

  function init(root) {
    (root || document).querySelectorAll("canvas[data-signature-for]").forEach(setUp);
  }
  window.yingjiSignature = { init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
