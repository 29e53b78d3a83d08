// What one target's image layer does, decided here from its registry row and the architecture of the
// machine that builds (and runs) the image: an ordered list of steps (steps.ts), how every pin is read
// back, and the environment cargo and the cc crate get. Pure, so unit tests check the plan of any
// target on any build host (an arm64 one included) without building.
import { imageHasStd, type TargetSpec } from '../targets/registry';
import type { GlibcFloor } from '../targets/glibc-floor';
import { targetPins } from '../targets/pins';
import { absent, command, deb, newestSymbolVersion, rustlib, type PinCheck, type PinRead } from './pin-checks';
import type { LayerRecipe, Step, Tool } from './steps';

export interface TargetImagePlan {
  /** The Debian architecture of the build host, which is also the image's own. */
  buildArch: string;
  /** The target is the build host's own architecture: native packages, no cross compiler. */
  native: boolean;
  steps: Step[];
  /** Where the target's libraries are: /usr/lib/<multiarch triplet>, the cross root's lib, musl's. */
  libDir: string;
  pkgConfigDir: string;
  pins: PinCheck[];
  env: Record<string, string>;
}

/** Debian's multiarch directory name: the GNU triplet, but i386's compiler is i686-linux-gnu. */
export function multiarchTriplet(t: Pick<TargetSpec, 'debArch' | 'gnu'>): string {
  return t.debArch === 'i386' ? t.gnu.replace(/^i[3-6]86-/, 'i386-') : t.gnu;
}

/** What a family's plan function fills in; planTargetImage adds what every target shares. */
interface Draft {
  native: boolean;
  apt: { addArchs: string[]; packages: string[]; exclude: string[] };
  /** Steps after apt (unpacking, building, wrappers). */
  more: Step[];
  libDir: string;
  gccRead?: PinRead;
  libcReads: PinRead[];
  opensslReads: PinRead[];
  stdReads: PinRead[];
}

export function planTargetImage(t: TargetSpec, buildArch: string): TargetImagePlan {
  const d: Draft = {
    native: t.debArch === buildArch && t.libc.kind !== 'mingw-w64',
    apt: { addArchs: [], packages: [], exclude: [] },
    more: [],
    libDir: `/usr/lib/${multiarchTriplet(t)}`,
    libcReads: [],
    opensslReads: [],
    stdReads: [],
  };
  if (t.libc.kind === 'glibc') planGlibc(t, d, buildArch);
  else if (t.libc.kind === 'musl') planMusl(t, d);
  else if (t.libc.kind === 'newlib') planNewlib(t, d);
  else planMingw(t, d, buildArch);
  d.apt.packages.push(...t.packages);
  planStd(t, d);
  const pkgConfigDir = `${d.libDir}/pkgconfig`;
  if (t.openssl.kind === 'source') {
    d.more.unshift({
      kind: 'build-openssl',
      version: t.pins.openssl,
      configure: t.cpu.opensslConfigure,
      crossPrefix: `${t.gnu}-`,
      prefix: `/usr/${t.gnu}`,
    });
    d.opensslReads.push(command(`PKG_CONFIG_LIBDIR=${pkgConfigDir} pkg-config --modversion openssl`));
  }
  if (t.openssl.kind === 'none') d.opensslReads.push(absent(`${d.libDir}/libssl.*`, `/usr/${t.gnu}/lib/libssl.*`));
  const steps: Step[] = [];
  if (d.apt.packages.length) steps.push({ kind: 'apt', ...d.apt });
  steps.push(...d.more);
  // Another CPU's kernel may run these programs (i386 on x86_64): xcross-runner asks this probe first.
  if (t.runner.kind === 'qemu-user' && t.runner.nativeOn.some((c) => c !== t.cpu.name))
    steps.push({ kind: 'native-probe', cc: t.cc });
  const wine = t.runner.kind === 'wine' && buildArch === 'amd64';
  if (wine && t.runner.kind === 'wine') steps.push({ kind: 'wine-prefix', dir: WINE_PREFIX, bits: t.runner.bits });
  // Rust's i686-pc-windows-gnu (dwarf-2 unwinding) links every program with rsbegin.o and rsend.o, which
  // rustup ships beside its std and a std built in the image lacks; x86_64's (SEH) links neither.
  // After the wine prefix, which must share the RUN that installs wine.
  if (t.libc.kind === 'mingw-w64' && t.std.kind === 'build' && t.cpu.elf.bits === 32)
    steps.push({ kind: 'rtstartup', triple: t.triple });
  const pins = pinChecks(t, d, wine);
  steps.push({ kind: 'verify-pins', pins });
  if (t.runner.kind === 'qemu-system') steps.push({ kind: 'smoke-bare-metal', triple: t.triple });
  else steps.push({ kind: 'smoke-test', triple: t.triple, openssl: t.openssl.kind !== 'none', rust: imageHasStd(t) });
  return { buildArch, native: d.native, steps, libDir: d.libDir, pkgConfigDir, pins, env: targetEnv(t, pkgConfigDir) };
}

