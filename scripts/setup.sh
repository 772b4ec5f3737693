#!/usr/bin/env bash
# Installs everything osdlab needs on Debian 12: the lab's Debian packages and the npm packages.
# Idempotent: packages already present are not fetched again, and `npm ci` rebuilds node_modules
# from the lockfile. Run as root (or with sudo) from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(grep -v '^\s*#' scripts/debian-packages.txt | grep -v '^\s*$' | tr '\n' ' ')
missing=()
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    echo "setup: re-run as root: sudo bash scripts/setup.sh" >&2
    exit 3
  fi
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "setup: Node.js >= 20.19 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 3
fi

echo "setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "setup: done — check the machine with: ./bin/osdlab.js doctor"
