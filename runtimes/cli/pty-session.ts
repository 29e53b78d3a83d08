// The host side of an interactive session: the engine runs in a pseudo-terminal of ours (node-pty,
// as @lydell/node-pty: the same code with prebuilt binaries, so installing xcross needs no compiler),
// our terminal is put in raw mode and relayed byte for byte, so Ctrl-C and Ctrl-Z reach the program
// (not xcross), and window-size changes follow. If node-pty's native module cannot load, the engine
// gets our terminal directly (it handles raw mode and resizes itself), with a warning: never a crash.
import type { Logger } from '../../src/base/log';

export interface PtyProcess {
  /** Exit code (128 + signal number when killed). */
  done: Promise<number>;
  /** Set once the process itself was ended by a signal (not a program that exited 128+N). */
  killedBy?: number;
  kill(signal: NodeJS.Signals): void;
}

interface NodePty {
  spawn(
    file: string,
    args: string[],
    opts: { name: string; cols: number; rows: number; cwd: string; env: Record<string, string> },
  ): {
    onData(cb: (d: string) => void): void;
    onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
    write(d: string | Buffer): void;
    resize(cols: number, rows: number): void;
    kill(signal?: string): void;
  };
}

let loaded: NodePty | null | undefined;

/**
 * node-pty, or null (once warned) when its native module cannot load here. XCROSS_NO_PTY=1 asks for
 * the fallback on purpose (no warning).
 */
export function loadNodePty(
  log: Logger,
  env: Readonly<Record<string, string | undefined>>,
  load: () => unknown = () => require('@lydell/node-pty'),
): NodePty | null {
  if (env.XCROSS_NO_PTY === '1') {
    log.debug('XCROSS_NO_PTY=1: the engine gets the terminal directly');
    return null;
  }
  if (loaded !== undefined) return loaded;
  try {
    loaded = load() as NodePty;
  } catch (e) {
    log.warn(
      `node-pty cannot load (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): the session uses your terminal through the engine directly`,
    );
    loaded = null;
  }
  return loaded;
}

export function spawnInPty(
  pty: NodePty,
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
): PtyProcess {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const child = pty.spawn(file, args, {
    name: env.TERM || 'xterm-256color',
    cols: stdout.columns || 80,
    rows: stdout.rows || 24,
    cwd: process.cwd(),
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
  });
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  const onInput = (d: Buffer) => child.write(d);
  const onResize = () => child.resize(stdout.columns || 80, stdout.rows || 24);
  stdin.on('data', onInput);
  stdin.resume();
  stdout.on('resize', onResize);
  child.onData((d) => stdout.write(d));
  const p: PtyProcess = { done: undefined as unknown as Promise<number>, kill: (signal) => child.kill(signal) };
  p.done = new Promise<number>((resolve) => {
    child.onExit(({ exitCode, signal }) => {
      if (signal) p.killedBy = signal;
      stdin.off('data', onInput);
      stdout.off('resize', onResize);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
      resolve(signal ? 128 + signal : exitCode);
    });
  });
  return p;
}
