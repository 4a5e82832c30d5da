// The queue's keyboard and live behaviours (no inline handlers: CSP script-src 'self').
//   j / k   move the selection down / up         o / Enter  open the ticket
//   a       assign the ticket to me               r          open it with the reply box
//   x       tick / untick the ticket for a bulk action
//   /       focus the search box
// New tickets arrive through the htmx poller (#queue-poller): before each poll this file
// sends the newest activity and id shown, and after it drops the older copy of any row that
// moved to the top.
(function () {
  "use strict";

  var table = document.getElementById("queue-table");
  if (!table) { return; }
  var bulkForm = document.getElementById("queue-bulk");

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr.queue-row"));
  }

  function current() {
    return document.querySelector("#queue-rows tr.queue-row.current");
  }

  function select(row) {
    var previous = current();
    if (previous) { previous.classList.remove("current"); previous.removeAttribute("aria-selected"); }
    if (!row) { return; }
    row.classList.add("current");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[next]);
  }

  function open(row, anchor) {
    if (row && row.dataset.url) { window.location.assign(row.dataset.url + (anchor || "")); }
  }

  function assignToMe(row) {
    if (!row || !bulkForm) { return; }
    Array.prototype.forEach.call(bulkForm.querySelectorAll("input[name=ticket]"), function (box) {
      box.checked = box.value === row.dataset.ticketId;
    });
    bulkForm.querySelector("#bulk-action").value = "assign";
    bulkForm.querySelector("#bulk-assignee").value = "me";
    bulkForm.submit();
  }

  function toggle(row) {
    var box = row && row.querySelector("input[name=ticket]");
    if (box) { box.checked = !box.checked; }
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Escape" && target && target.blur) { target.blur(); }
      return;
    }
    var row = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter": if (!row) { return; } open(row); break;
      case "r": if (!row) { return; } open(row, "#reply"); break;
      case "a": assignToMe(row); break;
      case "x": toggle(row); break;
      case "/":
        if (event.defaultPrevented) { return; }  // desk.js already focused the search box
        var box = document.getElementById("queue-q");
        if (box) { box.focus(); }
        break;
      default: return;
    }
    event.preventDefault();
  });

  table.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr.queue-row");
    if (row) { select(row); }
  });

  // Bulk bar: show only the fields of the chosen action.
  var action = document.getElementById("bulk-action");
  function showBulkFields() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-bulk]"), function (field) {
      field.hidden = field.dataset.bulk !== action.value;
    });
  }
  if (action) { action.addEventListener("change", showBulkFields); showBulkFields(); }

  // Live rows: the high-water mark goes with each poll ...
  function highWater() {
    var since = "", sinceId = 0;
    rows().forEach(function (row) {
      var activity = row.dataset.activity || "";
      if (Date.parse(activity) > (since ? Date.parse(since) : -Infinity)) { since = activity; }
      sinceId = Math.max(sinceId, parseInt(row.dataset.ticketId, 10) || 0);
    });
    var poller = document.getElementById("queue-poller");
    if (!since && poller) { since = poller.dataset.since || ""; }
    if (!sinceId && poller) { sinceId = parseInt(poller.dataset.sinceId, 10) || 0; }
    return { since: since, sinceId: sinceId };
  }

  document.body.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "queue-poller") { return; }
    var mark = highWater();
    event.detail.parameters.since = mark.since;
    event.detail.parameters.since_id = String(mark.sinceId);
  });

  // ... and a ticket that moved up replaces its older row.
  document.body.addEventListener("htmx:afterSwap", function () {
    var seen = {};
    rows().forEach(function (row) {
      var id = row.dataset.ticketId;
      if (seen[id]) { row.parentNode.removeChild(row); } else { seen[id] = true; }
    });
    var empty = document.querySelector("#queue-rows tr.empty");
    if (empty && rows().length) { empty.parentNode.removeChild(empty); }
  });
})();
