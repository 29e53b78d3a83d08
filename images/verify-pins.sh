#!/bin/sh
# verify-pins.sh: fails the target image build (Containerfile.target) when what apt installed is not
# what images/targets.toml pins, so an image's io.xcross.* labels are facts, and a mirror caught
# mid-sync cannot produce an image of mixed versions.
#
# Reads the build arguments from the environment: GNU DEB_ARCH QEMU_BINARY MULTIARCH RUST_STD and
# PIN_GCC PIN_LIBC PIN_OPENSSL PIN_QEMU PIN_RUSTC. PIN_OPENSSL=none claims the target has no OpenSSL
# at all, and is checked like any pin: it fails when one is installed. A pin is an upstream version and matches the
# installed one when equal to it or a prefix of it ending at a dot: pin 7.2 matches 7.2.19, pin
# 2.36 matches 2.36, pin 12.2.0 matches 12.2.0 but not 12.2.01. Prints one line per mismatch and exits 1.
set -u

failed=0
for a in GNU DEB_ARCH QEMU_BINARY MULTIARCH RUST_STD PIN_GCC PIN_LIBC PIN_OPENSSL PIN_QEMU PIN_RUSTC; do
  eval "v=\${$a:-}"
  if [ -z "$v" ]; then
    echo "verify-pins: $a is not set (pass --build-arg $a=..., from images/targets.toml)" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

# The Debian version of an installed package (nothing when it is not installed).
deb_version() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | sed -n 's/^ii *|//p' | head -n 1
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

gcc=""
if command -v "$GNU-gcc" >/dev/null 2>&1; then gcc=$("$GNU-gcc" -dumpfullversion 2>/dev/null); fi
check gcc "$gcc" "$PIN_GCC"

# The libc programs run with (multiarch libc6:<arch>, what qemu loads with QEMU_LD_PREFIX=/) and, for
# a foreign arch, the one the cross gcc links against (libc6-dev-<arch>-cross in /usr/<gnu>). Without
# multiarch the cross libc is the only one, and it must be there.
cross_libc=$(deb_version "libc6-dev-$DEB_ARCH-cross")
if [ "$MULTIARCH" = 0 ]; then
  check "libc (libc6-dev-$DEB_ARCH-cross)" "$(upstream "$cross_libc")" "$PIN_LIBC"
else
  check libc "$(upstream "$(deb_version "libc6:$DEB_ARCH")")" "$PIN_LIBC"
  if [ -n "$cross_libc" ]; then
    check "libc (libc6-dev-$DEB_ARCH-cross)" "$(upstream "$cross_libc")" "$PIN_LIBC"
  fi
fi

# OpenSSL for the target: multiarch libssl-dev:<arch>. "none" holds only when no libssl for the
# target is anywhere: not as a package, not in /usr/lib/<gnu> nor in the cross root /usr/<gnu>.
openssl=$(upstream "$(deb_version "libssl-dev:$DEB_ARCH")")
if [ "$PIN_OPENSSL" = none ]; then
  found=$(ls /usr/lib/"$GNU"/libssl.* /usr/"$GNU"/lib/libssl.* 2>/dev/null | head -n 1)
  if [ -n "$openssl" ] || [ -n "$found" ]; then
    echo "pin mismatch: openssl is ${openssl:-present ($found)}, images/targets.toml pins none" >&2
    failed=1
  else
    echo "verify-pins: openssl is absent (pin none)"
  fi
else
  check openssl "$openssl" "$PIN_OPENSSL"
fi

# "qemu-aarch64 version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
qemu=""
if command -v "$QEMU_BINARY" >/dev/null 2>&1; then
  qemu=$("$QEMU_BINARY" --version 2>/dev/null | sed -n '1s/.* version \([0-9][0-9.]*[0-9]\).*/\1/p')
fi
check qemu "$qemu" "$PIN_QEMU"

# "rustc 1.96.0 (...)"
rustc=""
if command -v rustc >/dev/null 2>&1; then rustc=$(upstream "$(rustc --version | cut -d' ' -f2)"); fi
check rustc "$rustc" "$PIN_RUSTC"

# The target's std must come from the very same rustc build (Multi-Arch: same keeps the Debian
# versions equal across architectures; this catches a std from anywhere else).
if [ "$RUST_STD" = 1 ]; then
  std=$(deb_version "libstd-rust-web-dev:$DEB_ARCH")
  web=$(deb_version rustc-web)
  if [ -z "$std" ]; then
    echo "pin mismatch: libstd-rust-web-dev:$DEB_ARCH is not installed, rustc is $rustc" >&2
    failed=1
  elif [ "$(upstream "$std")" != "$rustc" ] || { [ -n "$web" ] && [ "$web" != "$std" ]; }; then
    echo "pin mismatch: libstd-rust-web-dev:$DEB_ARCH is $std, rustc is $rustc${web:+ (rustc-web $web)}" >&2
    failed=1
  else
    echo "verify-pins: libstd-rust-web-dev:$DEB_ARCH is $std, as rustc"
  fi
fi

exit "$failed"
