// glibc floors: the oldest glibc a build's programs must run on. The registry's [glibc."X.Y"] tables
// say which Debian suite gives each floor; a target offers the base suite's floor (its default) and
// every other floor whose suite has the target's Debian architecture on the mirror.
import { XcrossError } from '../base/errors';
import { quoted } from '../ui/quote';
import type { TomlReader } from '../config/toml';

export interface GlibcFloor {
  /** The glibc version users name: "2.31". */
  version: string;
  suite: string;
  /** The base suite's floor: the image every glibc target has without a --glibc. */
  isDefault: boolean;
  /** Pins of a non-default floor (the default floor's are the targets' own [defaults] pins). */
  gcc?: string;
  openssl?: string;
  /** Newest GLIBCXX_ and CXXABI_ versions of the floor's libstdc++. */
  glibcxx: string;
  cxxabi: string;
  /** Debian's package of OpenSSL's shared libraries in that suite (libssl3, libssl1.1). */
  opensslRuntime: string;
  /** Debian architectures the floor has; undefined for the default floor (every target's). */
  debArchs?: string[];
  /** Read only the suite's point release, not its -updates and -security archives. */
  releaseOnly: boolean;
}

const KEYS = ['suite', 'gcc', 'glibcxx', 'cxxabi', 'openssl', 'openssl-runtime', 'deb-archs', 'release-only'];

export function parseFloors(t: TomlReader | undefined, baseSuite: string, file: string): GlibcFloor[] {
  if (!t) throw new XcrossError(`${file}: the [glibc] tables are missing (at least the ${baseSuite} floor)`);
  const floors = t.keys().map((version): GlibcFloor => {
    const f = t.optTable(version)!;
    const where = `${file}: glibc."${version}"`;
    if (!isVersion(version)) throw new XcrossError(`${where}: a floor is named by its glibc version, like "2.31"`);
    for (const k of f.keys())
      if (!KEYS.includes(k)) throw new XcrossError(`${where}.${k} is not a known key (${KEYS.join(', ')})`);
    const suite = f.string('suite');
    const isDefault = suite === baseSuite;
    const floor: GlibcFloor = {
      version,
      suite,
      isDefault,
      glibcxx: f.string('glibcxx'),
      cxxabi: f.string('cxxabi'),
      opensslRuntime: f.string('openssl-runtime'),
      releaseOnly: f.optBool('release-only') ?? false,
    };
    if (!isDefault) {
      floor.gcc = f.string('gcc');
      floor.openssl = f.string('openssl');
      floor.debArchs = f.optStringArray('deb-archs') ?? [];
    }
    return floor;
  });
  if (floors.filter((f) => f.isDefault).length !== 1) {
    throw new XcrossError(
      `${file}: exactly one [glibc."X.Y"] table must have suite = "${baseSuite}" (the base suite's floor, the default)`,
    );
  }
  return floors.sort((a, b) => compareVersions(a.version, b.version));
}

/** The floors a glibc target offers, oldest first. */
export function floorsFor(floors: GlibcFloor[], debArch: string): GlibcFloor[] {
  return floors.filter((f) => f.isDefault || f.debArchs!.includes(debArch));
}

export function isVersion(v: string): boolean {
  return /^\d+(\.\d+)+$/.test(v);
}

/** A floor given by a flag or a variable (`what`: "--glibc", "XCROSS_GLIBC"), or the sentence it is not one. */
export function glibcVersion(v: string, what: string): string {
  if (!isVersion(v))
    throw new XcrossError(`${what} needs a glibc version such as 2.31, not ${quoted(v)}`, {
      fix: 'see `xcross targets` for the floors each target has',
    });
  return v;
}

/** Two spellings on one command line (--glibc and `--target <triple>.X.Y`) must name the same floor. */
export function sameFloor(earlier: string | undefined, v: string, from: string): string {
  if (earlier !== undefined && earlier !== v) {
    throw new XcrossError(`${from} asks for glibc ${v}, but an earlier flag asked for ${earlier}`, {
      fix: 'name one glibc floor',
    });
  }
  return v;
}

/** Numeric, part by part: 2.9 < 2.31; a missing part is 0 (2.31 == 2.31.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** cargo-zigbuild's spelling `aarch64-unknown-linux-gnu.2.31`: the triple cargo sees, and the floor. */
export function splitTargetFloor(target: string): { triple: string; glibc?: string } {
  const m = /^(.+?)\.(\d+\.\d+(?:\.\d+)?)$/.exec(target);
  return m ? { triple: m[1], glibc: m[2] } : { triple: target };
}
