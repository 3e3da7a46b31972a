/* The command room (incident page): countdowns of the reporting time limits, counting in the
   browser every second, and the timeline kept live by server-sent events.

   The timeline (#inc-timeline) names its stream (data-stream-url, ?after= the newest entry the
   page was rendered with). Each "entry" event carries a timeline entry as the API lists it; it
   is put at the top of the timeline, then the sections it may have changed are fetched again
   as the server renders them (/incidents/<id>/part/<name>/): the header and the time limits
   always, the reports after a report or grade, the roles after a role, the tasks after a task
   (unless someone is typing in that section). Other scripts (the panels of other apps) hear
   each entry as an "inc:entry" event on the document. The browser's EventSource reconnects by
   itself with the last event id; if the server refused the stream it is opened again later.
   Texts come translated from the page (#inc-i18n). */
(function () {
  "use strict";
  var node = document.getElementById("inc-i18n");
  var t = node ? JSON.parse(node.textContent) : {};
  var list = document.getElementById("inc-timeline");
  var live = document.getElementById("inc-live");
  var CHINA = "Asia/Shanghai";

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* ---- countdowns ---- */
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var clock = (h || d ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
    return d ? fill(t.days, { n: d }) + " " + clock : clock;
  }
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll(".inc-limit[data-due]"), function (row) {
      var due = Date.parse(row.dataset.due);
      var done = row.dataset.done ? Date.parse(row.dataset.done) : NaN;
      var clock = row.querySelector(".inc-clock");
      if (isNaN(due) || !clock) { return; }
      var state;
      var text;
      if (!isNaN(done)) {
        state = done <= due ? "met" : "late";
        text = state === "met" ? t.met : fill(t.late, { t: span(done - due) });
      } else if (row.dataset.window && now > due) {
        state = "closed";
        text = t.closed || "closed";
      } else if (now > due) {
        state = "overdue";
        text = fill(t.overdueBy, { t: span(now - due) });
      } else {
        state = "pending";
        text = fill(t.dueIn, { t: span(due - now) });
      }
      row.className = "inc-limit is-" + state;
      if (clock.textContent !== text) { clock.textContent = text; }
    });
  }
  tick();
  window.setInterval(tick, 1000);

  /* ---- the timeline ---- */
  var stamp = window.Intl ? new Intl.DateTimeFormat("en-GB", {
    timeZone: CHINA, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hour12: false
  }) : null;
  function when(iso) {
    var date = new Date(iso);
    if (!stamp || isNaN(date.getTime())) { return iso; }
    var p = {};
    stamp.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    return p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function item(entry) {
    var li = el("li", "inc-entry k-" + entry.kind);
    li.dataset.id = entry.id;
    li.dataset.kind = entry.kind;
    var time = el("time", "inc-when", when(entry.at));
    time.setAttribute("datetime", entry.at);
    li.appendChild(time);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "inc-kind k-" + entry.kind, entry.kind_label));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "inc-entry-text", entry.text));
    if (entry.actor && entry.kind !== "report") {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "small muted", "· " + entry.actor.name));
    }
    if (entry.photo_url && /^\/incidents\/\d+\/photos\/[0-9a-f-]+$/.test(entry.photo_url)) {
      var a = el("a", "inc-photo");
      a.href = entry.photo_url;
      var img = el("img");
      img.src = entry.photo_url;
      img.alt = t.photo || "";
      a.appendChild(img);
      li.appendChild(a);
    }
    return li;
  }

  var PARTS = { report: ["reports"], grade: ["reports"], role: ["roles"], task: ["tasks"], overdue: ["tasks"] };
  var wanted = {};
  var timer = null;
  function refresh(name) {
    var box = document.querySelector('[data-part="' + name + '"]');
    if (!box || !list) { return null; }
    if (box.contains(document.activeElement) && document.activeElement !== document.body) { return null; }
    var url = "/incidents/" + list.dataset.incident + "/part/" + name + "/";
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) { return; }
      box.innerHTML = html;
      var card = box.closest(".inc-head");
      if (name === "head" && card) {
        var badge = box.querySelector(".inc-grade");
        var grade = badge ? (/inc-g-(\w+)/.exec(badge.className) || [])[1] : "none";
        card.className = card.className.replace(/inc-head-\w+/, "inc-head-" + (grade || "none"));
      }
      tick();
    }).catch(function () { /* the next entry brings it again */ });
  }
  function schedule(kind) {
    wanted.head = wanted.limits = true;
    (PARTS[kind] || []).forEach(function (name) { wanted[name] = true; });
    if (timer) { return; }
    timer = window.setTimeout(function () {
      var names = Object.keys(wanted);
      wanted = {};
      timer = null;
      names.forEach(refresh);
    }, 250);
  }

  function say(state, message) {
    if (!live) { return; }
    live.dataset.state = state;
    live.textContent = message;
  }
  var lastId = "";
  function connect() {
    var url = list.dataset.streamUrl;
    if (lastId) { url = url.replace(/([?&])after=\d*/, "$1after=" + lastId); }
    var source = new EventSource(url);
    source.addEventListener("open", function () { say("live", t.live); });
    source.addEventListener("error", function () {
      say("error", t.reconnecting);
      if (source.readyState === EventSource.CLOSED) { window.setTimeout(connect, 10000); }
    });
    source.addEventListener("entry", function (event) {
      var entry;
      try { entry = JSON.parse(event.data); } catch (e) { return; }
      if (event.lastEventId) { lastId = event.lastEventId; }
      say("live", t.live);
      if (!list.querySelector('li[data-id="' + entry.id + '"]')) {
        var empty = list.querySelector(".inc-empty");
        if (empty) { empty.remove(); }
        var li = item(entry);
        li.classList.add("inc-fresh");
        list.insertBefore(li, list.firstElementChild);
      }
      schedule(entry.kind);
      document.dispatchEvent(new CustomEvent("inc:entry", { detail: entry }));
      /* per kind too, for hx-trigger (a [filter] there would need eval, which CSP forbids) */
      document.dispatchEvent(new CustomEvent("inc:entry-" + entry.kind, { detail: entry }));
    });
  }
  if (list && list.dataset.streamUrl && window.EventSource) { connect(); }

  /* ---- older entries, a page at a time from the API ---- */
  var older = document.getElementById("inc-older");
  if (older && list) {
    older.addEventListener("click", function () {
      older.disabled = true;
      var url = "/api/incidents/" + list.dataset.incident + "/timeline?before=" + encodeURIComponent(older.dataset.before);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      }).then(function (page) {
        page.items.forEach(function (entry) {
          if (!list.querySelector('li[data-id="' + entry.id + '"]')) { list.appendChild(item(entry)); }
        });
        if (page.next_before) {
          older.dataset.before = page.next_before;
          older.disabled = false;
        } else {
          older.remove();
        }
      }).catch(function () { older.disabled = false; });
    });
  }
}());
