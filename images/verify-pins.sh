#!/bin/sh
# verify-pins.sh: fails the target image build (Containerfile.target) when what was installed is not
# what images/targets.toml pins, so an image's io.xcross.* labels are facts, and a mirror caught
# mid-sync cannot produce an image of mixed versions.
#
# Reads the build arguments from the environment: GNU TARGET_CC TARGET_CXX QEMU_BINARY RUNNER RUST_STD LIB_DIR, the
# packages each pin is read from (LIBC_FROM OPENSSL_FROM STD_FROM, "name" or "name:arch", installed
# or unpacked by xcross-deb-unpack) and PIN_GCC PIN_LIBC PIN_OPENSSL PIN_QEMU PIN_RUSTC PIN_WINE PIN_GLIBCXX
# PIN_CXXABI.
# PIN_OPENSSL=none claims the target has no OpenSSL at all, and is checked like any pin: it fails when
# one is there. A pin is an upstream version and matches the installed one when equal to it or a prefix
# of it ending at a dot: pin 7.2 matches 7.2.19, pin 2.36 matches 2.36, pin 12.2.0 matches 12.2.0 but
# not 12.2.01. Prints one line per mismatch and exits 1.
set -u

failed=0
for a in GNU TARGET_CC TARGET_CXX RUNNER RUST_STD LIB_DIR LIBC_FROM PIN_GCC PIN_LIBC PIN_OPENSSL PIN_QEMU PIN_RUSTC PIN_WINE PIN_GLIBCXX PIN_CXXABI; do
  eval "v=\${$a:-}"
  if [ -z "$v" ]; then
    echo "verify-pins: $a is not set (pass --build-arg $a=..., from images/targets.toml)" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

# The Debian version of a package, unpacked (xcross-deb-unpack) or installed (dpkg); nothing if neither.
# Unpacked first: a glibc floor's libc6:amd64 is unpacked beside the system's installed one.
deb_version() {
  v=""
  [ -f /usr/local/lib/xcross/unpacked.list ] && v=$(awk -v p="$1" '$1 == p { print $2; exit }' /usr/local/lib/xcross/unpacked.list)
  [ -n "$v" ] || v=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | sed -n 's/^ii *|//p' | head -n 1)
  printf '%s\n' "$v"
}

# Upstream part of a version: drop the epoch, keep the leading numbers and dots
# (1:7.2+dfsg-7+deb12u18 -> 7.2; 3.0.22-1~deb12u2 -> 3.0.22; 2.36-9+deb12u14 -> 2.36).
upstream() {
  printf '%s\n' "${1#*:}" | sed -n 's/^\([0-9][0-9]*\(\.[0-9][0-9]*\)*\).*/\1/p'
}

# check NAME INSTALLED PIN
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

# check_packages WHAT PIN PACKAGE...: every package the pin is read from has that version.
check_packages() {
  what=$1 pin=$2; shift 2
  for p in "$@"; do check "$what ($p)" "$(upstream "$(deb_version "$p")")" "$pin"; done
}

# The compiler's version; Debian's mingw-w64 gcc calls itself "12-win32", so then its package's.
gcc=""
if command -v "$TARGET_CC" >/dev/null 2>&1; then gcc=$("$TARGET_CC" -dumpfullversion 2>/dev/null); fi
case "$gcc" in
  *[!0-9.]*) gcc=$(upstream "$(deb_version "$(dpkg-query -S "$(readlink -f "$(command -v "$GNU-gcc")")" 2>/dev/null | cut -d: -f1 | head -n 1)")") ;;
esac
check gcc "$gcc" "$PIN_GCC"

# shellcheck disable=SC2086 # word lists
check_packages libc "$PIN_LIBC" $LIBC_FROM

# OpenSSL for the target. "none" holds only when no libssl for the target is anywhere: not as a
# package, not in its library directory (LIB_DIR) nor in the cross root /usr/<gnu>.
if [ "$PIN_OPENSSL" = none ]; then
  found=$(ls "$LIB_DIR"/libssl.* /usr/"$GNU"/lib/libssl.* 2>/dev/null | head -n 1)
  if [ -n "${OPENSSL_FROM:-}" ] || [ -n "$found" ]; then
    echo "pin mismatch: openssl is ${OPENSSL_FROM:-present ($found)}, images/targets.toml pins none" >&2
    failed=1
  else
    echo "verify-pins: openssl is absent (pin none)"
  fi
elif [ -z "${OPENSSL_FROM:-}" ]; then
  echo "pin mismatch: openssl is pinned $PIN_OPENSSL, but the plan installs none" >&2
  failed=1
else
  # shellcheck disable=SC2086
  check_packages openssl "$PIN_OPENSSL" $OPENSSL_FROM
fi

# The newest GLIBCXX_ and CXXABI_ versions of the libstdc++ the target's g++ links against: after each
# build xcross fails a program that needs newer ones, so these pins must be facts.
if [ "$PIN_GLIBCXX" != none ]; then
  lib=$("$TARGET_CXX" -print-file-name=libstdc++.so.6 2>/dev/null || true)
  if [ -f "$lib" ]; then
    lib=$(readlink -f "$lib")
    newest() { grep -ao "$1" "$lib" | sort -uV | tail -n 1 | sed 's/^[A-Z]*_//'; }
    check "libstdc++ GLIBCXX ($lib)" "$(newest 'GLIBCXX_[0-9][0-9.]*[0-9]')" "$PIN_GLIBCXX"
    check "libstdc++ CXXABI ($lib)" "$(newest 'CXXABI_[0-9][0-9.]*[0-9]')" "$PIN_CXXABI"
  else
    check "libstdc++ ($TARGET_CXX -print-file-name=libstdc++.so.6)" "" "$PIN_GLIBCXX"
  fi
fi

# "qemu-aarch64 version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18+b3)"; the base has every qemu-*-static.
qemu=""
if command -v "${QEMU_BINARY:-qemu-x86_64-static}" >/dev/null 2>&1; then
  qemu=$("${QEMU_BINARY:-qemu-x86_64-static}" --version 2>/dev/null | sed -n '1s/.* version \([0-9][0-9.]*[0-9]\).*/\1/p')
fi
check qemu "$qemu" "$PIN_QEMU"

# "rustc 1.96.0 (...)"
rustc=""
if command -v rustc >/dev/null 2>&1; then rustc=$(upstream "$(rustc --version | cut -d' ' -f2)"); fi
check rustc "$rustc" "$PIN_RUSTC"

# The target's std must be the very same rustc release (the smoke test then proves the compiler takes
# it: a std of another build is refused with E0514).
if [ "$RUST_STD" = 1 ]; then
  for p in ${STD_FROM:-}; do check "rust std ($p)" "$(upstream "$(deb_version "$p")")" "$rustc"; done
fi

if [ "$PIN_WINE" != none ]; then
  wine=""
  [ -x /usr/lib/wine/wine64 ] && wine=$(/usr/lib/wine/wine64 --version 2>/dev/null | sed -n 's/^wine-\([0-9.]*\).*/\1/p')
  if [ "$RUNNER" = wine ] && [ -z "$wine" ] && [ "$(dpkg --print-architecture)" != amd64 ]; then
    echo "verify-pins: no wine on a $(dpkg --print-architecture) build host: programs for this target cannot run here"
  else
    check wine "$wine" "$PIN_WINE"
  fi
fi

exit "$failed"
