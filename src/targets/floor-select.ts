// From a target and the glibc floor asked for to the TargetSpec whose image gives that floor.
import { XcrossError } from '../base/errors';
import type { GlibcFloor } from './glibc-floor';
import type { Registry, TargetSpec } from './registry';

export interface FloorRequest {
  version: string;
  /** Where it was asked, for messages: "the command line", "XCROSS_GLIBC", ... */
  from: string;
  /** Asked for this target (a flag, a per-target key): an error where it cannot apply, else a warning. */
  explicit: boolean;
}

export function targetForFloor(
  registry: Registry,
  t: TargetSpec,
  asked: FloorRequest | undefined,
  warn: (m: string) => void,
): TargetSpec {
  if (asked === undefined) return t;
  if (t.glibc === undefined) {
    const why = `${t.triple} links against ${t.libc.kind}, not glibc, so a glibc floor does not apply`;
    if (!asked.explicit) {
      warn(`${why}: glibc ${asked.version} from ${asked.from} ignored`);
      return t;
    }
    throw new XcrossError(`${why} (glibc ${asked.version} from ${asked.from})`, {
      fix:
        t.libc.kind === 'musl'
          ? 'drop the floor: musl programs are static and start on any Linux'
          : 'drop the floor for this target',
    });
  }
  const floor = registry.floors.find((f) => f.version === asked.version);
  const offered = registry.floors
    .map((f) => `${f.version} (Debian ${f.suite}${f.isDefault ? ', the default' : ''})`)
    .join(', ');
  if (floor === undefined) {
    throw new XcrossError(`there is no glibc ${asked.version} floor (from ${asked.from}): xcross offers ${offered}`, {
      fix: `pick one of those; \`xcross targets\` shows the floors of each target`,
    });
  }
  if (floor.isDefault) return t;
  if (!t.glibcFloors.includes(floor.version)) {
    throw new XcrossError(
      `${t.triple} has no glibc ${floor.version} floor: Debian ${floor.suite} has no ${t.debArch} libraries on this mirror, so its floors are ${t.glibcFloors.join(', ')}`,
      {
        fix: `build it without a floor (glibc ${t.glibc.version}), or pick a target whose floors include ${floor.version} (\`xcross targets\`)`,
      },
    );
  }
  return withFloor(registry, t, floor);
}

/**
 * The target rebuilt on an older suite: its C compiler, C library, libstdc++, libgcc and OpenSSL come
 * from `floor.suite` (unpacked, so nothing of the base suite's libc is replaced), the Rust compiler
 * stays the toolchain's. Its image has a name and a tag of its own.
 */
export function withFloor(registry: Registry, t: TargetSpec, floor: GlibcFloor): TargetSpec {
  const major = floor.gcc!.split('.')[0];
  const cc = `${t.ccPrefix}-gcc-${major}`;
  return {
    ...t,
    glibc: floor,
    // The versioned names also make cargo relink and the cc crate rebuild when the floor changes:
    // cargo fingerprints the linker, and build scripts rerun when CC_<target> changes.
    linker: cc,
    cc,
    cxx: `${t.ccPrefix}-g++-${major}`,
    // The floor's libraries live in the cross compiler's root, never beside the base suite's.
    libc: { kind: 'glibc', layout: 'sysroot' },
    // Only the build host's own CPU runs these programs natively (on the image's newer libc).
    runner:
      t.runner.kind === 'qemu-user' ? { ...t.runner, ldPrefix: `/usr/${t.gnu}`, nativeOn: [t.cpu.name] } : t.runner,
    std: t.std.kind === 'deb' ? { kind: 'deb-suite', suite: registry.base.suite } : t.std,
    imageName: `${t.imageName}-glibc${floor.version}`,
    pins: {
      ...t.pins,
      gcc: floor.gcc!,
      libc: floor.version,
      openssl: t.openssl.kind === 'none' ? 'none' : floor.openssl!,
    },
  };
}

/** Every image the registry describes: each target at each floor it offers (default floor first). */
export function everyImageTarget(registry: Registry): TargetSpec[] {
  return registry.targets.flatMap((t) => [
    t,
    ...registry.floors
      .filter((f) => !f.isDefault && t.glibcFloors.includes(f.version))
      .map((f) => withFloor(registry, t, f)),
  ]);
}
