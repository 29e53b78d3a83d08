// One way to stop (issue 14): the command owns this controller. It alone listens to SIGINT, SIGTERM
// and SIGHUP; runtimes get its Stopping and end their work; the app picks the exit code (128 + the
// signal's number) and runs every cleanup the command registered, also when it gives up waiting.
import { getEventListeners } from 'node:events';
import { GRACE_MS, type Stopping } from '../runtimes/stop';
import { signalNumber } from '../runtimes/process';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** After the hard stop, how long runtimes get to remove what they started before xcross ends anyway. */
export const REMOVE_MS = 10_000;

type Cleanup = () => unknown;

export class StopController implements Stopping {
  private readonly first = new AbortController();
  private readonly second = new AbortController();
  private readonly cleanups: Cleanup[] = [];
  private grace: NodeJS.Timeout | undefined;
  private giveUp!: () => void;
  /** Resolves when xcross should end without waiting for the command any longer. */
  readonly abandoned = new Promise<void>((resolve) => {
    this.giveUp = resolve;
  });
  private readonly onSignal = (sig: NodeJS.Signals) => this.stop(sig);

  constructor(
    private readonly graceMs = GRACE_MS,
    private readonly removeMs = REMOVE_MS,
  ) {}

  get signal(): AbortSignal {
    return this.first.signal;
  }

  get hard(): AbortSignal {
    return this.second.signal;
  }

  /** The signal that stopped the command, if one did. */
  get stoppedBy(): NodeJS.Signals | undefined {
    return this.first.signal.aborted ? (this.first.signal.reason as NodeJS.Signals) : undefined;
  }

  listen(): this {
    for (const s of SIGNALS) process.on(s, this.onSignal);
    return this;
  }

  /** Registers what must run when the command ends, however it ends (last registered, first run). */
  defer(fn: Cleanup): void {
    this.cleanups.push(fn);
  }

  /** A signal arrived (or a test says one did). */
  stop(sig: NodeJS.Signals): void {
    if (this.first.signal.aborted) return this.end();
    // Nothing that can stop gracefully is under way (no runtime listens): end now, as Node would.
    const listening = getEventListeners(this.first.signal, 'abort').length > 0;
    this.first.abort(sig);
    if (!listening) {
      this.second.abort(sig);
      return this.giveUp();
    }
    this.grace = setTimeout(() => this.end(), this.graceMs);
    this.grace.unref();
  }

  private end(): void {
    clearTimeout(this.grace);
    if (this.second.signal.aborted) return;
    this.second.abort(this.stoppedBy);
    setTimeout(() => this.giveUp(), this.removeMs).unref();
  }

  /** The exit code: 128 + the signal's number when stopped, else the command's. */
  exitCode(code: number): number {
    const sig = this.stoppedBy;
    return sig ? 128 + signalNumber(sig) : code;
  }

  /** Runs the cleanups once each and stops listening. */
  async finish(): Promise<void> {
    for (const s of SIGNALS) process.off(s, this.onSignal);
    clearTimeout(this.grace);
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {}
    }
  }
}