export const WINE_PREFIX = '/opt/xcross/wine';

/** The target layer's whole recipe, FROM its parent (the std layer, or the Rust layer). */
export function targetRecipe(t: TargetSpec, plan: TargetImagePlan, from: string): LayerRecipe {
  const floor = t.glibc && !t.glibc.isDefault ? `, glibc ${t.glibc.version} floor` : '';
  return { title: `${t.triple}${floor} (build host: ${plan.buildArch})`, from, steps: plan.steps, env: plan.env };
}

/** The std layer of a target whose std is built in the image: the std alone, over the Rust layer. */
export function stdRecipe(t: TargetSpec, from: string): LayerRecipe | undefined {
  if (t.std.kind !== 'build') return undefined;
  return {
    title: `the Rust ${t.pins.rustc} std for ${t.triple} (${t.std.crates.join(', ')}), built from ${t.rust.srcPackage}`,
    from,
    steps: [...stdTools(t), { kind: 'build-std', triple: t.triple, crates: t.std.crates }],
  };
}

/** What compiling the std needs besides rustc: Windows' std links its DLL imports (raw-dylib) with dlltool. */
function stdTools(t: TargetSpec): Step[] {
  if (t.libc.kind !== 'mingw-w64') return [];
  return [{ kind: 'apt', addArchs: [], packages: [`binutils-mingw-w64-${mingwBits(t)}`], exclude: [] }];
}

const mingwBits = (t: TargetSpec) => (t.debArch === 'i386' ? 'i686' : 'x86-64');

function planGlibc(t: TargetSpec, d: Draft, buildArch: string): void {
  const crossPkg = t.gnu.replace(/_/g, '-'); // Debian spells the triplet with dashes: gcc-x86-64-linux-gnu
  const arch = (p: string) => `${p}:${t.debArch}`;
  const floor = t.glibc && !t.glibc.isDefault ? t.glibc : undefined;
  const withOpenssl = t.openssl.kind === 'deb';
  if (floor) return planFloor(t, floor, d, crossPkg, buildArch);
  // The build host's own architecture needs no cross compiler and no sysroot: its libraries install
  // natively, whatever the layout elsewhere.
  if (d.native) {
    d.apt.packages.push('gcc', 'g++', 'libc6-dev', ...(withOpenssl ? ['libssl-dev'] : []));
    d.libcReads.push(deb('libc6'));
    if (withOpenssl) d.opensslReads.push(deb('libssl-dev'));
  } else if (t.libc.kind === 'glibc' && t.libc.layout === 'multiarch') {
    d.apt.addArchs.push(t.debArch);
    d.apt.packages.push(`gcc-${crossPkg}`, `g++-${crossPkg}`, arch('libc6-dev'), ...(withOpenssl ? [arch('libssl-dev')] : []));
    d.libcReads.push(deb(arch('libc6'), `libc6-dev-${t.debArch}-cross`));
    if (withOpenssl) d.opensslReads.push(deb(arch('libssl-dev')));
  } else {
    // Without recommends, gcc-<gnu> leaves its libc out ("cannot find Scrt1.o"): name it.
    d.apt.packages.push(`gcc-${crossPkg}`, `g++-${crossPkg}`, `libc6-dev-${t.debArch}-cross`);
    d.libcReads.push(deb(`libc6-dev-${t.debArch}-cross`));
    d.libDir = `/usr/${t.gnu}/lib`;
    if (withOpenssl) {
      d.more.push(sysrootUnpack(t, 'base', false, ['libssl-dev', t.glibc?.opensslRuntime ?? 'libssl3']));
      d.opensslReads.push(deb(arch('libssl-dev')));
    }
  }
  d.more.push(...wrappers(t, ''));
}

