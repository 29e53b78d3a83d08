// `xcross build --help`: what xcross adds to cargo; cargo's own flags are cargo's to document.
export function cargoHelp(subcommand: string): string {
  return `xcross ${subcommand} [+TOOLCHAIN] [XCROSS OPTIONS] [CARGO ARGS...] [-- PROGRAM ARGS...]

Runs \`cargo ${subcommand}\` for --target TRIPLE inside the target's toolchain image (C cross compiler,
libc, OpenSSL and qemu-user pinned in images/targets.toml), on rootless podman.${
    subcommand === 'test' || subcommand === 'run' || subcommand === 'bench'
      ? `
Foreign binaries run under qemu-user through the image's xcross-runner; tests run in parallel
(set RUST_TEST_THREADS to change that). Bare-metal (thumb*-none-eabi*) programs run as the firmware of
a board under qemu-system-arm, with semihosting: its output on stdout, SYS_EXIT's status as xcross's.
\`xcross test\` needs a test harness that runs on the device (cargo's own needs std: cargo says so).`
      : ''
  }

Every argument but the xcross options below goes to cargo unchanged; see \`cargo ${subcommand} --help\`.
Without --target: CARGO_BUILD_TARGET, then build.default-target in Cross.toml, then the host's triple.

XCROSS OPTIONS
  --runtime NAME              podman, podman-api (REST socket), nerdctl, docker, or a path; detected when unset [env: XCROSS_RUNTIME, CROSS_CONTAINER_ENGINE]
  --toolchain-source SOURCE   auto | host | image [env: XCROSS_TOOLCHAIN_SOURCE, default auto]
                              host: your rustup toolchain, mounted read-only (rustup adds the target's std if it can)
                              image: the rustc the image carries (hermetic, works offline)
                              auto: host when it has or can get the std, else image
  --read-only-source          mount the workspace read-only (only the target directory is writable)
  --glibc X.Y                 link for systems whose glibc is X.Y or newer: a floor (2.31; 2.36 is the default;
                              \`xcross targets\` lists each target's) [env: XCROSS_GLIBC; also --target TRIPLE.X.Y]
                              after linking, xcross fails when a file needs a newer glibc, libstdc++ or libgcc
  --copy-back WHAT            with an engine that cannot see the workspace (over ssh), what comes back:
                              artifacts (cargo's, from its JSON messages; the default) | target-dir | none
                              [env: XCROSS_COPY_BACK]
  --push                      push the images this run builds to the image cache [env: XCROSS_IMAGE_CACHE_PUSH=1]
  --compile-cache CACHE       off | local | redis://[:password@]host:port[/db] | s3://bucket/prefix | gha
                              sccache in the image wraps rustc; local keeps entries in
                              ~/.cache/xcross/compile-cache for every target and workspace, redis shares
                              them between users and machines; off is the default (filling a cache
                              costs a clean build 12-23%) [env: XCROSS_COMPILE_CACHE; also
                              compile-cache in Cross.toml's [xcross]]; -v ends with its hits and misses
  --strace                    qemu prints every system call of the foreign program (QEMU_STRACE=1)
  --gdb PORT                  the foreign program waits for gdb-multiarch on PORT (qemu's gdb stub)
  --timeout SECONDS           bare metal: stop a program that has not exited after SECONDS on its board
                              (exit 124) [env: XCROSS_TIMEOUT; default 60; 0: no limit]
  -v, --verbose               also show the engine command lines and the choices made (passed to cargo too)

ENVIRONMENT
  XCROSS_DEBUG=1              show stack traces of xcross's own errors
  XCROSS_GLIBC_CHECK=0        do not check the linked files against the glibc floor
  XCROSS_TARGET_<T>_MACHINE   bare metal: the qemu board programs for <T> run on (T: the triple in capitals,
                              - and . as _; also machine in Cross.toml's [xcross.target.<triple>]);
                              \`xcross targets\` lists each target's default; the CPU stays the target's
  XCROSS_COMPILE_CACHE_SIZE   the local compile cache's size limit, e.g. 5G [default 10G; also
                              compile-cache-size in Cross.toml's [xcross]]; \`xcross cache stats|clear\`
  XCROSS_IMAGE_CACHE=REG/PFX  a missing image is pulled from REG/PFX/<name>:<tag> before it is built, and
                              used only if its labels match (also image-cache in Cross.toml's [xcross]);
                              credentials are the engine's own (podman login, docker login)
  Host variables reach the container only if they are cargo's or rustc's (CARGO_*, RUSTFLAGS, ...),
  the terminal's, proxies, QEMU_* (QEMU_CPU, QEMU_LOG, QEMU_STRACE reach qemu), or named in Cross.toml.

BUILD-STD
  Every image has its target's std, and the std's sources (Debian's rust-web-src, dependencies vendored).
  Cross.toml's build-std ([build] or [target.<triple>]: true, or a list of crates; CROSS_BUILD_STD,
  CROSS_TARGET_<T>_BUILD_STD) builds a std again from those sources with the image's stable rustc, with
  your RUSTFLAGS, offline, once per target directory (in <target-dir>/xcross-std/), and cargo uses it:
  no nightly and no rust-src, unlike cross. With a host toolchain (+nightly, --toolchain-source host)
  cargo gets -Zbuild-std instead, which needs nightly and rust-src there.

A TRIPLE XCROSS HAS NO IMAGE FOR
  A triple rustc knows (rustc --print target-list) builds in an image of yours, named for it in
  Cross.toml ([target.<triple>] image, dockerfile or pre-build). A dockerfile or pre-build starts FROM
  $CROSS_BASE_IMAGE, which is then xcross's Rust toolchain image (rustc, the std's sources, qemu-user);
  it adds the C compiler and sets CARGO_TARGET_<T>_LINKER, CC_<triple> and, for run and test,
  CARGO_TARGET_<T>_RUNNER (or runner in Cross.toml); build-std = true builds the std. For example:
    [target.armv7-unknown-linux-gnueabi]
    dockerfile = "armv7.Containerfile"    # FROM $CROSS_BASE_IMAGE; RUN xcross-apt-install gcc-arm-linux-gnueabi ...
    build-std = true
  No glibc floor and no ELF check there: they need xcross's own image for the target.

EXAMPLES
  xcross build --target aarch64-unknown-linux-gnu --release
  xcross test --target aarch64-unknown-linux-gnu -- --nocapture
  xcross run --target aarch64-unknown-linux-gnu -- --some-flag
  xcross build --target aarch64-unknown-linux-gnu --glibc 2.31      # runs on Debian 11, Ubuntu 20.04
  xcross ${subcommand} --target mips64-unknown-linux-gnuabi64            # a std built in the image, big-endian
  xcross rustc --target powerpc-unknown-linux-gnu --release -- -C lto   # one-target crates; else --bin NAME
  xcross +nightly ${subcommand} --target aarch64-unknown-linux-gnu
  xcross run --target thumbv7m-none-eabi --timeout 10               # bare metal on lm3s6965evb, semihosting
`;
}

