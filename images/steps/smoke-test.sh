#!/bin/sh
# smoke-test.sh TRIPLE [--openssl] [--rust]: the last step of a target image build. Compiles a threaded
# C program with the target's C compiler (CC_<triple>) and runs it through xcross-runner, as cargo
# will; with --openssl links OpenSSL found through the target's pkg-config; with --rust (the image's
# rustc has the target's std) builds a threaded Rust program linked by the image's linker and runs it.
# qemu with the wrong libc hangs at the first thread spawn: the timeout turns that into a failed build.
set -eu
t=${1:?usage: smoke-test.sh TRIPLE [--openssl] [--rust]}
shift
openssl=0 rust=0
for a in "$@"; do
  case "$a" in
    --openssl) openssl=1 ;;
    --rust) rust=1 ;;
    *) echo "smoke-test: unknown option $a" >&2; exit 2 ;;
  esac
done
[ "$t" = "${XCROSS_TARGET:-}" ] || { echo "smoke-test: the image's XCROSS_TARGET is '${XCROSS_TARGET:-}', not $t" >&2; exit 1; }
u=$(echo "$t" | tr - _)
eval "cc=\${CC_$u:?}"
dir=$(mktemp -d /tmp/xcross-smoke.XXXXXX)
# wine's server outlives the program by seconds and leaves a note of its temporary directory in the
# prefix (Debian's wine): wait for it, and leave neither in the image.
cleanup() {
  rm -rf "$dir"
  if [ "${XCROSS_RUNNER:-qemu}" = wine ] && [ -x /usr/lib/wine/wineserver ]; then
    WINEPREFIX=/opt/xcross/wine /usr/lib/wine/wineserver -w 2>/dev/null || true
    rm -rf /opt/xcross/wine/wineserver /tmp/wine-*
  fi
}
trap cleanup EXIT
cd "$dir"
exe=""
case "$t" in *windows*) exe=.exe ;; esac
# Programs for the target run where the build host can run them (no wine for Windows on other hosts).
can_run=1
if [ "${XCROSS_RUNNER:-qemu}" = wine ] && [ ! -x "${XCROSS_WINE:-/usr/lib/wine/wine64}" ]; then can_run=0; fi

run() {
  if [ "$can_run" = 0 ]; then echo "smoke-test: $1 built; not run (no wine on this build host)"; return; fi
  out=$(timeout 120 xcross-runner "./$1$exe") || { echo "smoke-test: ./$1$exe failed or hung under xcross-runner (exit $?)" >&2; exit 1; }
  # A Windows C runtime writes text with CRLF line ends.
  out=$(printf '%s' "$out" | tr -d '\r')
  # shellcheck disable=SC2254 # $2 is a pattern
  case "$out" in $2) ;; *) echo "smoke-test: ./$1$exe printed '$out', not '$2'" >&2; exit 1 ;; esac
  echo "smoke-test: $1 ran: $out"
}

cat >threads.c <<'C'
#include <stdio.h>
#include <pthread.h>
static void *work(void *arg) { long *n = arg; *n *= 2; return 0; }
int main(void) {
  pthread_t th[4]; long v[4] = {1, 2, 3, 4}, sum = 0;
  for (int i = 0; i < 4; i++) pthread_create(&th[i], 0, work, &v[i]);
  for (int i = 0; i < 4; i++) { pthread_join(th[i], 0); sum += v[i]; }
  printf("c threads %ld\n", sum);
  return 0;
}
C
# musl programs are static by nature; a Windows one would otherwise need mingw's libwinpthread-1.dll
# beside it (Rust links its std statically either way).
static=""
case "$t" in *musl* | *windows*) static=-static ;; esac
"$cc" $static -pthread -O1 -o "threads$exe" threads.c
run threads "c threads 20"

# OpenSSL: headers and library found through the target's pkg-config, and the program links.
eval "pcdir=\${PKG_CONFIG_LIBDIR_$u:-}"
if [ "$openssl" = 1 ]; then
  PKG_CONFIG_LIBDIR=$pcdir pkg-config --exists openssl || { echo "smoke-test: the image should have OpenSSL, but pkg-config finds none in $pcdir" >&2; exit 1; }
  printf '#include <openssl/ssl.h>\n#include <stdio.h>\nint main(void) { printf("%%s\\n", OPENSSL_VERSION_TEXT); return OPENSSL_init_ssl(0, 0) ? 0 : 1; }\n' >ssl.c
  # shellcheck disable=SC2046
  "$cc" -o "ssl$exe" ssl.c $(PKG_CONFIG_LIBDIR=$pcdir pkg-config --cflags --libs openssl)
  echo "smoke-test: linked against $(PKG_CONFIG_LIBDIR=$pcdir pkg-config --modversion openssl) from $pcdir"
  run ssl 'OpenSSL *'
fi

if [ "$rust" = 1 ]; then
  cat >threads.rs <<'RS'
fn main() {
    let h: Vec<_> = (1..=4u64).map(|i| std::thread::spawn(move || i * 2)).collect();
    println!("rust threads {}", h.into_iter().map(|h| h.join().unwrap()).sum::<u64>());
}
RS
  eval "linker=\${CARGO_TARGET_$(echo "$u" | tr a-z A-Z)_LINKER:?}"
  rustc --target "$t" -C linker="$linker" -o "rthreads$exe" threads.rs
  # Rust's musl targets link statically (crt-static): no dynamic loader may be asked for.
  case "$t" in
    *musl*)
      if readelf -l rthreads | grep -q 'program interpreter'; then
        echo "smoke-test: rthreads asks for a dynamic loader; a $t program must be static" >&2
        exit 1
      fi
      echo "smoke-test: rthreads is static" ;;
  esac
  run rthreads "rust threads 20"
fi
