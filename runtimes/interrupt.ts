// While a long engine step runs (a build), Ctrl-C must end it and xcross with it, not leave xcross
// waiting: the engine process shares our process group and gets the signal too; we only keep Node
// from dying before the child has finished, then exit with the signal's code.
import { signalNumber } from './process';

/** How long a program may take to end after Ctrl-C before its container is removed under it. */
export const GRACE_MS = 10_000;

export async function interruptible<T>(work: () => Promise<T>): Promise<T> {
  let got: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => { got = s; };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    const r = await work();
    if (got) process.exit(128 + signalNumber(got));
    return r;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
