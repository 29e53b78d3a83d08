#!/bin/sh
# build-std.sh TRIPLE CRATE,CRATE,... [DIR]: a Rust std for TRIPLE, built once in the image from the std
# sources the Rust layer carries (Debian's rust-web-src: the sources of this very rustc, with their
# dependencies vendored, so no network), and installed into the compiler's own
# lib/rustlib/TRIPLE/lib beside the host's std. A user's crate then builds for TRIPLE with stable cargo:
# no nightly, no -Zbuild-std. The rlibs carry LLVM bitcode too, so that `-C lto` works as with
# rustup's std. `test` must be among the crates for `cargo test`. The rustc version that built it is
# written to lib/rustlib/TRIPLE/xcross-std (verify-pins.sh reads it).
# With DIR (Cross.toml's build-std, at run time), the rlibs go to DIR/lib instead, built with the user's
# RUSTFLAGS too, and DIR/sysroot says where the compiler's sysroot is, for xcross to mount DIR/lib
# over its lib/rustlib/TRIPLE/lib. A failed build prints cargo's
# whole output and then one line naming the triple and the crate that failed, which xcross turns into
# its error (with the path of the saved build log).
set -eu
triple=${1:?usage: build-std.sh TRIPLE CRATE,CRATE,... [DIR]}
crates=${2:?usage: build-std.sh TRIPLE CRATE,CRATE,... [DIR]}
out=${3:-}
sysroot=$(rustc --print sysroot)
src=$sysroot/lib/rustlib/src/rust/library
[ -f "$src/Cargo.lock" ] && [ -d "$src/vendor" ] \
  || { echo "build-std.sh: no std sources with vendored dependencies in $src (the Rust layer's source package)" >&2; exit 1; }
dest=$sysroot/lib/rustlib/$triple
[ -n "$out" ] && dest=$out
[ -n "$out" ] || [ ! -e "$dest/lib" ] || { echo "build-std.sh: $dest/lib exists already" >&2; exit 1; }
work=$(mktemp -d /tmp/xcross-std.XXXXXX)
log=$work/build.log
mkdir -p "$work/src" "$work/.cargo"
# A crate that uses nothing: cargo builds the std crates it is told to for it, and no link step runs.
printf '[package]\nname = "xcross-std"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' >"$work/Cargo.toml"
echo '#![no_std]' >"$work/src/lib.rs"
printf '[source.crates-io]\nreplace-with = "vendored"\n[source.vendored]\ndirectory = "%s"\n' "$src/vendor" >"$work/.cargo/config.toml"
start=$(date +%s)
echo "build-std.sh: building $crates for $triple with $(rustc --version) ..."
# The user's flags (only at run time: the image's std is built plain) and the bitcode, wherever cargo
# reads its flags from (CARGO_ENCODED_RUSTFLAGS wins over RUSTFLAGS).
if [ -z "$out" ]; then unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS; fi
if [ -n "${CARGO_ENCODED_RUSTFLAGS:-}" ]; then
  CARGO_ENCODED_RUSTFLAGS="$CARGO_ENCODED_RUSTFLAGS$(printf '\037')-Cembed-bitcode=yes"
  export CARGO_ENCODED_RUSTFLAGS
else
  RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C embed-bitcode=yes"
  export RUSTFLAGS
fi
if ! (cd "$work" && CARGO_HOME=$work/cargo-home CARGO_TARGET_DIR=$work/target RUSTC_BOOTSTRAP=1 \
    cargo build --offline --release --target "$triple" -Zbuild-std="$crates") >"$log" 2>&1; then
  cat "$log" >&2
  failed=$(sed -n 's/^error: could not compile `\([^`]*\)`.*/\1/p' "$log" | head -n 1)
  echo "build-std.sh: the Rust std for $triple did not build${failed:+: the crate $failed failed} (cargo's output is above)" >&2
  exit 1
fi
mkdir -p "$dest/lib"
for f in "$work/target/$triple/release/deps"/*.rlib; do
  case "$(basename "$f")" in libxcross_std-*) ;; *) cp "$f" "$dest/lib/" ;; esac
done
rustc --version | cut -d' ' -f2 >"$dest/xcross-std"
[ -z "$out" ] || echo "$sysroot" >"$out/sysroot"
rm -rf "$work"
echo "build-std.sh: $crates for $triple built in $(( $(date +%s) - start )) s: $(ls "$dest/lib" | wc -l) rlibs, $(du -sm "$dest/lib" | cut -f1) MB in $dest/lib"
