// What one target's image layer installs, decided here from the registry row and the architecture of
// the machine that builds (and runs) the image, so that images/Containerfile.target only executes it
// and unit tests can check the plan for any build host (an arm64 one included) without building.
import type { TargetSpec } from '../targets/registry';
import type { GlibcFloor } from '../targets/glibc-floor';

/** .debs downloaded from a Debian suite and unpacked, not installed (no Multi-Arch constraints). */
export interface Unpack {
  suite: string;
  /** The suite's point release only (xcross-deb-unpack --release-only). */
  releaseOnly?: boolean;
  arch: string;
  packages: string[];
}

export interface TargetImagePlan {
  /** The Debian architecture of the build host, which is also the image's own. */
  buildArch: string;
  /** The target is the build host's own architecture: native packages, no cross compiler. */
  native: boolean;
  addArchs: string[];
  aptPackages: string[];
  /** dpkg path-exclude patterns while the target's packages are installed. */
  excludePaths: string[];
  /** Libraries unpacked into `sysrootDir` (/usr/<gnu>), the cross compiler's own root. */
  sysroot?: Unpack & { dir: string };
  /**
   * A glibc floor's compiler and libraries unpacked as they are under `dir`: "/" for a cross compiler
   * (its libraries live in /usr/<gnu>), a directory of their own for the build host's own architecture,
   * whose compiler then runs with --sysroot there (the base suite's libc stays the system's).
   */
  rootUnpack?: Unpack & { dir: string };
  /** Commands made in /usr/local/bin: name -> the command line it runs (arguments follow). */
  tools: Record<string, string>;
  /** Shared libraries of the target found by the dynamic loader too (a floor's OpenSSL, run natively). */
  runtimeLibs: string[];
  /** The Rust std unpacked into the compiler's sysroot (lib/rustlib/<triple>). */
  std?: Unpack;
  /** `<ccPrefix>-gcc` wrappers compile with `<gnu>-gcc -specs <muslSpecs>`. */
  muslSpecs?: string;
  /** Whether the image gets wine and a prefix (only an x86_64 build host can run x86_64 Windows code). */
  wine: boolean;
  /** Where the target's libraries are: /usr/lib/<multiarch triplet>, the cross root's lib, musl's. */
  libDir: string;
  pkgConfigDir: string;
  /** For verify-pins.sh: where each pinned version is read from ("name:arch" packages). */
  libcFrom: string[];
  opensslFrom: string[];
  stdFrom: string[];
}

/** Debian's multiarch directory name: the GNU triplet, but i386's compiler is i686-linux-gnu. */
export function multiarchTriplet(t: Pick<TargetSpec, 'debArch' | 'gnu'>): string {
  return t.debArch === 'i386' ? t.gnu.replace(/^i[3-6]86-/, 'i386-') : t.gnu;
}

export function planTargetImage(t: TargetSpec, buildArch: string): TargetImagePlan {
  const native = t.debArch === buildArch && t.libs !== 'mingw';
  // Debian's cross packages spell the GNU triplet with dashes: gcc-x86-64-linux-gnu.
  const crossPkg = t.gnu.replace(/_/g, '-');
  const multiarchDir = `/usr/lib/${multiarchTriplet(t)}`;
  const plan: TargetImagePlan = {
    buildArch, native, addArchs: [], aptPackages: [], excludePaths: [], wine: false, tools: {}, runtimeLibs: [],
    libDir: multiarchDir, pkgConfigDir: '', libcFrom: [], opensslFrom: [], stdFrom: [],
  };
  const arch = (p: string) => `${p}:${t.debArch}`;
  const compilers = native ? ['gcc', 'g++'] : [`gcc-${crossPkg}`, `g++-${crossPkg}`];
  // The build host's own architecture needs no cross compiler and no sysroot: its libraries install
  // natively, whether the target is multiarch or sysroot elsewhere.
  const floor = t.glibc && !t.glibc.isDefault ? t.glibc : undefined;
  const layout = floor ? 'floor' : native && (t.libs === 'multiarch' || t.libs === 'sysroot') ? 'native' : t.libs;
  switch (layout) {
    case 'floor':
      planFloor(t, floor!, plan, crossPkg);
      break;
    case 'native':
      plan.aptPackages.push(...compilers, 'libc6-dev');
      plan.libcFrom.push('libc6');
      if (t.pins.openssl !== 'none') {
        plan.aptPackages.push('libssl-dev');
        plan.opensslFrom.push('libssl-dev');
      }
      break;
    case 'multiarch':
      plan.addArchs.push(t.debArch);
      plan.aptPackages.push(...compilers, arch('libc6-dev'));
      plan.libcFrom.push(arch('libc6'), `libc6-dev-${t.debArch}-cross`);
      if (t.pins.openssl !== 'none') {
        plan.aptPackages.push(arch('libssl-dev'));
        plan.opensslFrom.push(arch('libssl-dev'));
      }
      break;
    case 'sysroot':
      // Without recommends, gcc-<gnu> leaves its libc out ("cannot find Scrt1.o"): name it.
      plan.aptPackages.push(...compilers, `libc6-dev-${t.debArch}-cross`);
      plan.libcFrom.push(`libc6-dev-${t.debArch}-cross`);
      plan.libDir = `/usr/${t.gnu}/lib`;
      if (t.pins.openssl !== 'none') {
        plan.sysroot = { suite: 'base', arch: t.debArch, packages: ['libssl-dev', t.glibc?.opensslRuntime ?? 'libssl3'], dir: `/usr/${t.gnu}` };
        plan.opensslFrom.push(arch('libssl-dev'));
      }
      break;
    case 'musl':
      if (!native) plan.addArchs.push(t.debArch);
      plan.aptPackages.push(native ? 'gcc' : `gcc-${crossPkg}`, native ? 'musl-dev' : arch('musl-dev'));
      plan.libcFrom.push(native ? 'musl-dev' : arch('musl-dev'));
      plan.libDir = multiarchDir.replace(/-gnu$/, '-musl');
      plan.muslSpecs = `${plan.libDir}/musl-gcc.specs`;
      break;
    case 'mingw':
      plan.libDir = `/usr/${t.gnu}/lib`;
      plan.libcFrom.push(`mingw-w64-${t.debArch === 'i386' ? 'i686' : 'x86-64'}-dev`);
      plan.wine = t.runner === 'wine' && buildArch === 'amd64';
      if (plan.wine) plan.aptPackages.push('wine64');
      break;
  }
  plan.aptPackages.push(...t.packages);
  plan.pkgConfigDir = `${plan.libDir}/pkgconfig`;
  switch (t.std.kind) {
    case 'multiarch':
      // The host's own std comes with the compiler; another architecture's is its multiarch package,
      // which drags in that architecture's rustc driver and LLVM (230 MB for arm64) that nothing
      // runs in a cross image: dpkg leaves those two out.
      if (!native) {
        plan.aptPackages.push(arch(t.toolchain.stdPackage));
        plan.stdFrom.push(arch(t.toolchain.stdPackage));
        plan.excludePaths.push(`${multiarchDir}/librustc_driver-*`, `${multiarchDir}/libLLVM*`);
      }
      break;
    case 'suite':
      if (!native) {
        plan.std = { suite: t.std.suite, arch: t.debArch, packages: [t.toolchain.stdPackage] };
        plan.stdFrom.push(arch(t.toolchain.stdPackage));
      }
      break;
    case 'packages':
      plan.stdFrom.push(...t.packages.filter((p) => /^libstd-rust/.test(p)));
      break;
    case 'host':
      break;
  }
  return plan;
}

