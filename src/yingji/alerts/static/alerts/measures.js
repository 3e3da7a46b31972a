/* The warning page's dissemination figures, refreshed every 15 s while the warning is in
   force: the server renders the section (the same template as the page) and it replaces the
   old one. Paused while the tab is hidden; a failed refresh keeps the figures shown. */
(function () {
  "use strict";
  var PERIOD = 15000;
  function refresh() {
    var section = document.getElementById("al-measures");
    var url = section && section.dataset.live;
    if (!url) return;
    if (document.hidden) { window.setTimeout(refresh, PERIOD); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.querySelector("#al-measures");
        if (fresh) section.replaceWith(fresh);
      })
      .catch(function () { /* keep the figures shown; try again next period */ })
      .then(function () { window.setTimeout(refresh, PERIOD); });
  }
  window.setTimeout(refresh, PERIOD);
})();
