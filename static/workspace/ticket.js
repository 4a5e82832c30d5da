// Ticket page behaviours (no inline scripts: CSP script-src 'self').
// - "Insert into reply" copies a guidance article's text into the reply box.
// - Choosing a template sets the reply's audience to the template's.
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
  document.addEventListener("change", function (event) {
    if (event.target.id !== "reply-template") { return; }
    var option = event.target.selectedOptions[0];
    var audience = option && option.getAttribute("data-audience");
    var select = document.getElementById("reply-audience");
    if (audience && select) { select.value = audience; }
  }, true);  // capture: before htmx's own change listener sends the preview
})();
