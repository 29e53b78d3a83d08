#!/usr/bin/env bash
# Makes the Debian base image offline, for hosts that cannot pull from a registry.
#
# debootstrap (run as root) writes a minimal bookworm tree from the machine's own apt mirror; the tree
# is packed into a tarball that xcross imports by itself, into the storage of whichever user runs it,
# the first time it needs a base and cannot pull one. With --import, the tarball is also imported now
# for root and for each user named with --user. --suite bullseye makes a Debian 11 userland the same
# way (localhost/xcross/debian-base:bullseye): the tests run glibc-floor binaries in it.
#
#   sudo scripts/make-offline-base.sh [--suite S] [--import] [--user NAME]... [--out FILE] [--mirror URL]
set -euo pipefail

suite=bookworm
out=""
mirror=""
import=false
users=()
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --import) import=true; shift ;;
    --user) users+=("$2"); import=true; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "make-offline-base: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-/var/cache/xcross/debian-${suite}-minbase.tar}
image=localhost/xcross/debian-base:${suite}

[ "$(id -u)" = 0 ] || { echo "make-offline-base: debootstrap needs root: run it with sudo" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "make-offline-base: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

# The mirror the machine already uses: the only one known to be reachable.
if [ -z "$mirror" ]; then
  mirror=$( (grep -hsE '^URIs:' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources; grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list) |
    awk '{print $2}' | grep -m1 -E '/debian/?$' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

if [ -s "$out" ]; then
  echo "make-offline-base: $out exists; reusing it (delete it to make a new one)"
else
  mkdir -p "$(dirname "$out")"
  root=$(mktemp -d /var/tmp/xcross-base.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  echo "make-offline-base: debootstrap $suite from $mirror"
  # A mirror mid-sync can serve an index of the wrong size: retry rather than keep a half tree.
  for try in 1 2 3; do
    if debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1; then break; fi
    tail -n 5 "$root.log" >&2
    [ "$try" = 3 ] && { echo "make-offline-base: debootstrap failed three times (log: $root.log)" >&2; exit 1; }
    echo "make-offline-base: debootstrap failed (try $try), retrying in 10 s" >&2
    rm -rf "$root"; mkdir -p "$root"; sleep 10
  done
  rm -f "$root.log"
  # The suites a registry debian:bookworm-slim has, so both bases install the same versions.
  security=$( (grep -hsE '^URIs:' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources; grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list) |
    awk '{print $2}' | grep -m1 -- '-security' || true)
  security=${security:-${mirror%/debian*}/debian-security}
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$mirror" "$suite" "$mirror" "$suite" "$security" "$suite" >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  chmod 0644 "$out"
  echo "make-offline-base: wrote $out ($(du -h "$out" | cut -f1))"
fi

if $import; then
  podman import --change 'CMD ["/bin/bash"]' "$out" "$image" >/dev/null
  echo "make-offline-base: imported $image for root"
  for u in "${users[@]}"; do
    (cd / && runuser -u "$u" -- podman import --change 'CMD ["/bin/bash"]' "$out" "$image" >/dev/null)
    echo "make-offline-base: imported $image for $u"
  done
fi
