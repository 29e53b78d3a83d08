#!/bin/sh
# rtstartup.sh TRIPLE: rsbegin.o and rsend.o in the compiler's lib/rustlib/TRIPLE/lib, built from the
# std's sources (library/rtstartup) with the image's own rustc, as Rust's bootstrap builds them for
# rustup. Rust's i686-pc-windows-gnu links every program with them (they register its dwarf-2 unwind
# tables with libgcc); a std built with -Zbuild-std has neither, and links fail with "cannot find rsbegin.o".
set -eu
triple=${1:?usage: rtstartup.sh TRIPLE}
sysroot=$(rustc --print sysroot)
src=$sysroot/lib/rustlib/src/rust/library/rtstartup
dest=$sysroot/lib/rustlib/$triple/lib
[ -d "$dest" ] || { echo "rtstartup.sh: $dest is missing: the target's std is not in this image" >&2; exit 1; }
for f in rsbegin rsend; do
  [ -f "$src/$f.rs" ] || { echo "rtstartup.sh: $src/$f.rs is missing (the Rust layer's source package)" >&2; exit 1; }
  RUSTC_BOOTSTRAP=1 rustc --target "$triple" --emit=obj -o "$dest/$f.o" "$src/$f.rs"
done
echo "rtstartup.sh: rsbegin.o and rsend.o for $triple in $dest"
