// The glibc floor check: the newest GLIBC_, GLIBCXX_, CXXABI_ and GCC_ versions the freshly linked
// files need, against what the floor's libc, libstdc++ and libgcc provide. A file above the floor
// links fine here and fails on the older system with "version `GLIBC_2.34' not found": say so now.
import * as path from 'node:path';
import { compareVersions } from '../targets/glibc-floor';
import type { TargetSpec } from '../targets/registry';
import { readVersionNeeds } from './version-needs';

export const CHECKED_PREFIXES = ['GLIBC', 'GLIBCXX', 'CXXABI', 'GCC'] as const;
export type Prefix = (typeof CHECKED_PREFIXES)[number];

/** The newest version of each prefix a system at the floor provides. */
export type FloorLimits = Record<Prefix, string> & { floor: string };

export interface Need {
  prefix: Prefix;
  version: string;
  file: string;
  library: string;
  symbol?: string;
}

export interface FloorReport {
  files: number;
  /** The newest need of each prefix over all files. */
  newest: Partial<Record<Prefix, Need>>;
  /** Needs above the floor, newest first. */
  above: Need[];
  /** Files that could not be read as ELF (with why), skipped. */
  unreadable: string[];
}

export function floorLimits(t: TargetSpec): FloorLimits | undefined {
  if (!t.glibc) return undefined;
  return {
    floor: t.glibc.version,
    GLIBC: t.pins.libc,
    GLIBCXX: t.glibc.glibcxx,
    CXXABI: t.glibc.cxxabi,
    GCC: t.pins.gcc,
  };
}

/** "GLIBC_2.34" -> GLIBC 2.34; glibc 2.36's marker for packed relocations counts as 2.36; others: none. */
export function parseNeed(version: string): { prefix: Prefix; version: string } | undefined {
  if (version === 'GLIBC_ABI_DT_RELR') return { prefix: 'GLIBC', version: '2.36' };
  const m = /^(GLIBCXX|GLIBC|CXXABI|GCC)_(\d+(?:\.\d+)*)$/.exec(version);
  return m ? { prefix: m[1] as Prefix, version: m[2] } : undefined;
}

export function checkFloor(files: string[], limits: FloorLimits): FloorReport {
  const report: FloorReport = { files: 0, newest: {}, above: [], unreadable: [] };
  for (const file of files) {
    let needs;
    try {
      needs = readVersionNeeds(file);
    } catch (e) {
      report.unreadable.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    if (needs === null) continue;
    report.files++;
    for (const n of needs) {
      const p = parseNeed(n.version);
      if (!p) continue;
      const need: Need = { ...p, file, library: n.library, symbol: n.symbols[0] };
      const cur = report.newest[p.prefix];
      if (!cur || compareVersions(p.version, cur.version) > 0) report.newest[p.prefix] = need;
      if (compareVersions(p.version, limits[p.prefix]) > 0) report.above.push(need);
    }
  }
  report.above.sort((a, b) => compareVersions(b.version, a.version));
  return report;
}

/** `-v`'s line: what the files need at most. */
export function describeNewest(r: FloorReport, limits: FloorLimits): string {
  const parts = CHECKED_PREFIXES.flatMap((p) =>
    r.newest[p] ? [`${p}_${r.newest[p]!.version} (floor ${limits[p]})`] : [],
  );
  return (
    `glibc floor ${limits.floor}: ${r.files} file${r.files === 1 ? '' : 's'} linked in this run` +
    (parts.length ? `, needing at most ${parts.join(', ')}` : '')
  );
}

/** The one sentence for the worst need above the floor. */
export function describeAbove(r: FloorReport, limits: FloorLimits, cwd: string): string {
  const worst = r.above[0];
  const file = path.relative(cwd, worst.file) || worst.file;
  const what = worst.symbol
    ? `${worst.symbol}@${worst.prefix}_${worst.version}`
    : `${worst.prefix}_${worst.version} of ${worst.library}`;
  const others = new Set(r.above.map((n) => `${n.file}\0${n.prefix}_${n.version}`)).size - 1;
  const lib = { GLIBC: 'glibc', GLIBCXX: 'libstdc++', CXXABI: 'libstdc++', GCC: 'libgcc_s' }[worst.prefix];
  return (
    `${file} needs ${what}, newer than the glibc ${limits.floor} floor allows (its ${lib} has ${worst.prefix}_${limits[worst.prefix]}): it will not start on a system with glibc ${limits.floor}` +
    (others > 0
      ? ` (and ${others} more version need${others === 1 ? '' : 's'} above the floor; -v lists the newest of each)`
      : '')
  );
}