/** Libraries of a suite unpacked into the cross compiler's root /usr/<gnu>. */
function sysrootUnpack(t: TargetSpec, suite: string, releaseOnly: boolean, packages: string[]): Step {
  const into = { kind: 'sysroot' as const, dir: `/usr/${t.gnu}`, multiarch: multiarchTriplet(t) };
  return { kind: 'unpack', suite, releaseOnly, arch: t.debArch, packages, into };
}

/**
 * A glibc floor: the floor suite's gcc, C library, libstdc++, libgcc and OpenSSL, unpacked (dpkg would
 * refuse an older libc6-dev beside the base suite's, and must not replace the system's libc). The
 * base suite's binutils assemble and link for it: newer binutils add no symbol version needs.
 */
function planFloor(t: TargetSpec, floor: GlibcFloor, d: Draft, crossPkg: string, buildArch: string): void {
  const m = floor.gcc!.split('.')[0];
  const compilers = (prefix: string) => [`gcc-${m}${prefix}`, `cpp-${m}${prefix}`, `g++-${m}${prefix}`];
  const withOpenssl = t.openssl.kind !== 'none';
  const rel = floor.releaseOnly;
  if (d.native) {
    // No cross compiler targets the build host's own architecture: the floor suite's native gcc runs
    // from a root of its own, with --sysroot pointing there (the base suite's libc stays the system's).
    const dir = `/opt/xcross/glibc-${floor.version}`;
    const packages = [
      ...compilers(''),
      `libgcc-${m}-dev`,
      `libstdc++-${m}-dev`,
      'libgcc-s1',
      'libstdc++6',
      'libatomic1',
      'libgomp1',
      'libc6',
      'libc6-dev',
      'linux-libc-dev',
      'libcrypt1',
      'libcrypt-dev',
      ...(withOpenssl ? ['libssl-dev', floor.opensslRuntime] : []),
    ];
    d.more.push({ kind: 'unpack', suite: floor.suite, releaseOnly: rel, arch: buildArch, packages, into: { kind: 'root', dir } });
    d.more.push({
      kind: 'tools',
      tools: ['gcc', 'g++', 'cpp'].map((tool) => ({
        name: `${t.gnu}-${tool}-${m}`,
        exec: `${dir}/usr/bin/${t.gnu}-${tool}-${m} --sysroot=${dir}`,
      })),
    });
    d.libDir = `${dir}/usr/lib/${multiarchTriplet(t)}`;
    d.libcReads.push(deb(`libc6:${t.debArch}`, `libc6-dev:${t.debArch}`));
    if (withOpenssl) {
      d.opensslReads.push(deb(`libssl-dev:${t.debArch}`));
      // Programs run natively on the image's own (newer) libc, but only the floor has OpenSSL 1.1.
      d.more.push({ kind: 'runtime-libs', globs: [`${d.libDir}/libssl.so.*`, `${d.libDir}/libcrypto.so.*`] });
    }
    return;
  }
  const a = t.debArch;
  d.apt.packages.push(`binutils-${crossPkg}`);
  const packages = [
    ...compilers(`-${crossPkg}`),
    `libgcc-${m}-dev-${a}-cross`,
    `libstdc++-${m}-dev-${a}-cross`,
    `libgcc-s1-${a}-cross`,
    `libstdc++6-${a}-cross`,
    `libatomic1-${a}-cross`,
    `libgomp1-${a}-cross`,
    `libc6-${a}-cross`,
    `libc6-dev-${a}-cross`,
    `linux-libc-dev-${a}-cross`,
  ];
  d.more.push({ kind: 'unpack', suite: floor.suite, releaseOnly: rel, arch: buildArch, packages, into: { kind: 'root', dir: '/' } });
  // The names a cross toolchain has without a version, as Debian's gcc-<gnu> package would give.
  d.more.push({
    kind: 'tools',
    tools: ['gcc', 'g++', 'cpp'].map((tool) => ({ name: `${t.gnu}-${tool}`, exec: `/usr/bin/${t.gnu}-${tool}-${m}` })),
  });
  d.libDir = `/usr/${t.gnu}/lib`;
  d.libcReads.push(deb(`libc6-dev-${a}-cross:all`));
  if (withOpenssl) {
    d.more.push(sysrootUnpack(t, floor.suite, rel, ['libssl-dev', floor.opensslRuntime]));
    d.opensslReads.push(deb(`libssl-dev:${a}`));
  }
  d.more.push(...wrappers(t, `-${m}`));
}

