// What the target Containerfile is given: everything comes from the registry entry.
import type { TargetSpec } from '../targets/registry';
import { MANAGED_LABEL } from '../../runtimes/spec';

export function targetBuildArgs(t: TargetSpec, baseImage: string): Record<string, string> {
  return {
    BASE_IMAGE: baseImage,
    TRIPLE: t.triple,
    // A Containerfile cannot change case; cargo's and the cc crate's variable names need these spellings.
    TRIPLE_UNDERSCORE: t.triple.replace(/-/g, '_'),
    TRIPLE_UPPER: t.triple.replace(/-/g, '_').toUpperCase(),
    DEB_ARCH: t.debArch,
    GNU: t.gnu,
    QEMU_BINARY: t.qemuBinary,
    QEMU_LD_PREFIX: t.qemuLdPrefix,
    MULTIARCH: t.multiarch ? '1' : '0',
    RUST_STD: t.rustStd ? '1' : '0',
    PIN_GCC: t.pins.gcc,
    PIN_LIBC: t.pins.libc,
    PIN_OPENSSL: t.pins.openssl,
    PIN_QEMU: t.pins.qemu,
    PIN_RUSTC: t.pins.rustc,
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
  };
}