/**
 * A glibc floor: the floor suite's gcc, C library, libstdc++, libgcc and OpenSSL, unpacked (dpkg would
 * refuse an older libc6-dev beside the base suite's, and must not replace the system's libc). The
 * base suite's binutils assemble and link for it: newer binutils add no symbol version needs.
 */
function planFloor(t: TargetSpec, floor: GlibcFloor, plan: TargetImagePlan, crossPkg: string): void {
  const m = floor.gcc!.split('.')[0];
  const compilers = (prefix: string) => [`gcc-${m}${prefix}`, `cpp-${m}${prefix}`, `g++-${m}${prefix}`];
  if (plan.native) {
    // No cross compiler targets the build host's own architecture: the floor suite's native gcc runs
    // from a root of its own, with --sysroot pointing there.
    const dir = `/opt/xcross/glibc-${floor.version}`;
    const triplet = multiarchTriplet(t);
    plan.rootUnpack = {
      suite: floor.suite, releaseOnly: floor.releaseOnly, arch: plan.buildArch, dir,
      packages: [...compilers(''), `libgcc-${m}-dev`, `libstdc++-${m}-dev`, 'libgcc-s1', 'libstdc++6', 'libatomic1', 'libgomp1',
        'libc6', 'libc6-dev', 'linux-libc-dev', 'libcrypt1', 'libcrypt-dev',
        ...(t.pins.openssl !== 'none' ? ['libssl-dev', floor.opensslRuntime] : [])],
    };
    for (const tool of ['gcc', 'g++', 'cpp']) plan.tools[`${t.gnu}-${tool}-${m}`] = `${dir}/usr/bin/${t.gnu}-${tool}-${m} --sysroot=${dir}`;
    plan.libDir = `${dir}/usr/lib/${triplet}`;
    plan.libcFrom.push(`libc6:${t.debArch}`, `libc6-dev:${t.debArch}`);
    if (t.pins.openssl !== 'none') {
      plan.opensslFrom.push(`libssl-dev:${t.debArch}`);
      // Programs run natively on the image's own (newer) libc, but only the floor has OpenSSL 1.1.
      plan.runtimeLibs.push(`${plan.libDir}/libssl.so.*`, `${plan.libDir}/libcrypto.so.*`);
    }
    return;
  }
  const a = t.debArch;
  plan.aptPackages.push(`binutils-${crossPkg}`);
  plan.rootUnpack = {
    suite: floor.suite, releaseOnly: floor.releaseOnly, arch: plan.buildArch, dir: '/',
    packages: [...compilers(`-${crossPkg}`), `libgcc-${m}-dev-${a}-cross`, `libstdc++-${m}-dev-${a}-cross`, `libgcc-s1-${a}-cross`,
      `libstdc++6-${a}-cross`, `libatomic1-${a}-cross`, `libgomp1-${a}-cross`, `libc6-${a}-cross`, `libc6-dev-${a}-cross`, `linux-libc-dev-${a}-cross`],
  };
  // The names a cross toolchain has without a version, as Debian's gcc-<gnu> package would give.
  for (const tool of ['gcc', 'g++', 'cpp']) plan.tools[`${t.gnu}-${tool}`] = `/usr/bin/${t.gnu}-${tool}-${m}`;
  plan.libDir = `/usr/${t.gnu}/lib`;
  plan.libcFrom.push(`libc6-dev-${a}-cross:all`);
  if (t.pins.openssl !== 'none') {
    plan.sysroot = { suite: floor.suite, releaseOnly: floor.releaseOnly, arch: a, packages: ['libssl-dev', floor.opensslRuntime], dir: `/usr/${t.gnu}` };
    plan.opensslFrom.push(`libssl-dev:${a}`);
  }
}
