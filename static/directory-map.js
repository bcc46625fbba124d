// Ledenzoeker map: a list/map toggle over the same results. Without this file (or without
// Leaflet) the toggle stays hidden and the list is the whole page. The map never changes the
// list's order or content: it shows the search's whole result set from kaart.json, which
// follows the same filters, and the list stays in the page for screen readers.
(function () {
  "use strict";
  var STORE = "ledenzoeker-weergave";
  var NL_CENTER = [52.2, 5.3];
  var map = null;
  var cluster = null;
  var shownUrl = null;
  var loading = null;

  function region() { return document.getElementById("directory-map-region"); }
  function results() { return document.getElementById("directory-results"); }

  function text(name) { return region().getAttribute("data-text-" + name) || ""; }

  function status(message) {
    var element = region().querySelector("[data-directory-map-status]");
    if (element) { element.textContent = message; }
  }

  function remember(view) {
    try { window.sessionStorage.setItem(STORE, view); } catch (error) { /* private mode */ }
  }

  function remembered() {
    try { return window.sessionStorage.getItem(STORE) || "list"; } catch (error) { return "list"; }
  }

  function escaped(value) {  // Leaflet treats the attribution as HTML; ours is plain text
    var span = document.createElement("span");
    span.textContent = value || "";
    return span.innerHTML;
  }

  function createMap() {
    var element = document.getElementById("directory-map");
    var settings = region();
    map = window.L.map(element, { keyboard: true, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    window.L.tileLayer(settings.getAttribute("data-tile-url"), {
      maxZoom: parseInt(settings.getAttribute("data-max-zoom"), 10) || 19,
      attribution: escaped(settings.getAttribute("data-attribution")),
    }).addTo(map);
    map.setView(NL_CENTER, 7);
    cluster = window.L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      iconCreateFunction: clusterIcon,
    });
    map.addLayer(cluster);
  }

  function clusterIcon(group) {
    var count = group.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    // Only numbers and our own translated text go into the icon's HTML.
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = " " + text("cluster");
    return window.L.divIcon({
      html: "<div><span>" + count + label.outerHTML + "</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: window.L.point(40, 40),
    });
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;  // the whole URL from the server: language and way back included
    link.textContent = properties.naam;
    var place = document.createElement("div");
    place.textContent = properties.plaats + (properties.bij_benadering ? " (" + text("approximate") + ")" : "");
    box.appendChild(link);
    box.appendChild(place);
    return box;
  }

  function show(data) {
    cluster.clearLayers();
    var markers = data.features.map(function (feature) {
      var position = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
      var props = feature.properties;
      var marker = window.L.marker(position, {
        title: props.naam + ", " + props.plaats,
        alt: props.naam + ", " + props.plaats,
        keyboard: true,
      });
      marker.bindPopup(popup(props));
      marker.on("popupopen", function (event) {  // keyboard users continue at the link
        var link = event.popup.getElement() && event.popup.getElement().querySelector("a");
        if (link) { link.focus(); }
      });
      return marker;
    });
    cluster.addLayers(markers);
    if (markers.length) {
      map.fitBounds(cluster.getBounds(), { padding: [24, 24], maxZoom: 14 });
    } else {
      map.setView(NL_CENTER, 7);
    }
    var count = markers.length === 1 ? text("count-one")
      : text("count").replace("{num}", markers.length.toLocaleString("nl-NL"));
    status(data.melding || (markers.length ? count : text("empty")));
  }

  function load() {
    var section = results();
    var url = section && section.getAttribute("data-directory-map-url");
    if (!url || url === shownUrl) { return; }
    if (loading) { loading.abort(); }
    loading = new AbortController();
    fetch(url, { signal: loading.signal, headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { shownUrl = url; show(data); })
      .catch(function (error) { if (error.name !== "AbortError") { status(text("error")); } });
  }

  function setView(view) {
    var mapView = view === "map";
    document.querySelectorAll("[data-directory-show]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-directory-show") === view));
    });
    region().hidden = !mapView;
    document.body.classList.toggle("directory-map-mode", mapView);
    if (mapView) {
      if (!map) { createMap(); }
      map.invalidateSize();
      load();
    }
    remember(view);
  }

  function start() {
    var toggle = document.querySelector("[data-directory-view]");
    if (!toggle || !region() || !window.L || !window.L.markerClusterGroup) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function (event) {
      var button = event.target.closest("[data-directory-show]");
      if (button) { setView(button.getAttribute("data-directory-show")); }
    });
    // A new search swaps the results: the map follows them when it is shown.
    document.addEventListener("htmx:afterSettle", function () {
      if (map && !region().hidden) { load(); }
    });
    if (remembered() === "map") { setView("map"); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
