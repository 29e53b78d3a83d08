#!/bin/sh
# wine-prefix.sh DIR BITS: makes the wine prefix the target's programs run in, at image build rather
# than at each first run (wineboot takes seconds): with BITS 64 a 64-bit prefix of wine64, with BITS 32
# a 32-bit one (WINEARCH=win32) of Debian's i386 wine (wine32:i386). Debian's wine ships its Windows DLLs
# with their debug information (640 MB for 64 bits, 550 MB for 32); stripped they are about a third and
# work the same (wine's "builtin DLL" mark is in the DOS header, which strip keeps). wineboot copies the
# DLLs into the prefix: the copies become hard links to the originals, so the prefix costs ~15 MB
# instead of ~700 MB.
set -eu
prefix=${1:?usage: wine-prefix.sh DIR BITS}
bits=${2:?usage: wine-prefix.sh DIR BITS}
case "$bits" in
  64) wine=/usr/lib/wine/wine64 dlls=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows mingw=x86_64-w64-mingw32 arch=win64 prng=ProcessPrng ;;
  32) wine=/usr/lib/wine/wine dlls=/usr/lib/i386-linux-gnu/wine/i386-windows mingw=i686-w64-mingw32 arch=win32 prng=ProcessPrng=ProcessPrng@8 ;;
  *) echo "wine-prefix: BITS is 32 or 64, not $bits" >&2; exit 2 ;;
esac
[ -d "$dlls" ] || { echo "wine-prefix: $dlls is missing (is wine installed for $bits-bit programs?)" >&2; exit 1; }
before=$(du -sm "$dlls" | cut -f1)
for f in "$dlls"/*; do "$mingw-strip" --strip-debug "$f" 2>/dev/null || true; done
echo "wine-prefix: wine's Windows DLLs stripped of debug information: ${before} MB -> $(du -sm "$dlls" | cut -f1) MB"
mkdir -p "$(dirname "$prefix")"
WINEPREFIX=$prefix WINEARCH=$arch WINEDEBUG=-all timeout 300 "$wine" wineboot --init >/dev/null 2>&1 \
  || { echo "wine-prefix: wineboot --init failed" >&2; exit 1; }
# wineboot returns before wineserver has written the registry to disk: wait for it.
WINEPREFIX=$prefix /usr/lib/wine/wineserver -w || true
[ -f "$prefix/system.reg" ] || { echo "wine-prefix: wineboot made no $prefix/system.reg" >&2; exit 1; }
# Debian's wine notes its server's temporary directory in the prefix; both belong to this build only.
rm -rf "$prefix/wineserver" /tmp/wine-*
# Rust's std (1.78 and later) takes its random numbers from ProcessPrng in bcryptprimitives.dll, which
# bookworm's wine 8.0 lacks (wine 9 has it): every Rust program would end at load, with exit code 53.
# This prefix gets a DLL of that name whose ProcessPrng fills the buffer through advapi32's
# SystemFunction036 (RtlGenRandom), which wine has, built with the image's mingw-w64.
if [ ! -e "$prefix/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  shim=$(mktemp -d /tmp/xcross-bcrypt.XXXXXX)
  cat >"$shim/bcryptprimitives.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    length -= n;
  }
  return TRUE;
}
C
  # 32-bit: the stdcall function is ProcessPrng@8, exported undecorated as Windows does.
  printf 'LIBRARY bcryptprimitives.dll\nEXPORTS\n%s\n' "$prng" >"$shim/bcryptprimitives.def"
  "$mingw-gcc" -shared -O2 -s -o "$prefix/drive_c/windows/system32/bcryptprimitives.dll" \
    "$shim/bcryptprimitives.c" "$shim/bcryptprimitives.def" -ladvapi32
  rm -rf "$shim"
  echo "wine-prefix: bcryptprimitives.dll with ProcessPrng added to the prefix (wine $("$wine" --version) has none)"
fi
linked=0
for f in $(find "$prefix" -type f -links 1); do
  o="$dlls/$(basename "$f")"
  if [ -f "$o" ] && cmp -s "$f" "$o"; then ln -f "$o" "$f"; linked=$((linked + 1)); fi
done
echo "wine-prefix: $prefix made ($linked files hard-linked to wine's own, $(du -sm "$dlls" "$prefix" | awk 'NR==2 {print $1}') MB of its own)"
