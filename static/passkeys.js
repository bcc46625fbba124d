/* Passkeys (WebAuthn) for the portal's forms; no inline script, CSP unchanged.
 *
 * A form with data-passkey="create" or "get" and data-options="<url>" is shown only when the
 * browser supports WebAuthn. On submit it fetches the options (POST with the form's CSRF token),
 * asks the browser for the credential, puts its JSON into the hidden field "credential" and then
 * submits the form for real; the server verifies everything.
 */
(function () {
  "use strict";

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeOptions(options) {
    options.challenge = toBuffer(options.challenge);
    if (options.user) { options.user.id = toBuffer(options.user.id); }
    (options.excludeCredentials || []).concat(options.allowCredentials || []).forEach(function (c) {
      c.id = toBuffer(c.id);
    });
    return options;
  }

  function encodeCredential(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) { response.userHandle = toText(r.userHandle); }
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || null
    });
  }

  function fetchOptions(form) {
    var token = form.querySelector('input[name="csrf_token"]');
    return fetch(form.getAttribute("data-options"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("options " + response.status); }
      return response.json();
    });
  }

  function enhance(form) {
    var field = form.querySelector('input[name="credential"]');
    var status = form.querySelector("[data-passkey-status]");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      if (field.value) { return; }  // the credential is in: a normal submit
      event.preventDefault();
      if (form.reportValidity && !form.reportValidity()) { return; }
      if (status) { status.textContent = ""; }
      var create = form.getAttribute("data-passkey") === "create";
      fetchOptions(form).then(function (options) {
        var publicKey = decodeOptions(options);
        return create ? navigator.credentials.create({ publicKey: publicKey })
                      : navigator.credentials.get({ publicKey: publicKey });
      }).then(function (credential) {
        field.value = encodeCredential(credential);
        form.submit();
      }).catch(function () {
        if (status) { status.textContent = status.getAttribute("data-error"); }
      });
    });
  }

  function init(root) {
    if (!window.PublicKeyCredential || !navigator.credentials) { return; }
    root.querySelectorAll("form[data-passkey]").forEach(function (form) {
      if (!form.hasAttribute("data-passkey-ready")) {
        form.setAttribute("data-passkey-ready", "");
        enhance(form);
      }
    });
    root.querySelectorAll("[data-passkey-unsupported]").forEach(function (el) { el.hidden = true; });
  }

  // Loaded on every page (boosted navigation swaps the body only), so content htmx brings in
  // is enhanced too.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt || document); });
})();
