// Criterium-2 console: "select all on this page" for the reminder selection (works without it).
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll("[data-check-all]").forEach(function (box) { box.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSwap", function (event) { reveal(event.detail.target); });
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-check-all]");
    if (!box || !box.form) { return; }
    var name = box.getAttribute("data-check-all");
    box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