export function wantsHelp(cargoArgs: string[]): boolean {
  const end = cargoArgs.indexOf('--');
  return (end < 0 ? cargoArgs : cargoArgs.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function shellHelp(): string {
  return `xcross shell [--target TRIPLE] [OPTIONS] [-- CMD ARGS...]

Opens a shell in the target's toolchain image, in the current crate, with the mounts and environment
of a build: the target's compiler, archiver and linker (CC_<triple>, CXX_<triple>, AR_<triple>,
CARGO_TARGET_<T>_LINKER), pkg-config for the target, and \`xcross-runner PROGRAM [ARGS]\` to run a
foreign binary under the target's qemu. The prompt shows the target. With -- CMD ARGS, runs that one
command instead and exits with its exit code; an interactive shell exits with the shell's status.

In the shell only, the plain CC, CXX, AR, RANLIB and STRIP name the target's tools too, for make and
configure (e.g. CC=mips-linux-gnu-gcc). \`xcross build\`, test and run do not set them: build scripts
that compile for the host fall back to a plain CC, so there only CC_<triple> and friends are set.

OPTIONS
  --target TRIPLE        the target (as for build; \`xcross targets\` lists them)
  --manifest-path PATH   the crate to open the shell in
  --runtime NAME         podman, podman-api, nerdctl, docker, or a path (detected when unset)
  --glibc X.Y            the glibc floor's image (its compiler and libraries), as for build
  --strace               qemu prints every system call of programs run with xcross-runner
  --gdb PORT             programs run with xcross-runner wait for gdb-multiarch on PORT
  --timeout SECONDS      bare metal: how long xcross-runner lets a program run on its board (default 60)
  -v                     show the engine command line

EXAMPLES
  xcross shell --target aarch64-unknown-linux-gnu
  xcross shell --target aarch64-unknown-linux-gnu -- sh -c '$CC -o t t.c && xcross-runner ./t'
`;
}
