#!/bin/sh
# verify-pins.sh (--pin NAME WANT HOW ARG)...: fails the image build when what was installed is not
# what images/targets.toml pins, so that an image's io.xcross.* labels are facts, and a mirror caught
# mid-sync cannot produce an image of mixed versions. The list comes from the target's plan
# (src/images/target-plan.ts); one pin may be read several ways, and each must agree. HOW is:
#   deb      ARG: packages ("name" or "name:arch", installed, or unpacked by xcross-deb-unpack); each
#            package's upstream version
#   command  ARG: an sh command; the first version number it prints
#   absent   ARG: sh globs; WANT is "none" and none of them may match a file
# A pin is an upstream version and matches the installed one when equal to it or a prefix of it ending
# at a dot: pin 7.2 matches 7.2.19, pin 2.36 matches 2.36, pin 12.2.0 matches 12.2.0 but not 12.2.01.
# Prints one line per pin read, one per mismatch, and exits 1 on any mismatch.
set -u
failed=0

# The Debian version of a package, unpacked (xcross-deb-unpack) or installed (dpkg); nothing if neither.
# Unpacked first: a glibc floor's libc6:amd64 is unpacked beside the system's installed one.
deb_version() {
  v=""
  [ -f /usr/local/lib/xcross/unpacked.list ] && v=$(awk -v p="$1" '$1 == p { print $2; exit }' /usr/local/lib/xcross/unpacked.list)
  [ -n "$v" ] || v=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | sed -n 's/^ii *|//p' | head -n 1)
  printf '%s\n' "$v"
}

# The first version number in a text: drops an epoch and Debian's revision
# (1:7.2+dfsg-7+deb12u18 -> 7.2; "rustc 1.96.0 (..)" -> 1.96.0; GLIBCXX_3.4.30 -> 3.4.30).
first_version() {
  printf '%s\n' "${1#*:}" | tr '\n' ' ' | sed -n 's/^[^0-9]*\([0-9][0-9]*\(\.[0-9][0-9]*\)*\).*/\1/p'
}

# check WHAT INSTALLED PIN
check() {
  if [ -z "$2" ]; then
    echo "pin mismatch: $1 is not installed, images/targets.toml pins $3" >&2
    failed=1
  elif [ "$2" = "$3" ] || case "$2" in "$3".*) true ;; *) false ;; esac; then
    echo "verify-pins: $1 is $2 (pin $3)"
  else
    echo "pin mismatch: $1 is $2, images/targets.toml pins $3" >&2
    failed=1
  fi
}

[ $# -gt 0 ] || { echo "verify-pins: no --pin given" >&2; exit 2; }
while [ $# -gt 0 ]; do
  [ "$1" = --pin ] && [ $# -ge 5 ] || { echo "verify-pins: expected --pin NAME WANT HOW ARG, not: $*" >&2; exit 2; }
  name=$2 want=$3 how=$4 arg=$5
  shift 5
  case "$how" in
    deb)
      for p in $arg; do check "$name ($p)" "$(first_version "$(deb_version "$p")")" "$want"; done ;;
    command)
      check "$name ($arg)" "$(first_version "$(sh -c "$arg" 2>/dev/null)")" "$want" ;;
    absent)
      found=""
      for g in $arg; do
        for f in $(eval "echo $g"); do [ -e "$f" ] && found="$found $f"; done
      done
      if [ "$want" != none ]; then
        echo "verify-pins: $name: 'absent' proves only a pin of none, not $want" >&2; failed=1
      elif [ -n "$found" ]; then
        echo "pin mismatch: $name is present ($found), images/targets.toml pins none" >&2; failed=1
      else
        echo "verify-pins: $name is absent (pin none)"
      fi ;;
    *) echo "verify-pins: unknown way to read a pin: $how" >&2; exit 2 ;;
  esac
done
exit "$failed"
