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

# The x86 boot image's 32-bit kernel and userland: Debian's i386 packages and their dependencies,
# downloaded through a private apt state under .cache/debian-i386 (the host's dpkg is not given
# the i386 architecture, nothing is installed) and unpacked merged-/usr into .cache/debian-i386/root.
# Done again only when scripts/debian-i386-packages.txt changes.
i386_dir=$PWD/.cache/debian-i386
i386_list=scripts/debian-i386-packages.txt
i386_want=$(sha256sum "$i386_list" | cut -d' ' -f1)
if [ "$(cat "$i386_dir/root/.osdlab-packages" 2>/dev/null)" = "$i386_want" ]; then
  echo "setup: Debian i386 packages for x86 boot images present"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: downloading Debian's i386 packages for x86 boot images needs root (apt): sudo bash scripts/setup.sh" >&2
    exit 3
  fi
  echo "setup: downloading Debian i386 packages for x86 boot images into $i386_dir"
  mirror=${OSDLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  mkdir -p "$i386_dir/state/lists/partial" "$i386_dir/cache/archives/partial"
  rm -f "$i386_dir/cache/archives/"*.deb
  : > "$i386_dir/state/status"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$mirror" bookworm "$mirror" bookworm-updates > "$i386_dir/sources.list"
  apt_i386=(-o APT::Architecture=i386 -o APT::Architectures=i386
    -o Dir::State="$i386_dir/state" -o Dir::State::status="$i386_dir/state/status"
    -o Dir::Cache="$i386_dir/cache" -o Dir::Etc::SourceList="$i386_dir/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent -o Debug::NoLocking=1)
  apt-get "${apt_i386[@]}" update -qq
  # shellcheck disable=SC2046
  apt-get "${apt_i386[@]}" install -y -qq --download-only --no-install-recommends $(grep -v '^\s*#' "$i386_list" | grep -v '^\s*$') >/dev/null
  rm -rf "$i386_dir/root.partial"
  mkdir -p "$i386_dir/root.partial/usr/lib" "$i386_dir/root.partial/usr/bin" "$i386_dir/root.partial/usr/sbin"
  for l in bin sbin lib; do ln -s "usr/$l" "$i386_dir/root.partial/$l"; done
  for deb in "$i386_dir/cache/archives/"*.deb; do
    dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$i386_dir/root.partial"
  done
  # The kernel package's maintainer scripts did not run: build modules.dep / modules.alias here.
  for k in "$i386_dir/root.partial/usr/lib/modules/"*; do depmod -b "$i386_dir/root.partial" "${k##*/}"; done
  echo "$i386_want" > "$i386_dir/root.partial/.osdlab-packages"
  rm -rf "$i386_dir/root"
  mv "$i386_dir/root.partial" "$i386_dir/root"
  echo "setup: Debian i386 packages unpacked into $i386_dir/root"
fi

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "setup: Node.js >= 20.19 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 3
fi

echo "setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "setup: done — check the machine with: ./bin/osdlab.js doctor"
