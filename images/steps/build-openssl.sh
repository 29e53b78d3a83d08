#!/bin/sh
# build-openssl.sh --version UPSTREAM --configure TARGET --cross-prefix PREFIX- --prefix DIR: OpenSSL for
# a target Debian has none for (against this image's glibc), built once, when the image is built, from
# Debian's own source package of the base suite (Debian's patches applied), with the target's cross
# compiler: libcrypto and libssl, their headers and pkg-config files, under DIR (the cross compiler's
# root /usr/<gnu>, where its linker and pkg-config look). Static libraries only (position-independent,
# for PIE programs), as cross's images have them: programs carry their OpenSSL and need no libssl.so
# under qemu or on the device, and the build compiles each file once, not twice (half the time).
# Configuration files stay Debian's (/usr/lib/ssl). perl (Configure), m4 (sparc's assembler sources) and dpkg-dev (dpkg-source) are
# removed again.
set -eu
version="" configure="" cross="" prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2 ;;
    --configure) configure=$2 ;;
    --cross-prefix) cross=$2 ;;
    --prefix) prefix=$2 ;;
    *) echo "build-openssl.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$version" ] && [ -n "$configure" ] && [ -n "$cross" ] && [ -n "$prefix" ] \
  || { echo "usage: build-openssl.sh --version UPSTREAM --configure TARGET --cross-prefix PREFIX- --prefix DIR" >&2; exit 2; }
work=$(mktemp -d /tmp/xcross-openssl.XXXXXX)
trap 'rm -rf "$work"' EXIT
before=$(dpkg-query -W -f='${Package}\n' | sort)
xcross-apt-install perl m4 dpkg-dev
xcross-deb-unpack --suite base --source "$work/src" "openssl=$version"
cd "$work/src"
start=$(date +%s)
log=$work/build.log
{ ./Configure "$configure" --prefix="$prefix" --libdir=lib --openssldir=/usr/lib/ssl --cross-compile-prefix="$cross" \
    no-tests no-shared -fPIC && make -j"$(nproc)" build_libs && make install_dev; } >"$log" 2>&1 \
  || { tail -n 40 "$log" >&2; echo "build-openssl.sh: building OpenSSL $version for $configure failed (the end of its log is above)" >&2; exit 1; }
# -lcrypto and -lssl by name (hand-written bindings, pkg-config's --libs) find these linker scripts
# before the archives, as the linker prefers .so: the static library and what it needs from outside
# the C library (libatomic for 64-bit atomics on 32-bit mips and powerpc), which a shared libcrypto
# would have named itself.
extra=$(sed -n 's/^Libs.private: *//p' "$prefix/lib/pkgconfig/libcrypto.pc" | tr ' ' '\n' | grep '^-l' | tr '\n' ' ')
printf 'INPUT(%s/lib/libcrypto.a AS_NEEDED(%s))\n' "$prefix" "$extra" >"$prefix/lib/libcrypto.so"
printf 'INPUT(%s/lib/libssl.a %s/lib/libcrypto.a AS_NEEDED(%s))\n' "$prefix" "$prefix" "$extra" >"$prefix/lib/libssl.so"
echo "build-openssl.sh: OpenSSL $version ($configure) built in $(( $(date +%s) - start )) s, installed in $prefix (static; -lcrypto also links: $extra)"
# What the build needed and the image does not: only the packages this step added.
added=$(dpkg-query -W -f='${Package}\n' | sort | comm -13 /dev/fd/3 - 3<<EOF2
$before
EOF2
)
# shellcheck disable=SC2086
[ -z "$added" ] || apt-get purge -y -q $added >/dev/null
