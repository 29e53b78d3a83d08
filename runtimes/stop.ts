// How the app tells a runtime to stop: one Stopping, owned by the command (src/stop.ts), handed to the
// runtime when it is made. Runtimes never listen to process signals and never exit the process:
// they end their work, remove what they started, and report it (RunResult.interrupted, or the
// Interrupted error from a build); the app picks the exit code and runs the command's cleanups.

/** How long a program may take to end after Ctrl-C before its container is removed under it. */
export const GRACE_MS = 10_000;

export interface Stopping {
  /** Aborted at the first SIGINT/SIGTERM/SIGHUP; its reason is the signal's name. Pass it on to the
   * program (the container), which may clean up. */
  readonly signal: AbortSignal;
  /** Aborted at a second signal, or GRACE_MS after the first: end the work now (remove the container). */
  readonly hard: AbortSignal;
}

/** A Stopping that never stops (scripts and tests that drive a runtime without signals). */
export const NEVER_STOP: Stopping = { signal: new AbortController().signal, hard: new AbortController().signal };

/** The signal that stopped the work, once it has. */
export function stopReason(stop: Stopping): NodeJS.Signals | undefined {
  return stop.signal.aborted ? (stop.signal.reason as NodeJS.Signals) : undefined;
}

/** A build ended because the command was stopped: nothing to report but the signal. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal})`);
  }
}

/** Calls `fn` once when `s` is aborted (at once if it already is); returns the undo. */
export function onAbort(s: AbortSignal, fn: () => void): () => void {
  if (s.aborted) {
    fn();
    return () => {};
  }
  s.addEventListener('abort', fn, { once: true });
  return () => s.removeEventListener('abort', fn);
}
