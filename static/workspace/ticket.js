// Ticket page behaviours (no inline scripts: CSP script-src 'self').
// - "Insert into reply" copies a guidance article's text into the reply box.
// - Choosing a template sets the reply's audience to the template's (htmx then fills the
//   subject and body from it).
// - "After sending" (wait for the answer or not) is asked for mail, not for internal notes.
// - Clicking a one-time link field selects it for copying.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-from]");
    if (button) {
      var source = document.getElementById(button.getAttribute("data-insert-from"));
      var target = document.getElementById(button.getAttribute("data-insert-into"));
      if (source && target) {
        var text = source.textContent;
        target.value = target.value ? target.value.replace(/\s*$/, "") + "\n\n" + text : text;
        target.focus();
      }
      return;
    }
    var field = event.target.closest(".copy-field");
    if (field) { field.select(); }
  });
  function showAfterSending() {
    var audience = document.getElementById("reply-audience");
    var after = document.getElementById("reply-after");
    if (!audience || !after) { return; }
    var note = audience.value === "internal";
    after.hidden = note;
    Array.prototype.forEach.call(after.querySelectorAll("input[type=radio]"), function (radio) {
      radio.required = !note;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "reply-audience") { showAfterSending(); return; }
    if (event.target.id !== "reply-template") { return; }
    var option = event.target.selectedOptions[0];
    var audience = option && option.getAttribute("data-audience");
    var select = document.getElementById("reply-audience");
    if (audience && select) { select.value = audience; showAfterSending(); }
  }, true);  // capture: before htmx's own change listener asks for the template's text
  showAfterSending();
})();
