#!/bin/sh
# runtime-libs.sh GLOB...: shared libraries the dynamic loader also finds, linked into a directory of
# its own (a glibc floor's OpenSSL 1.1, for the floor's programs run natively on the image's libc).
set -eu
dir=/usr/local/lib/xcross/runtime
mkdir -p "$dir"
for g in "$@"; do
  found=0
  for f in $g; do [ -e "$f" ] && { ln -s "$f" "$dir/"; found=1; }; done
  [ "$found" = 1 ] || { echo "runtime-libs.sh: nothing matches $g" >&2; exit 1; }
done
echo "$dir" >/etc/ld.so.conf.d/xcross-runtime.conf
ldconfig
