# Sourced by the wrk benchmarks: install wrk when running as root, otherwise say how and stop.
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
  else
    echo "wrk is required: sudo apt-get install -y wrk" >&2; exit 1
  fi
fi