/** Debian's multiarch directory of musl for the target: x86_64-linux-musl, arm-linux-musleabihf. */
export function muslTriplet(t: Pick<TargetSpec, 'debArch' | 'gnu'>): string {
  return multiarchTriplet(t).replace(/-gnu(eabi|eabihf)?$/, '-musl$1');
}

/** Where a Debian package of LLVM's libunwind for the target is unpacked (self-contained links). */
export const UNWIND_ROOT = '/usr/local/lib/xcross/unwind';

/**
 * musl-dev for the target and <ccPrefix>-gcc wrappers that compile against it with musl's gcc specs;
 * for a self-contained link, the start files, libc.a and libunwind.a Rust links static programs with.
 */
function planMusl(t: TargetSpec, d: Draft): void {
  const crossPkg = t.gnu.replace(/_/g, '-');
  const pkg = d.native ? 'musl-dev' : `musl-dev:${t.debArch}`;
  if (!d.native) d.apt.addArchs.push(t.debArch);
  d.apt.packages.push(d.native ? 'gcc' : `gcc-${crossPkg}`, pkg);
  d.libcReads.push(deb(pkg));
  d.libDir = `/usr/lib/${muslTriplet(t)}`;
  const specs = `${d.libDir}/musl-gcc.specs`;
  d.more.push({
    kind: 'tools',
    tools: [
      { name: `${t.ccPrefix}-gcc`, exec: `${t.gnu}-gcc -specs ${specs}` },
      {
        name: `${t.ccPrefix}-g++`,
        refuse: `${t.ccPrefix}-g++: Debian has no C++ standard library built for musl, so this image cannot compile C++ for it`,
      },
      { name: `${t.ccPrefix}-ar`, exec: `${t.gnu}-ar` },
    ],
  });
  if (t.link.kind !== 'self-contained') return;
  const u = t.link.unwinder;
  if (u.kind === 'deb')
    d.more.push({
      kind: 'unpack',
      suite: 'base',
      releaseOnly: false,
      arch: t.debArch,
      packages: [u.package],
      into: { kind: 'root', dir: UNWIND_ROOT },
    });
  d.more.push({
    kind: 'self-contained',
    triple: t.triple,
    libDir: d.libDir,
    gcc: t.linker,
    unwind: u.kind === 'deb' ? UNWIND_ROOT : 'libgcc',
    cc: t.cc,
  });
}

/**
 * Bare metal: Debian's arm-none-eabi gcc and newlib, the board emulator (qemu-system-<cpu>, the same
 * qemu as the base's qemu-user) and Debian's lld as rust-lld, the linker rustc names for these targets
 * (a wrapper: lld reads the `-flavor gnu` rustc passes first, whatever its own name).
 */
