/* The drafting form: the level select offers only the colours the chosen type has; the
   headline and the defence guide are prefilled from the type and level (the signal's name,
   the stored 防御指南) until the user types their own. */
(function () {
  "use strict";
  var form = document.getElementById("al-form");
  var source = document.getElementById("al-types");
  if (!form || !source) { return; }
  var types = {};
  JSON.parse(source.textContent).forEach(function (t) { types[t.code] = t; });
  var kind = document.getElementById("f-event_type");
  var level = document.getElementById("f-level");
  var headline = document.getElementById("f-headline");
  var guide = document.getElementById("f-instruction");
  var filled = { headline: headline.value, guide: guide.value };

  function restrictLevels() {
    var t = types[kind.value];
    Array.prototype.forEach.call(level.options, function (o) {
      if (!o.value) { return; }
      var ok = !t || t.levels.indexOf(Number(o.value)) >= 0;
      o.disabled = !ok;
      o.hidden = !ok;
    });
    if (level.selectedOptions.length && level.selectedOptions[0].disabled) { level.value = ""; }
  }
  function prefill() {
    var t = types[kind.value];
    if (!t || level.value === "") { return; }
    var title = t.titles[level.value] || "";
    if (title && (headline.value === "" || headline.value === filled.headline)) {
      headline.value = (headline.dataset.home || "") + title;
      filled.headline = headline.value;
    }
    var text = t.guidance[level.value];
    if (text && (guide.value === "" || guide.value === filled.guide)) {
      guide.value = text;
      filled.guide = text;
    }
  }
  kind.addEventListener("change", function () { restrictLevels(); prefill(); });
  level.addEventListener("change", prefill);
  restrictLevels();
})();
