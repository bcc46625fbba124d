#!/usr/bin/env bash
# Vendor Leaflet and Leaflet.markercluster from their npm packages into static/vendor/ (issue 19).
#
# The ledenzoeker's map loads nothing from a CDN: the built files, the CSS, Leaflet's marker
# images and both licence files are copied from the packages as npm publishes them. To update,
# change the versions below, run `bash scripts/vendor_leaflet.sh`, remove the old directories,
# and update the paths in templates/directory/index.html.
set -euo pipefail

LEAFLET_VERSION=1.9.4
MARKERCLUSTER_VERSION=1.5.3

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "leaflet@${LEAFLET_VERSION}" "leaflet.markercluster@${MARKERCLUSTER_VERSION}" >/dev/null
mkdir leaflet markercluster
tar xzf "leaflet-${LEAFLET_VERSION}.tgz" -C leaflet
tar xzf "leaflet.markercluster-${MARKERCLUSTER_VERSION}.tgz" -C markercluster

dest="$root/static/vendor/leaflet-${LEAFLET_VERSION}"
rm -rf "$dest" && mkdir -p "$dest/images"
cp leaflet/package/dist/leaflet.js leaflet/package/dist/leaflet.css "$dest/"
cp leaflet/package/dist/images/*.png "$dest/images/"
cp leaflet/package/LICENSE "$dest/LICENSE"

dest="$root/static/vendor/leaflet.markercluster-${MARKERCLUSTER_VERSION}"
rm -rf "$dest" && mkdir -p "$dest"
cp markercluster/package/dist/leaflet.markercluster.js \
   markercluster/package/dist/MarkerCluster.css \
   markercluster/package/dist/MarkerCluster.Default.css "$dest/"
cp markercluster/package/MIT-LICENCE.txt "$dest/LICENSE"
echo "vendored leaflet ${LEAFLET_VERSION} and leaflet.markercluster ${MARKERCLUSTER_VERSION}"
