#!/bin/sh
# self-contained.sh TRIPLE LIBDIR GCC UNWIND CC: Rust's self-contained link for a musl target, as
# rustup's std carries it, in the compiler's lib/rustlib/TRIPLE/lib/self-contained:
#   - musl's start files and libc.a, from LIBDIR (musl-dev's directory);
#   - gcc's crtbegin/crtend objects, from GCC (the installed <gnu>-gcc, which links Rust programs);
#   - libunwind.a: UNWIND is "libgcc" (GCC's own libgcc_eh.a) or a directory where a Debian package of
#     LLVM's libunwind was unpacked.
# rustc then links static programs (crt-static, Rust's default for musl) with GCC alone: it passes the
# start files itself, -nostartfiles and -nodefaultlibs, so nothing of glibc gets in.
# Debian built both unwinders against glibc: what they call that musl lacks is added to libunwind.a,
# from libgcc.a (armel's __sync_synchronize), or compiled with CC (musl's gcc) where it is fortify's
# __fprintf_chk. Any other symbol that nothing defines fails the build here, not at a user's link.
set -eu
usage='usage: self-contained.sh TRIPLE LIBDIR GCC UNWIND CC'
triple=${1:?$usage} libdir=${2:?$usage} gcc=${3:?$usage} unwind=${4:?$usage} cc=${5:?$usage}
tools=${gcc%-gcc}
dir=$(rustc --print sysroot)/lib/rustlib/$triple/lib/self-contained
fail() { echo "self-contained.sh: $*" >&2; exit 1; }
[ -d "$(dirname "$dir")" ] || fail "$(dirname "$dir") is missing: the target's std is not in this image"
mkdir -p "$dir"
for f in crt1.o crti.o crtn.o rcrt1.o Scrt1.o libc.a; do
  [ -f "$libdir/$f" ] || fail "$libdir/$f is missing (is musl-dev installed for the target?)"
  cp "$libdir/$f" "$dir/"
done
for f in crtbegin.o crtbeginS.o crtend.o crtendS.o; do
  p=$("$gcc" -print-file-name=$f)
  [ -f "$p" ] || fail "$gcc has no $f"
  cp "$p" "$dir/"
done
if [ "$unwind" = libgcc ]; then
  src=$("$gcc" -print-file-name=libgcc_eh.a)
else
  src=$(find "$unwind" -name libunwind.a -type f | head -n 1)
fi
[ -f "$src" ] || fail "no unwinder archive in $unwind"
work=$(mktemp -d /tmp/xcross-self-contained.XXXXXX)
cp "$src" "$work/libunwind.a"

# Names an archive (or several) defines, and those it needs.
defined() { "$tools-nm" "$@" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRWVCGSi]$/ { print $3 }' | sort -u; }
needed() { "$tools-nm" -u "$1" 2>/dev/null | awk 'NF == 2 && $1 == "U" { print $2 }' | sort -u; }
# Defined by the linker itself (the GOT, ARM's unwind table bounds).
printf '%s\n' _GLOBAL_OFFSET_TABLE_ __exidx_start __exidx_end >"$work/linker.txt"
missing() {
  { defined "$work/libunwind.a" "$dir/libc.a"; cat "$work/linker.txt"; } | sort -u >"$work/defined.txt"
  needed "$work/libunwind.a" | comm -23 - "$work/defined.txt"
}

# Fortify's checked printf, which Debian's build of LLVM's libunwind calls and musl has not.
if missing | grep -qx '__fprintf_chk'; then
  cat >"$work/chk.c" <<'C'
#include <stdarg.h>
#include <stdio.h>
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...) {
  va_list ap;
  int n;
  (void)flag;
  va_start(ap, fmt);
  n = vfprintf(f, fmt, ap);
  va_end(ap);
  return n;
}
C
  "$cc" -c -O2 -fPIC -o "$work/xcross-fortify.o" "$work/chk.c"
  "$tools-ar" rs "$work/libunwind.a" "$work/xcross-fortify.o" 2>/dev/null
  echo "self-contained.sh: __fprintf_chk added to libunwind.a (built with $cc)"
fi
# What libgcc.a defines (armel's __sync_synchronize): its member, added.
libgcc=$("$gcc" -print-file-name=libgcc.a)
for sym in $(missing); do
  member=$("$tools-nm" -A "$libgcc" 2>/dev/null | awk -v s="$sym" 'NF == 3 && $2 ~ /^[TDRW]$/ && $3 == s { split($1, p, ":"); print p[2]; exit }')
  [ -n "$member" ] || continue
  (cd "$work" && "$tools-ar" x "$libgcc" "$member" && "$tools-ar" rs libunwind.a "$member" 2>/dev/null)
  echo "self-contained.sh: $sym added to libunwind.a from libgcc.a ($member)"
done
left=$(missing | tr '\n' ' ')
[ -z "$left" ] || fail "the unwinder ($src) needs symbols that neither it nor musl's libc.a defines: $left"
cp "$work/libunwind.a" "$dir/libunwind.a"
rm -rf "$work"
echo "self-contained.sh: $dir: $(ls "$dir" | tr '\n' ' ')(libunwind.a from $src)"
