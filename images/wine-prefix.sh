#!/bin/sh
# wine-prefix.sh DIR: makes the wine prefix the target's programs run in, at image build rather than
# at each first run (wineboot takes seconds). Debian's wine ships its Windows DLLs with their debug
# information (640 MB); stripped they are 210 MB and work the same (wine's "builtin DLL" mark is in the
# DOS header, which strip keeps). wineboot copies the DLLs into the prefix: the copies become hard
# links to the originals, so the prefix costs ~15 MB instead of ~700 MB.
set -eu
prefix=${1:?usage: wine-prefix.sh DIR}
dlls=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
[ -d "$dlls" ] || { echo "wine-prefix: $dlls is missing (is wine64 installed?)" >&2; exit 1; }
before=$(du -sm "$dlls" | cut -f1)
for f in "$dlls"/*; do x86_64-w64-mingw32-strip --strip-debug "$f" 2>/dev/null || true; done
echo "wine-prefix: wine's Windows DLLs stripped of debug information: ${before} MB -> $(du -sm "$dlls" | cut -f1) MB"
mkdir -p "$(dirname "$prefix")"
WINEPREFIX=$prefix WINEDEBUG=-all timeout 300 /usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 \
  || { echo "wine-prefix: wineboot --init failed" >&2; exit 1; }
# wineboot returns before wineserver has written the registry to disk: wait for it.
WINEPREFIX=$prefix /usr/lib/wine/wineserver -w || true
[ -f "$prefix/system.reg" ] || { echo "wine-prefix: wineboot made no $prefix/system.reg" >&2; exit 1; }
# Debian's wine notes its server's temporary directory in the prefix; both belong to this build only.
rm -rf "$prefix/wineserver" /tmp/wine-*
linked=0
for f in $(find "$prefix" -type f -links 1); do
  o="$dlls/$(basename "$f")"
  if [ -f "$o" ] && cmp -s "$f" "$o"; then ln -f "$o" "$f"; linked=$((linked + 1)); fi
done
echo "wine-prefix: $prefix made ($linked files hard-linked to wine's own, $(du -sm "$dlls" "$prefix" | awk 'NR==2 {print $1}') MB of its own)"
