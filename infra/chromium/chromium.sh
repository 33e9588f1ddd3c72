#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (Playwright drives it by executablePath:
# Playwright cannot download its own browsers here). Idempotent; installs once, as root (as on CI).
#   infra/chromium/chromium.sh ensure | path
set -euo pipefail

say() { printf '[chromium] %s\n' "$*" >&2; }

binary() {
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure() {
  if binary >/dev/null; then return 0; fi
  [ "$(id -u)" = 0 ] || { say "Chromium is not installed: apt-get install -y chromium (as root)"; exit 1; }
  say "installing Chromium from Debian's packages (once)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  binary >/dev/null || { say "chromium did not install"; exit 1; }
}

case "${1:-ensure}" in
  ensure) ensure; binary ;;
  path) binary ;;
  *) say "usage: $0 ensure | path"; exit 2 ;;
esac
