/* The 力量调度 panel of the incident page: choosing a specialty shows its forces at once, and
   the panel fetches itself again when a dispatch or supply entry arrives in the timeline
   (unless someone is typing in it). */
(function () {
  "use strict";
  if (window.yjDispatchListening) { return; }
  window.yjDispatchListening = true;
  var KINDS = { dispatch: 1, supply: 1 };

  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "dp-specialty" && e.target.form) { e.target.form.submit(); }
  });

  function busy(panel) {
    var active = document.activeElement;
    return active && panel.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }

  document.addEventListener("inc:entry", function (e) {
    var panel = document.getElementById("dispatch");
    if (!panel || !e.detail || !KINDS[e.detail.kind] || busy(panel)) { return; }
    fetch(panel.dataset.refresh, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.querySelector("#dispatch");
        if (fresh) { panel.replaceWith(fresh); }
      })
      .catch(function () { /* the next entry tries again */ });
  });
})();