function planNewlib(t: TargetSpec, d: Draft): void {
  if (t.runner.kind !== 'qemu-system') throw new Error(`${t.triple}: newlib targets run under qemu-system`);
  const llvm = t.pins.lld!.split('.')[0];
  d.apt.packages.push(`gcc-${t.gnu}`, `libnewlib-${t.gnu}`, t.runner.binary, `lld-${llvm}`);
  // gcc and newlib come with every Arm multilib (760 MB); only the M-profile ones serve thumb*-none-eabi*.
  for (const dir of [`/usr/lib/${t.gnu}/newlib`, `/usr/lib/gcc/${t.gnu}/*`])
    d.apt.exclude.push(...NOT_M_PROFILE.map((m) => `${dir}/${m}`));
  d.more.push({ kind: 'tools', tools: [{ name: 'rust-lld', exec: `/usr/lib/llvm-${llvm}/bin/lld` }] });
  d.libDir = `/usr/lib/${t.gnu}/newlib`;
  d.libcReads.push(deb(`libnewlib-${t.gnu}`));
}

/** The multilib folders of Debian's arm-none-eabi gcc and newlib for A- and R-profile and Arm-state code. */
const NOT_M_PROFILE = ['arm/*', 'thumb/nofp/*', 'thumb/v7/*', 'thumb/v7+fp/*', 'thumb/v7-r*', 'thumb/v7-a*', 'thumb/v7ve*', 'thumb/v8-a*'];

/** The wine loader of a Windows target's programs: wine64's, or (32-bit programs) wine32's. */
export function wineLoader(bits: 32 | 64): string {
  return bits === 64 ? '/usr/lib/wine/wine64' : '/usr/lib/wine/wine';
}

/**
 * mingw-w64 (win32 threads) and, on an x86_64 build host, wine: wine64 for 64-bit programs, Debian's
 * i386 build of wine (wine32:i386, multiarch) for 32-bit ones, which makes a 32-bit prefix.
 */
function planMingw(t: TargetSpec, d: Draft, buildArch: string): void {
  const bits = mingwBits(t);
  d.apt.packages.push(`gcc-mingw-w64-${bits}-win32`, `g++-mingw-w64-${bits}-win32`);
  if (buildArch === 'amd64' && t.runner.kind === 'wine') {
    if (t.runner.bits === 64) d.apt.packages.push('wine64');
    else {
      d.apt.addArchs.push('i386');
      d.apt.packages.push('wine32:i386');
    }
  }
  d.libDir = `/usr/${t.gnu}/lib`;
  d.libcReads.push(deb(`mingw-w64-${bits}-dev`));
  // Debian's mingw-w64 gcc calls its version "12-win32": read the package's.
  d.gccRead = deb(`gcc-mingw-w64-${bits}-win32`);
}

function planStd(t: TargetSpec, d: Draft): void {
  const pkg = `${t.rust.stdPackage}:${t.debArch}`;
  switch (t.std.kind) {
    case 'deb':
      // The host's own std comes with the compiler; another architecture's is its multiarch package,
      // which drags in that architecture's rustc driver and LLVM (230 MB for arm64) that nothing
      // runs in a cross image: dpkg leaves those two out.
      if (!d.native) {
        d.apt.packages.push(pkg);
        d.apt.exclude.push(`${d.libDir}/librustc_driver-*`, `${d.libDir}/libLLVM*`);
        d.stdReads.push(deb(pkg));
      }
      break;
    case 'deb-suite':
      if (!d.native) {
        d.more.push({ kind: 'unpack', suite: t.std.suite, releaseOnly: false, arch: t.debArch, packages: [t.rust.stdPackage], into: { kind: 'rustlib' } });
        d.stdReads.push(deb(pkg));
      }
      break;
    case 'build':
      // The std layer below this one records the rustc that built it.
      d.stdReads.push(command(`cat ${rustlib(t.triple)}/xcross-std`));
      break;
    case 'host':
      break;
  }
}

