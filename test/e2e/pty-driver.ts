// Drives the real xcross binary in a pseudo-terminal, as a person at a terminal would: type, read
// the screen, resize, press Ctrl-C.
import { XCROSS } from './harness';

interface Pty {
  pid: number;
  onData(cb: (d: string) => void): void;
  onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
  write(d: string): void;
  resize(cols: number, rows: number): void;
  kill(sig?: string): void;
}

export class Terminal {
  private out = '';
  private readonly pty: Pty;
  readonly exited: Promise<number>;

  constructor(
    args: string[],
    cwd: string,
    env: Record<string, string | undefined> = {},
    size = { cols: 100, rows: 30 },
  ) {
    const nodePty = require('@lydell/node-pty') as { spawn(f: string, a: string[], o: object): Pty };
    this.pty = nodePty.spawn(process.execPath, [XCROSS, ...args], {
      name: 'xterm',
      ...size,
      cwd,
      env: { ...process.env, TERM: 'xterm', ...env },
    });
    this.pty.onData((d) => {
      this.out += d;
    });
    this.exited = new Promise((resolve) =>
      this.pty.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode)),
    );
  }

  /** xcross's process id. */
  get pid(): number {
    return this.pty.pid;
  }

  /** What the screen was sent so far, escape sequences included. */
  get raw(): string {
    return this.out;
  }

  /** What the screen showed so far, without escape sequences. */
  get text(): string {
    return this.out.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '');
  }

  type(s: string): void {
    this.pty.write(s);
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
  }

  /**
   * Runs `sleep 300` in the shell, types Ctrl-C, waits for the prompt to come back, and returns the
   * exit status the shell saw (130 when the signal reached the program, not the session).
   */
  async ctrlCInShell(prompt: RegExp): Promise<number> {
    let m = this.mark();
    this.type('sleep 300\r');
    await new Promise((r) => setTimeout(r, 1500));
    this.type('\x03');
    await this.waitFor(prompt, 30_000, m);
    m = this.mark();
    this.type('echo sleep-ended-with-$?\r');
    return Number((await this.waitFor(/sleep-ended-with-(\d+)/, 30_000, m))[1]);
  }

  /**
   * Resizes, then asks `stty size` in the shell until the new size arrived (it travels our pty →
   * xcross → the engine → the container); false when it never did.
   */
  async resizeSeen(cols: number, rows: number): Promise<boolean> {
    this.resize(cols, rows);
    for (let i = 0; i < 20; i++) {
      const m = this.mark();
      this.type('stty size\r');
      if (
        await this.waitFor(new RegExp(`^${rows} ${cols}$`, 'm'), 1_000, m).then(
          () => true,
          () => false,
        )
      )
        return true;
    }
    return false;
  }

  /** Waits until the text after `from` matches. */
  async waitFor(re: RegExp, timeoutMs = 120_000, from = 0): Promise<RegExpMatchArray> {
    const started = Date.now();
    for (;;) {
      const m = this.text.slice(from).match(re);
      if (m) return m;
      if (Date.now() - started > timeoutMs)
        throw new Error(`timed out waiting for ${re}; the screen:\n${this.text.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  mark(): number {
    return this.text.length;
  }

  kill(): void {
    this.pty.kill();
  }
}
