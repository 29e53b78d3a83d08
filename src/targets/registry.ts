// The target registry: images/targets.toml parsed (parse-registry.ts) into typed TargetSpecs, the only
// list of triples. Each axis of a target (C library, std, OpenSSL, runner, linker) is one union, so
// that code asks what kind a target has instead of comparing words.
import { XcrossError } from '../base/errors';
import { REGISTRY_FILE } from '../base/package-root';
import { parseTomlFile } from '../config/toml';
import { quoted } from '../ui/quote';
import { nearest } from './nearest';
import type { GlibcFloor } from './glibc-floor';
import { parseRegistry } from './parse-registry';

/** Pinned upstream versions: the image build verifies each, and each becomes an io.xcross.* label. */
export interface Pins {
  gcc: string;
  libc: string;
  /** A version, or "none": the target has no OpenSSL (the build proves its absence). */
  openssl: string;
  qemu: string;
  rustc: string;
  /** Only for targets whose programs run under wine. */
  wine?: string;
  /** Only for self-contained links whose unwinder is a Debian package (LLVM's libunwind): its version. */
  unwinder?: string;
  /** Only for targets linked by rust-lld (Debian's lld): its version. */
  lld?: string;
}

export interface BaseSpec {
  suite: string;
  registry: string;
  offline: string;
  offlineTarball: string;
  imagePrefix: string;
  qemu: string;
}

/** The Rust compiler every image carries, installed on the base with apt: the image layer `rust-<name>`. */
export interface RustSpec {
  name: string;
  packages: string[];
  /** Debian's package of this compiler's std for another architecture (`<stdPackage>:<deb-arch>`). */
  stdPackage: string;
  /** Debian's package of this compiler's std sources, with their dependencies vendored. */
  srcPackage: string;
  rustc: string;
  /** Debian's sccache for the compile cache, its pinned version; none: this toolchain has no compile cache. */
  sccache?: string;
}

/** What every target for one CPU shares; `name` is qemu's (qemu-<name>-static). */
export interface Cpu {
  name: string;
  /** Rust's std::env::consts::ARCH. */
  rustArch: string;
  elf: { machine: number; bits: 32 | 64; endian: 'little' | 'big' };
  /** OpenSSL's Configure target, for images that build OpenSSL. */
  opensslConfigure: string;
}

/** The target's C library, and (glibc) how it gets into the image: see images/targets.toml. */
export type Libc =
  | { kind: 'glibc'; layout: 'multiarch' | 'sysroot' }
  | { kind: 'musl' }
  | { kind: 'mingw-w64' }
  /** Bare metal: newlib for C (Debian's libnewlib-<gnu>); Rust programs are no_std. */
  | { kind: 'newlib' };
export type LibcName = Libc['kind'];

/** Where the image's Rust std for the target comes from. */
export type StdSource =
  { kind: 'deb' } | { kind: 'deb-suite'; suite: string } | { kind: 'build'; crates: string[] } | { kind: 'host' };

export type OpensslSource = { kind: 'deb' } | { kind: 'source' } | { kind: 'none' };

/**
 * Where the unwinder of a self-contained link (libunwind.a) comes from: a Debian package of LLVM's
 * libunwind for the target's architecture (unpacked), or the cross compiler's own libgcc_eh.a (ARM's
 * EHABI unwinder, which asks nothing of glibc).
 */
export type Unwinder = { kind: 'deb'; package: string } | { kind: 'libgcc' };

/**
 * What links Rust programs: the target's C compiler (`cc`), or (`self-contained`) the installed
 * <gnu>-gcc with Rust's own start files, C library and unwinder from lib/rustlib/<triple>/lib/self-contained,
 * as rustup's musl std carries them and the image assembles them (static programs, crt-static); or
 * (`rust-lld`) rustc's own default for the target, which the image provides as Debian's lld: nothing
 * is set, so a crate links as it would with rustup (its own -Tlink.x and all).
 */
export type Link = { kind: 'cc' } | { kind: 'self-contained'; unwinder: Unwinder } | { kind: 'rust-lld' };

