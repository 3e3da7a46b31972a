/* Alarm lists kept live by server-sent events, and acknowledging / disposing an alarm through
   the JSON API (POST /api/monitoring/alarms/<id>/acknowledge and …/dispose).

   The list (#mon-alarms) names its stream (data-stream-url). Each "alarm" event carries the
   alarm as the API lists it; the row itself is rendered by the server
   (/monitoring/alarms/<id>/row/ with the page's filters, 204 when it no longer matches) so a
   live row looks exactly like the rows the page came with. A row being edited (its dispose
   form open) keeps the form and only has its badges refreshed. The browser's EventSource
   reconnects by itself with the last event id; if the server refused the stream, it is
   opened again after a pause. Other scripts of the page hear each alarm as a "mon:alarm"
   event on the document. */
(function () {
  "use strict";
  var data = document.getElementById("mon-i18n");
  var i18n = data ? JSON.parse(data.textContent) : {};
  var csrfTag = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfTag ? csrfTag.content : "";
  var list = document.getElementById("mon-alarms");
  var live = document.getElementById("mon-live");
  var banner = document.getElementById("mon-new");
  var unseen = 0;
  var lastId = "";

  function text(template, vars) {
    return String(template || "").replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? vars[k] : m; });
  }

  /* ---- elapsed time since raised ---- */
  function elapsed(iso) {
    var seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return text(i18n.minutes, { n: minutes }); }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) { return text(i18n.hours, { h: hours, m: minutes % 60 }); }
    return text(i18n.days, { n: Math.floor(hours / 24) });
  }
  function tick() {
    Array.prototype.forEach.call(document.querySelectorAll("time.mon-elapsed"), function (el) {
      var since = el.getAttribute("datetime");
      if (!since) { return; }
      var fresh = Date.now() - Date.parse(since) < 60000;
      el.textContent = fresh ? i18n.justNow : text(i18n.ago, { t: elapsed(since) });
    });
  }
  if (i18n.ago) { tick(); window.setInterval(tick, 30000); }

  /* ---- the live list ---- */
  function say(state, message) {
    if (!live) { return; }
    live.dataset.state = state;
    live.textContent = message;
  }

  function rowUrl(id, filtered) {
    var query = filtered ? (list.dataset.rowQuery || "") : "";
    if (list.dataset.compact && query.indexOf("compact=1") < 0) { query += (query ? "&" : "") + "compact=1"; }
    return "/monitoring/alarms/" + id + "/row/" + (query ? "?" + query : "");
  }

  function editing(row) {
    var open = row.querySelector("details[open]");
    return Boolean(open) || row.contains(document.activeElement);
  }

  function place(id, html, force) {
    var current = document.getElementById("alarm-" + id);
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var row = holder.content.firstElementChild;
    if (!row) { return; }
    if (current && list.contains(current)) {
      if (!force && current.dataset.updated === row.dataset.updated) { return; }  // nothing new
      if (!force && editing(current)) {
        ["mon-level", "mon-alarm-main", "mon-alarm-side"].forEach(function (cls) {
          var fresh = row.querySelector("." + cls);
          var old = current.querySelector("." + cls);
          if (fresh && old) { old.replaceWith(fresh); }
        });
        current.className = row.className;
        current.dataset.updated = row.dataset.updated;
        if (!row.querySelector("[data-act=acknowledge]")) {
          var button = current.querySelector("[data-act=acknowledge]");
          if (button) { button.remove(); }
        }
        return;
      }
      current.replaceWith(row);
    } else if (list.dataset.firstPage) {
      var empty = list.querySelector(".mon-empty");
      if (empty) { empty.remove(); }
      list.insertBefore(row, list.firstElementChild);
    } else {
      unseen += 1;
      if (banner) {
        banner.hidden = false;
        banner.querySelector("a").textContent = text(i18n.newAlarms, { n: unseen });
      }
      return;
    }
    row.classList.add("mon-fresh");
    tick();
  }

  function refresh(id, filtered, force) {
    return fetch(rowUrl(id, filtered), { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 204) {
        var current = document.getElementById("alarm-" + id);
        if (current && list.contains(current) && !editing(current)) { current.remove(); }
        return null;
      }
      if (!r.ok) { return null; }
      return r.text().then(function (html) { place(id, html, force); });
    }).catch(function () { /* the next event brings it again */ });
  }

  /* The state tabs' counts follow the alarms the page hears of: a new alarm (raised after the
     page was rendered) adds to them, a row on the page moving between states moves its count. */
  var rendered = Number((/[?&]since=(\d+)/.exec(list ? list.dataset.streamUrl || "" : "") || [])[1] || 0);
  function states(open, unacked) {
    return { all: 1, unacknowledged: unacked ? 1 : 0, open: open ? 1 : 0, closed: open ? 0 : 1 };
  }
  function recount(alarm) {
    var row = document.getElementById("alarm-" + alarm.id);
    var before;
    if (row && list.contains(row)) {
      before = states(row.classList.contains("is-open"), row.classList.contains("unacked"));
    } else if (Date.parse(alarm.raised_at) > rendered) {
      before = { all: 0, unacknowledged: 0, open: 0, closed: 0 };
    } else {
      return;  // an older alarm not on this page: its previous state is unknown here
    }
    var after = states(alarm.open, !alarm.acknowledged);
    Array.prototype.forEach.call(document.querySelectorAll(".hz-state-tabs a[data-state]"), function (tab) {
      var n = tab.querySelector(".n");
      var key = tab.dataset.state;
      if (n && after[key] !== before[key]) { n.textContent = Number(n.textContent) + after[key] - before[key]; }
    });
  }

  function connect() {
    var url = list.dataset.streamUrl;
    if (lastId) { url = url.replace(/([?&])since=\d*/, "$1since=" + lastId); }
    var source = new EventSource(url);
    source.addEventListener("open", function () { say("live", i18n.live); });
    source.addEventListener("error", function () {
      say("error", i18n.reconnecting);
      if (source.readyState === EventSource.CLOSED) { window.setTimeout(connect, 10000); }
    });
    source.addEventListener("alarm", function (event) {
      var alarm;
      try { alarm = JSON.parse(event.data); } catch (e) { return; }
      if (event.lastEventId) { lastId = event.lastEventId; }
      say("live", i18n.live);
      recount(alarm);
      refresh(alarm.id, true, false);
      document.dispatchEvent(new CustomEvent("mon:alarm", { detail: alarm }));
    });
  }
  if (list && list.dataset.streamUrl && window.EventSource) { connect(); }

  /* ---- acknowledge and dispose ---- */
  function act(box, action, body) {
    var id = box.dataset.alarm;
    var error = box.querySelector(".mon-error");
    if (error) { error.hidden = true; }
    box.classList.add("busy");
    fetch("/api/monitoring/alarms/" + id + "/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        if (!r.ok) { throw new Error(answer.message || String(r.status)); }
        return answer;
      });
    }).then(function () {
      var row = document.getElementById("alarm-" + id);
      if (list && row && list.contains(row)) { return refresh(id, false, true); }
      window.location.reload();
      return null;
    }).catch(function (err) {
      box.classList.remove("busy");
      if (error) {
        error.textContent = text(i18n.failed, { message: err.message });
        error.hidden = false;
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-act=acknowledge]");
    if (!button) { return; }
    event.preventDefault();
    act(button.closest(".mon-actions"), "acknowledge", { note: "" });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-act=dispose]");
    if (!form) { return; }
    event.preventDefault();
    act(form.closest(".mon-actions"), "dispose", {
      disposition: form.elements.disposition.value,
      note: form.elements.note.value
    });
  });
}());
