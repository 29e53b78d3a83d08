// What the image Containerfiles are given: everything comes from the registry and the target's plan.
import type { TargetSpec, ToolchainSpec } from '../targets/registry';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { multiarchTriplet, type TargetImagePlan } from './target-plan';

/** The label of an image that carries the compile cache's sccache (and xcross-compile-cache), with its version. */
export const SCCACHE_LABEL = 'io.xcross.toolchain-sccache';

export function toolchainBuildArgs(tc: ToolchainSpec, baseImage: string): Record<string, string> {
  return { BASE_IMAGE: baseImage, RUST_PACKAGES: tc.packages.join(' '), PIN_RUSTC: tc.rustc, PIN_SCCACHE: tc.sccache ?? '' };
}

export function toolchainLabels(tc: ToolchainSpec): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    'io.xcross.toolchain': tc.name,
    'io.xcross.toolchain-rustc': tc.rustc,
    ...(tc.sccache ? { [SCCACHE_LABEL]: tc.sccache } : {}),
  };
}

export function targetBuildArgs(t: TargetSpec, plan: TargetImagePlan, toolchainImage: string): Record<string, string> {
  const words = (xs: string[]) => xs.join(' ');
  return {
    BASE_IMAGE: toolchainImage,
    TRIPLE: t.triple,
    // A Containerfile cannot change case; cargo's and the cc crate's variable names need these spellings.
    TRIPLE_UNDERSCORE: t.triple.replace(/-/g, '_'),
    TRIPLE_UPPER: t.triple.replace(/-/g, '_').toUpperCase(),
    GNU: t.gnu,
    CC_PREFIX: t.ccPrefix,
    TARGET_LINKER: t.linker,
    TARGET_CC: t.cc,
    TARGET_CXX: t.cxx,
    TARGET_AR: t.ar,
    ADD_ARCHS: words(plan.addArchs),
    APT_PACKAGES: words(plan.aptPackages),
    EXCLUDE_PATHS: words(plan.excludePaths),
    SYSROOT_DIR: plan.sysroot?.dir ?? '',
    SYSROOT_SUITE: plan.sysroot?.suite ?? '',
    SYSROOT_OPTS: plan.sysroot?.releaseOnly ? '--release-only' : '',
    SYSROOT_ARCH: plan.sysroot?.arch ?? '',
    SYSROOT_MULTIARCH: plan.sysroot ? multiarchTriplet(t) : '',
    SYSROOT_PACKAGES: words(plan.sysroot?.packages ?? []),
    ROOT_DIR: plan.rootUnpack?.dir ?? '',
    ROOT_SUITE: plan.rootUnpack?.suite ?? '',
    ROOT_OPTS: plan.rootUnpack?.releaseOnly ? '--release-only' : '',
    ROOT_ARCH: plan.rootUnpack?.arch ?? '',
    ROOT_PACKAGES: words(plan.rootUnpack?.packages ?? []),
    TOOLS: Object.entries(plan.tools).map(([name, cmd]) => `${name}=${cmd}`).join(';'),
    RUNTIME_LIBS: words(plan.runtimeLibs),
    STD_SUITE: plan.std?.suite ?? '',
    STD_ARCH: plan.std?.arch ?? '',
    STD_PACKAGES: words(plan.std?.packages ?? []),
    MUSL_SPECS: plan.muslSpecs ?? '',
    WINE: plan.wine ? '1' : '0',
    RUNNER: t.runner,
    QEMU_BINARY: t.qemuBinary ?? '',
    QEMU_LD_PREFIX: t.qemuLdPrefix,
    NATIVE_ON: words(t.nativeOn),
    LIB_DIR: plan.libDir,
    PKG_CONFIG_DIR: plan.pkgConfigDir,
    RUST_STD: t.rustStd ? '1' : '0',
    LIBC_FROM: words(plan.libcFrom),
    OPENSSL_FROM: words(plan.opensslFrom),
    STD_FROM: words(plan.stdFrom),
    PIN_GCC: t.pins.gcc,
    PIN_LIBC: t.pins.libc,
    PIN_OPENSSL: t.pins.openssl,
    PIN_QEMU: t.pins.qemu,
    PIN_RUSTC: t.pins.rustc,
    PIN_WINE: t.pins.wine ?? 'none',
    PIN_GLIBCXX: t.glibc?.glibcxx ?? 'none',
    PIN_CXXABI: t.glibc?.cxxabi ?? 'none',
  };
}

/** The image's labels; verify-pins.sh has failed the build unless they are what was installed. */
export function targetLabels(t: TargetSpec): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    'io.xcross.target': t.triple,
    'io.xcross.gcc': t.pins.gcc,
    'io.xcross.libc': t.pins.libc,
    'io.xcross.openssl': t.pins.openssl,
    'io.xcross.qemu': t.pins.qemu,
    'io.xcross.rustc': t.rustStd ? t.pins.rustc : 'none',
    ...(t.pins.wine ? { 'io.xcross.wine': t.pins.wine } : {}),
    'io.xcross.libc-name': t.libcName,
    ...(t.glibc ? { 'io.xcross.glibcxx': t.glibc.glibcxx, 'io.xcross.cxxabi': t.glibc.cxxabi } : {}),
  };
}
