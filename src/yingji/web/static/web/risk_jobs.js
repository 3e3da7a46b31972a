/* A job started from a risk page (a model comparison): the job card refreshes itself through
   htmx; once the job has finished, reload the page so that its result shows. */
(function () {
  "use strict";
  document.body.addEventListener("htmx:afterSettle", function () {
    var card = document.getElementById("job-card");
    if (card && !card.hasAttribute("hx-trigger")) { window.location.reload(); }
  });
})();
