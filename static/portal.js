// Small progressive enhancements; the portal works without this file.
(function () {
  "use strict";
  // Copy buttons: <button data-copy-target="id"> copies the text of an input or element.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button || !navigator.clipboard) { return; }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    var text = source.value !== undefined ? source.value : source.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      button.setAttribute("data-copied", "true");
      var status = document.getElementById(button.getAttribute("data-copy-status"));
      if (status) { status.textContent = button.getAttribute("data-copied-text") || "Gekopieerd"; }
    });
  });
  // An expired session on an htmx request: follow HX-Redirect is built in; focus the summary on 422.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = event.detail.target.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
