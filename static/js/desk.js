// Trust & Safety Desk: small behaviours for the server-rendered pages. No inline handlers
// anywhere (CSP script-src 'self'); pages opt in through data- attributes.
(function () {
  "use strict";
  // "/" focuses the page's search box, as in most work queues.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
    if (!typing && event.key === "/") {
      var box = document.querySelector("input[type=search]");
      if (box) { event.preventDefault(); box.focus(); }
    }
  });
})();
