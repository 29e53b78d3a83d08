#!/bin/sh
# apt-install.sh PACKAGE...: `apt-get update` and `apt-get install --no-install-recommends`, for the
# image builds (installed in the base image as /usr/local/sbin/xcross-apt-install).
# apt-install.sh --download DIR [-o APT_OPTION]... PACKAGE...: `apt-get update` and `apt-get download`
# into DIR instead, with the given options (xcross-deb-unpack points them at a private apt state).
# apt-install.sh --source UPSTREAM --download DIR [-o APT_OPTION]... PACKAGE: the source package instead
# (`apt-get source --download-only`), at the newest Debian revision of that upstream version.
#
# A Debian mirror in the middle of a sync serves indexes of the wrong size ("File has unexpected
# size ... Mirror sync in progress?"), a Packages file of one architecture newer than another's (the
# Multi-Arch: same packages then cannot be installed side by side), or a .deb that is not there yet.
# apt-get update may even leave an index behind and go on with the old one. So: each try starts from
# empty lists, any such symptom means wait and try again, and a real error (a package that does not
# exist) fails at once. The lists and downloaded .debs are removed afterwards: they are not image content.
set -eu
export DEBIAN_FRONTEND=noninteractive
download=""
source=""
opts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --download) download=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    -o) opts="$opts -o $2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "xcross-apt-install: no packages named" >&2; exit 2; }
log=$(mktemp /tmp/xcross-apt.XXXXXX)
tries=5
# Symptoms of a mirror mid-sync (or a network hiccup), worth another try.
transient='unexpected size|Mirror sync|Hash Sum mismatch|Failed to fetch|failed to download|Temporary failure|Connection failed|Could not connect|held broken packages|unmet dependencies'
# The lists apt-get update writes: the system's, or those of the private state the options name.
lists=/var/lib/apt/lists
case "$opts" in *Dir::State::Lists=*) lists=$(printf '%s\n' "$opts" | sed -n 's/.*Dir::State::Lists=\([^ ]*\).*/\1/p') ;; esac

try=1
while :; do
  rm -rf "${lists:?}"/*; mkdir -p "$lists/partial"
  # shellcheck disable=SC2086 # $opts holds separate words on purpose
  if apt-get $opts update >"$log" 2>&1 && ! grep -qE "^(E|W): .*($transient)" "$log"; then
    if [ -n "$source" ]; then
      # shellcheck disable=SC2086
      version=$(apt-cache $opts showsrc "$1" 2>>"$log" | sed -n 's/^Version: //p' | grep -E "^([0-9]+:)?$(echo "$source" | sed 's/\./\\./g')-" | sort -V | tail -n 1)
      if [ -z "$version" ]; then
        cat "$log" >&2
        echo "xcross-apt-install: the mirror has no source of $1 $source (it has: $(apt-cache $opts showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' '))" >&2
        exit 1
      fi
      if (cd "$download" && apt-get $opts source --download-only "$1=$version") >>"$log" 2>&1; then break; fi
    elif [ -n "$download" ]; then
      if (cd "$download" && apt-get $opts download "$@") >>"$log" 2>&1; then break; fi
    elif apt-get $opts install -y -q --no-install-recommends "$@" >>"$log" 2>&1; then
      break
    fi
  fi
  if ! grep -qE "$transient" "$log" || [ "$try" -ge "$tries" ]; then
    cat "$log" >&2
    echo "xcross-apt-install: apt failed (try $try of $tries): see the log above" >&2
    exit 1
  fi
  grep -E '^(E|W):' "$log" >&2 || true
  echo "xcross-apt-install: the mirror looks mid-sync (try $try of $tries); retrying in $((try * 15)) s" >&2
  sleep $((try * 15))
  try=$((try + 1))
done
# The build log keeps what was installed, not apt's progress chatter.
if [ -n "$download" ]; then
  grep '^Get:' "$log" | grep -vE 'InRelease|Packages|Translation|Release' || true
else
  grep '^Setting up ' "$log" || true
fi
if [ -z "$download" ]; then
  apt-get clean
  rm -rf /var/lib/apt/lists/*
fi
rm -f "$log"