/** <ccPrefix>-gcc, -g++, -ar running the installed <gnu> tools with the target's flags (i586 on i686). */
function wrappers(t: TargetSpec, suffix: string): Step[] {
  if (t.ccPrefix === t.gnu) return [];
  const flags = t.ccFlags.length ? ` ${t.ccFlags.join(' ')}` : '';
  const tools: Tool[] = [
    { name: `${t.ccPrefix}-gcc${suffix}`, exec: `${t.gnu}-gcc${suffix}${flags}` },
    { name: `${t.ccPrefix}-g++${suffix}`, exec: `${t.gnu}-g++${suffix}${flags}` },
  ];
  if (!suffix) tools.push({ name: `${t.ccPrefix}-ar`, exec: `${t.gnu}-ar` });
  return [{ kind: 'tools', tools }];
}

function pinChecks(t: TargetSpec, d: Draft, wine: boolean): PinCheck[] {
  if (t.runner.kind === 'image') throw new Error(`${t.triple}: a target without a row has no image plan`);
  const qemu = t.runner.kind === 'wine' ? 'qemu-x86_64-static' : t.runner.binary;
  const reads: Record<string, PinRead[]> = {
    gcc: [d.gccRead ?? command(`${t.cc} -dumpfullversion`)],
    libc: d.libcReads,
    openssl: d.opensslReads,
    qemu: [command(`${qemu} --version`)],
    rustc: imageHasStd(t)
      ? [command('rustc --version'), ...d.stdReads]
      : [absent(`${rustlib(t.triple)}/lib/libstd-*`)],
    // No wine on other build hosts: programs for the target cannot run there, and the pin is not read.
    wine: wine && t.runner.kind === 'wine' ? [command(`${wineLoader(t.runner.bits)} --version`)] : [],
    unwinder:
      t.link.kind === 'self-contained' && t.link.unwinder.kind === 'deb'
        ? [deb(`${t.link.unwinder.package}:${t.debArch}`)]
        : [],
    lld: t.link.kind === 'rust-lld' ? [command('rust-lld -flavor gnu --version')] : [],
    glibcxx: [newestSymbolVersion(t.cxx, 'GLIBCXX')],
    cxxabi: [newestSymbolVersion(t.cxx, 'CXXABI')],
  };
  return targetPins(t).map((p) => ({ ...p, reads: reads[p.name] }));
}

/** What cargo, the cc crate, pkg-config, qemu and xcross-runner find in the image's environment. */
function targetEnv(t: TargetSpec, pkgConfigDir: string): Record<string, string> {
  // As cargo spells its variables (thumbv8m.main: THUMBV8M_MAIN), and names a shell can expand.
  const upper = t.triple.replace(/[-.]/g, '_').toUpperCase();
  const lower = t.triple.replace(/[-.]/g, '_');
  const pc = `${pkgConfigDir}:/usr/share/pkgconfig`;
  const qemu = t.runner.kind === 'qemu-user' ? t.runner : undefined;
  const board = t.runner.kind === 'qemu-system' ? t.runner : undefined;
  return {
    // rust-lld is rustc's own choice for the target: left unset, a crate's own linker settings still apply.
    ...(t.link.kind === 'rust-lld' ? {} : { [`CARGO_TARGET_${upper}_LINKER`]: t.linker }),
    [`CARGO_TARGET_${upper}_RUNNER`]: 'xcross-runner',
    [`CC_${lower}`]: t.cc,
    [`CXX_${lower}`]: t.cxx,
    [`AR_${lower}`]: t.ar,
    [`PKG_CONFIG_PATH_${lower}`]: pc,
    [`PKG_CONFIG_LIBDIR_${lower}`]: pc,
    [`PKG_CONFIG_ALLOW_CROSS_${lower}`]: '1',
    QEMU_LD_PREFIX: qemu?.ldPrefix ?? '/',
    XCROSS_TARGET: t.triple,
    XCROSS_RUNNER: t.runner.kind,
    XCROSS_QEMU: qemu?.binary ?? board?.binary ?? '',
    XCROSS_NATIVE_ON: qemu?.nativeOn.join(' ') ?? '',
    ...(board ? { XCROSS_MACHINE: board.machine, XCROSS_QEMU_CPU: board.cpu } : {}),
    ...(t.runner.kind === 'wine' ? { XCROSS_WINE: wineLoader(t.runner.bits) } : {}),
  };
}
