// sccache's statistics of one run (its server lives as long as the container, so they are this build's
// alone), read from the JSON that xcross-compile-cache writes, and the running totals that
// `xcross cache stats` shows.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunStats {
  hits: number;
  misses: number;
  /** Compilations sccache does not cache (binaries, build scripts, proc-macro crates' ...). */
  notCacheable: number;
  /** Cache reads and writes that failed: the compilation ran, its result stands. */
  errors: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const sum = (v: unknown): number =>
  v && typeof v === 'object' && 'counts' in v && v.counts && typeof v.counts === 'object'
    ? Object.values(v.counts as Record<string, unknown>).reduce<number>((a, b) => a + num(b), 0)
    : 0;

/** sccache's `--show-stats --stats-format json`; undefined when it is not that. */
export function parseStats(text: string): RunStats | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object' || !('stats' in j) || !j.stats || typeof j.stats !== 'object') return undefined;
  const s = j.stats as Record<string, unknown>;
  return {
    hits: sum(s.cache_hits),
    misses: sum(s.cache_misses),
    notCacheable: num(s.requests_not_cacheable),
    errors: sum(s.cache_errors) + num(s.cache_read_errors) + num(s.cache_write_errors) + num(s.cache_timeouts),
  };
}

/** Reads and removes the run's statistics file. */
export function takeStats(file: string): RunStats | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    fs.rmSync(file, { force: true });
    fs.rmdirSync(path.dirname(file));
  } catch {
    // Another run's file is still there, or the engine's user wrote it (an engine over ssh that shares
    // the folder): a leftover file of a few hundred bytes, never a reason to fail the build.
  }
  return parseStats(text);
}

export function describeStats(s: RunStats): string {
  const errors = s.errors > 0 ? `, ${s.errors} cache errors (those compiled as usual)` : '';
  return `${s.hits} hits, ${s.misses} misses, ${s.notCacheable} not cacheable${errors}`;
}

export interface Totals extends RunStats {
  builds: number;
  since: string;
}

export function totalsFile(cacheDir: string): string {
  return path.join(cacheDir, 'compile-cache-totals.json');
}

export function readTotals(file: string): Totals | undefined {
  try {
    const t = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Totals>;
    return {
      builds: num(t.builds),
      hits: num(t.hits),
      misses: num(t.misses),
      notCacheable: num(t.notCacheable),
      errors: num(t.errors),
      since: typeof t.since === 'string' ? t.since : '',
    };
  } catch {
    return undefined;
  }
}

/** Adds a run to the totals (written whole under a temporary name; a lost update of a parallel run only loses a count). */
export function addToTotals(file: string, s: RunStats, now = new Date()): void {
  const t = readTotals(file) ?? { builds: 0, hits: 0, misses: 0, notCacheable: 0, errors: 0, since: now.toISOString() };
  const next: Totals = {
    builds: t.builds + 1,
    hits: t.hits + s.hits,
    misses: t.misses + s.misses,
    notCacheable: t.notCacheable + s.notCacheable,
    errors: t.errors + s.errors,
    since: t.since,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(next) + '\n');
  fs.renameSync(tmp, file);
}
