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
  // Errors other than 422 are not swapped by the htmx config. A boosted link or form stands in
  // for a normal navigation, so it shows the whole Dutch error page, as without JavaScript; any
  // other htmx request shows the server's Dutch message (errors/_message.html) in #portal-alert.
  function isHtml(xhr) {
    return (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0;
  }
  function serverMessage(xhr) {
    if (!isHtml(xhr) || !xhr.responseText) { return ""; }
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");  // runs no scripts
    var node = doc.querySelector(".error-message");
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }
  function showAlert(text) {
    var region = document.getElementById("portal-alert");
    if (!region) { return; }
    region.querySelector("#portal-alert-text").textContent = text;
    region.querySelector("[data-alert-close]").hidden = false;
    region.classList.add("is-open");
  }
  function closeAlert() {
    var region = document.getElementById("portal-alert");
    if (!region || !region.classList.contains("is-open")) { return; }
    region.classList.remove("is-open");
    region.querySelector("[data-alert-close]").hidden = true;
    region.querySelector("#portal-alert-text").textContent = "";
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (event.detail.boosted && xhr.status >= 400 && isHtml(xhr)) {
      event.detail.shouldSwap = true;
      xhr.portalErrorPage = true;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.portalErrorPage) { return; }
    var region = document.getElementById("portal-alert");
    showAlert(serverMessage(xhr) || (region && region.getAttribute("data-generic")) || "");
  });
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("portal-alert");
    if (region) { showAlert(region.getAttribute("data-offline")); }
  });
  document.addEventListener("htmx:beforeRequest", closeAlert);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-alert-close]")) { closeAlert(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeAlert(); }
  });
  // An expired session on an htmx request: follow HX-Redirect is built in; focus the summary on 422.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = event.detail.target.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
