#!/usr/bin/env bash
# Rust crates from Debian's librust-*-dev packages, unpacked into a directory that cargo can use as a
# source (`[source.<name>] directory = DIR`): the end-to-end tests' crates with real dependency trees
# (openssl-sys, which finds the target's OpenSSL with pkg-config) build with no crates.io. The .debs
# are downloaded, not installed, so nothing else they depend on comes along. Re-running is harmless.
#
#   scripts/debian-crates.sh DIR CRATE...      e.g. scripts/debian-crates.sh /var/cache/xcross/debian-crates openssl-sys cc
set -euo pipefail
dir=${1:?usage: debian-crates.sh DIR CRATE...}
shift
[ $# -gt 0 ] || { echo "debian-crates: name at least one crate" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
packages=()
for c in "$@"; do packages+=("librust-${c//_/-}-dev"); done
for try in 1 2 3; do
  (cd "$work" && apt-get download -q "${packages[@]}" >"$work/apt.log" 2>&1) && break
  [ "$try" = 3 ] && { cat "$work/apt.log" >&2; echo "debian-crates: apt-get download failed" >&2; exit 1; }
  apt-get update -q >/dev/null 2>&1 || true
  sleep 5
done
mkdir -p "$dir"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
cp -a "$work/root/usr/share/cargo/registry/." "$dir/"
chmod -R a+rX "$dir"
echo "debian-crates: $(ls "$dir" | tr '\n' ' ')in $dir"
