// Whether an image from elsewhere (the cache, an archive) is the one this xcross would build: every
// label the registry pins, and io.xcross.inputs, the digest of its inputs that is also its tag.
import { tagOf } from './location';

export const INPUTS_LABEL = 'io.xcross.inputs';

/** What an image is labelled with when built: its pins, and the digest of its inputs (its tag). */
export function withInputs(ref: string, labels: Record<string, string>): Record<string, string> {
  return { ...labels, [INPUTS_LABEL]: tagOf(ref) };
}

/** The first difference as a phrase ("its io.xcross.gcc is 10.2.1, this xcross pins 12.2.0"), or undefined. */
export function labelMismatch(actual: Record<string, string>, expected: Record<string, string>): string | undefined {
  for (const [k, v] of Object.entries(expected)) {
    const got = actual[k];
    if (got === v) continue;
    if (k === INPUTS_LABEL) {
      return got === undefined
        ? `it has no ${INPUTS_LABEL} label (an older xcross built it)`
        : `its inputs digest is ${got}, not ${v} (other Containerfiles or registry pins made it)`;
    }
    return got === undefined
      ? `it has no ${k} label, this xcross pins ${v}`
      : `its ${k} is ${got}, this xcross pins ${v}`;
  }
  return undefined;
}
