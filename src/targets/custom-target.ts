// A triple the registry lacks, built in an image the user names in Cross.toml (image, dockerfile or
// pre-build): its C toolchain and runner are the image's, its std the image's or Cross.toml's
// build-std. xcross then plans a build as for any target, from what it can know without a row: the
// triple, and the Rust toolchain its images share (a dockerfile or pre-build is built FROM that
// toolchain's image, which has rustc, the std sources for build-std, qemu-user and xcross-runner).
// A glibc floor, the ELF checks and xcross's own runner need a row: they do not apply here.
import { XcrossError } from '../base/errors';
import { imageSource, type TargetOptions } from '../config/cross-options';
import { quoted } from '../ui/quote';
import { findTarget, type Registry, type TargetSpec } from './registry';

/** rustc's shape of a triple: arch-vendor-os[-env], lower case (thumbv8m.main has a dot). */
const TRIPLE = /^[a-z0-9_.]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?$/;

/** The registry's target, or a custom one when Cross.toml gives the triple an image; else findTarget's error. */
export function resolveTarget(registry: Registry, triple: string, options: TargetOptions): TargetSpec {
  const row = registry.targets.find((t) => t.triple === triple);
  if (row) return row;
  const via = imageSource(options);
  if (via === undefined) {
    try {
      return findTarget(registry, triple);
    } catch (e) {
      if (e instanceof XcrossError && TRIPLE.test(triple))
        throw new XcrossError(e.message, {
          fix: `${e.fix}; a triple rustc knows and xcross lacks builds in an image of yours: [target.${triple}] dockerfile = "..." in Cross.toml (FROM $CROSS_BASE_IMAGE, adding its C compiler) and build-std = true`,
        });
      throw e;
    }
  }
  if (!TRIPLE.test(triple))
    throw new XcrossError(`${quoted(triple)} is not a target triple (arch-vendor-os or arch-vendor-os-env)`, {
      fix: "name one of rustc's targets (`rustc --print target-list`)",
    });
  return customTarget(registry, triple, via);
}

/**
 * What xcross plans with for a triple without a row. The CPU is that of a row for the same arch when
 * there is one (nothing at run time reads it; image plans and tests do); the tool names are the
 * conventional <arch>-linux-<env> ones, for messages only: the image's own CARGO_TARGET_<T>_LINKER,
 * CC_<triple> and runner variables are what cargo uses.
 */
export function customTarget(
  registry: Registry,
  triple: string,
  via: 'image' | 'dockerfile' | 'pre-build',
): TargetSpec {
  const [arch, , os, env = ''] = triple.split('-');
  const sibling = registry.targets.find((t) => t.triple.split('-')[0] === arch);
  const gnu = `${arch}-${os}${env ? `-${env}` : ''}`;
  return {
    triple,
    family: 'custom',
    cpu: sibling?.cpu ?? {
      name: arch,
      rustArch: arch,
      elf: { machine: 0, bits: 64, endian: 'little' },
      opensslConfigure: '',
    },
    debArch: '',
    gnu,
    ccPrefix: gnu,
    ccFlags: [],
    linker: `${gnu}-gcc`,
    link: { kind: 'cc' },
    cc: `${gnu}-gcc`,
    cxx: `${gnu}-g++`,
    ar: `${gnu}-ar`,
    libc: env.startsWith('musl')
      ? { kind: 'musl' }
      : env.startsWith('gnu')
        ? { kind: 'glibc', layout: 'sysroot' }
        : { kind: 'newlib' },
    // The image's std, or the one build-std makes from the image's sources at run time.
    std: { kind: 'build', crates: [] },
    openssl: { kind: 'none' },
    runner: { kind: 'image' },
    rustupStd: true,
    rust: registry.rust,
    packages: [],
    imageName: `${registry.base.imagePrefix}/custom-${triple}`,
    pins: { gcc: 'unknown', libc: 'unknown', openssl: 'none', qemu: registry.base.qemu, rustc: registry.rust.rustc },
    glibcFloors: [],
    custom: { via },
  };
}
