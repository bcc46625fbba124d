// Ledenzoeker enhancements; the search works fully without this file.
(function () {
  "use strict";
  var MIN_LENGTH = 2;
  // Only with this script do results follow the typing, so only now say so.
  function showLiveHints(root) {
    root.querySelectorAll("[data-directory-live-hint]").forEach(function (hint) {
      hint.hidden = false;
    });
  }
  showLiveHints(document);
  document.addEventListener("htmx:load", function (event) { showLiveHints(event.target); });
  // Live search: every keystroke fires "directory-input" on the form; the form's hx-trigger
  // debounces it ("directory-input delay:300ms").
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-directory-live]") || !input.form) { return; }
    input.form.dispatchEvent(new CustomEvent("directory-input", { bubbles: true }));
  });
  // When the debounced request is about to go, search only for 0 or at least two characters
  // (the value is checked now, not when the key was pressed).
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail && event.detail.triggeringEvent;
    if (!trigger || trigger.type !== "directory-input") { return; }
    var input = event.target.querySelector("[data-directory-live]");
    var length = input ? input.value.trim().length : 0;
    if (length > 0 && length < MIN_LENGTH) { event.preventDefault(); }
  });
  // After paging, move focus to the results heading so keyboard and screen-reader users
  // continue at the new page instead of at a link that no longer exists.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail && event.detail.requestConfig;
    var elt = config && config.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-directory-focus")) {
      var heading = document.getElementById("directory-results-heading");
      if (heading) { heading.focus(); }
    }
  });
})();