/** How `xcross run` and `xcross test` start the target's programs. */
export type Runner =
  | {
      kind: 'qemu-user';
      /** qemu-<cpu>-static. */
      binary: string;
      /** Where qemu loads ld.so and libc from: "/" for multiarch libraries, /usr/<gnu> for a sysroot. */
      ldPrefix: string;
      /** `uname -m` values of hosts that run the programs without an emulator (the cpu's own first). */
      nativeOn: string[];
    }
  | { kind: 'wine'; bits: 32 | 64 }
  | {
      kind: 'qemu-system';
      /** qemu-system-<cpu>. */
      binary: string;
      /** The default board (-machine); Cross.toml or XCROSS_TARGET_<T>_MACHINE picks another. */
      machine: string;
      /** qemu's -cpu for the target, whatever the board. */
      cpu: string;
    }
  /** A target xcross has no row for, in the user's image: its programs run as that image (or
   * Cross.toml's runner) sets CARGO_TARGET_<T>_RUNNER, as cargo runs them anywhere. */
  | { kind: 'image' };
export type RunnerKind = Runner['kind'];

export interface TargetSpec {
  triple: string;
  family: string;
  cpu: Cpu;
  debArch: string;
  /** GNU prefix of the compiler that is installed (aarch64-linux-gnu: aarch64-linux-gnu-gcc). */
  gnu: string;
  /** Prefix of the tools the image offers for the target (wrappers); usually `gnu`. */
  ccPrefix: string;
  /** Flags the `ccPrefix` wrappers add (i586 code from the i686 compiler). */
  ccFlags: string[];
  /** The command that links Rust programs (CARGO_TARGET_<T>_LINKER, unless rustc's default), and how it links them. */
  linker: string;
  link: Link;
  cc: string;
  cxx: string;
  ar: string;
  libc: Libc;
  std: StdSource;
  openssl: OpensslSource;
  runner: Runner;
  /** Whether `rustup target add` can give a host toolchain the std (false for tier 3 targets). */
  rustupStd: boolean;
  rust: RustSpec;
  /** Extra apt packages for the target. */
  packages: string[];
  /** Image name without tag; the tag comes from the image's inputs (src/images/tag.ts). */
  imageName: string;
  pins: Pins;
  /** The glibc floor this image is for (glibc targets only); see withFloor. */
  glibc?: GlibcFloor;
  /** The floors the target offers, oldest first (empty without glibc). */
  glibcFloors: string[];
  /** Not a row of the registry: a triple rustc knows, in the image Cross.toml names (custom-target.ts). */
  custom?: { via: 'image' | 'dockerfile' | 'pre-build' };
}

export interface Registry {
  base: BaseSpec;
  rust: RustSpec;
  floors: GlibcFloor[];
  targets: TargetSpec[];
  /** The targets `npm test` proves end to end (the rest: `npm run test:targets`). */
  ciTargets: string[];
}

export function loadRegistry(file = REGISTRY_FILE): Registry {
  return parseRegistry(parseTomlFile(file), file);
}

/** Whether the image's rustc builds for the target (its std is in the image). */
export function imageHasStd(t: TargetSpec): boolean {
  return t.std.kind !== 'host';
}

export function findTarget(registry: Registry, triple: string): TargetSpec {
  const spec = registry.targets.find((t) => t.triple === triple);
  if (spec) return spec;
  const hint = nearest(
    triple,
    registry.targets.map((t) => t.triple),
  );
  throw new XcrossError(`unknown target ${quoted(triple)}: xcross has no image for it`, {
    fix: hint
      ? `did you mean '${hint}'? (\`xcross targets\` lists them all)`
      : 'run `xcross targets` to see the supported triples',
  });
}

/** Whether a host whose CPU `uname -m` calls `cpu` may run the target's programs without an emulator. */
export function runsNatively(t: TargetSpec, cpu: string): boolean {
  return t.runner.kind === 'qemu-user' && t.runner.nativeOn.includes(cpu);
}

/** The qemu-user binary of a target, or undefined when its programs do not run under qemu-user. */
export function qemuBinary(t: TargetSpec): string | undefined {
  return t.runner.kind === 'qemu-user' ? t.runner.binary : undefined;
}
