#!/bin/sh
# apt.sh [--add-arch ARCH]... [--exclude PATTERN]... PACKAGE...: the install step of a target layer.
# dpkg architectures are added first (multiarch packages); PATTERNs are dpkg path-exclude patterns
# while these packages install (another architecture's rustc driver and LLVM, which a std package drags
# in and nothing runs). xcross-apt-install (the base's) retries a mirror caught mid-sync.
set -eu
excludes=""
while [ $# -gt 0 ]; do
  case "$1" in
    --add-arch) dpkg --add-architecture "$2"; shift 2 ;;
    --exclude) excludes="$excludes$2
"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "apt.sh: no packages named" >&2; exit 2; }
conf=/etc/dpkg/dpkg.cfg.d/80xcross-step
printf '%s' "$excludes" | sed -n 's/^./path-exclude &/p' >"$conf"
xcross-apt-install "$@"
rm -f "$conf"
