// Running engine processes: captured (for queries), inherited (for the user's build), line-streamed
// (for progress). Spawn failures become exit code 127 with a message, never an exception.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export type ProcEnv = Readonly<Record<string, string | undefined>>;

export interface Captured {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Finished {
  code: number;
  signal: NodeJS.Signals | null;
}

export function runCaptured(
  cmd: string,
  args: string[],
  opts: { env?: ProcEnv; timeoutMs?: number; input?: string } = {},
): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const settle = (c: Captured) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(c);
    };
    // At the deadline: kill it and answer now. Waiting for 'close' could wait forever, since a
    // child of the engine may hold the pipes open after the engine itself is gone.
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          child.stdout!.destroy();
          child.stderr!.destroy();
          settle({
            code: 124,
            signal: 'SIGKILL',
            stdout: Buffer.concat(out).toString(),
            stderr: `${Buffer.concat(err).toString()}\n${cmd}: timed out after ${opts.timeoutMs} ms`,
          });
        }, opts.timeoutMs)
      : undefined;
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
    child.on('error', (e) => settle({ code: 127, signal: null, stdout: '', stderr: `${cmd}: ${e.message}` }));
    child.on('close', (code, signal) => {
      settle({
        code: code ?? 128 + signalNumber(signal),
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
  });
}

export interface Started {
  child: ChildProcess;
  done: Promise<Finished>;
}

/** `group`: the process leads a process group of its own (so that it and its helpers can be killed together). */
export function startProcess(
  cmd: string,
  args: string[],
  opts: { env?: ProcEnv; stdio?: StdioOptions; group?: boolean } = {},
): Started {
  const child = spawn(cmd, args, {
    env: opts.env as NodeJS.ProcessEnv,
    stdio: opts.stdio ?? 'inherit',
    detached: opts.group,
  });
  const done = new Promise<Finished>((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`${cmd}: ${e.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + signalNumber(signal), signal }));
  });
  return { child, done };
}

/** Runs a command and hands each line of its output (stdout and stderr) to onLine. */
export async function runLines(
  cmd: string,
  args: string[],
  onLine: (line: string) => void,
  opts: { env?: ProcEnv } = {},
): Promise<Finished> {
  return startLines(cmd, args, onLine, opts.env).done;
}

/** runLines, with the process at hand (to signal it). */
export function startLines(
  cmd: string,
  args: string[],
  onLine: (line: string) => void,
  env?: ProcEnv,
  group?: boolean,
): Started {
  const started = startProcess(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], group });
  const { child } = started;
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split(/\r?\n|\r/);
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    stream.on('end', () => {
      if (rest) onLine(rest);
    });
  }
  return started;
}

export function signalNumber(signal: NodeJS.Signals | null): number {
  const table: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGPIPE: 13,
    SIGTERM: 15,
  };
  return signal ? (table[signal] ?? 1) : 0;
}
