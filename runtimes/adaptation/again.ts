// A run with a cached adaptation can be refused before its container starts: the host (or the
// service) may have changed since the cache was written. Then probe again, and run again only if the
// probe learnt something different; otherwise the first refusal stands. One algorithm for the CLI
// engines and the REST runtime, which differ only in how a refusal shows (an exit code, an error).
import type { RunResult } from '../runtime';
import type { Adaptation } from './probe';

/** How one run ended: with a result, or with an error thrown. */
export type Outcome = { result: RunResult } | { error: unknown };

export interface AdaptedRun {
  /** Whether an adaptation was known before this run (in memory or in its cache file). */
  cached: boolean;
  imageExists(): Promise<boolean>;
  /** Ask for the image before the first run even with an adaptation cached. */
  askFirst?: boolean;
  /** Ask for it again before probing again (an engine whose words for a missing image xcross may not know). */
  askAgain?: boolean;
  /** The adaptation from memory or its cache (fresh: from a new probe). */
  adapt(fresh: boolean): Promise<Adaptation>;
  run(adaptation: Adaptation): Promise<RunResult>;
  /** Why this outcome is a refusal before the container ran; undefined when it is not one. */
  refusal(outcome: Outcome): string | undefined;
  /** Told the refusal before the probe (for -v). */
  onRefusal(why: string): void;
}

const MISSING: RunResult = { code: 125, imageMissing: true };

export async function runAdapted(r: AdaptedRun): Promise<RunResult> {
  // Without an adaptation the probe needs the image: ask first, so a missing one is not a probe error.
  if ((!r.cached || r.askFirst) && !(await r.imageExists())) return { ...MISSING };
  const adaptation = await r.adapt(false);
  const first = await outcome(() => r.run(adaptation));
  const why = r.cached ? r.refusal(first) : undefined;
  if (why !== undefined) {
    r.onRefusal(why);
    if (r.askAgain && !(await r.imageExists())) return { ...MISSING };
    const fresh = await r.adapt(true);
    if (JSON.stringify(fresh) !== JSON.stringify(adaptation)) return r.run(fresh);
  }
  if ('error' in first) throw first.error;
  return first.result;
}

async function outcome(run: () => Promise<RunResult>): Promise<Outcome> {
  try {
    return { result: await run() };
  } catch (error) {
    return { error };
  }
}
