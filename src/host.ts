// Facts about the invoking host, read once at the edge and passed down, so that everything below
// is deterministic under test.
import * as os from 'node:os';
import * as path from 'node:path';
import * as tty from 'node:tty';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Host {
  cwd: string;
  env: Env;
  uid: number;
  gid: number;
  home: string;
  /** Node's process.arch (x64, arm64, ...). */
  arch: string;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** $XDG_CACHE_HOME/xcross or ~/.cache/xcross. */
  cacheDir: string;
}

export function readHost(): Host {
  const env = process.env;
  const home = env.HOME || os.homedir();
  return {
    cwd: process.cwd(),
    env,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    home,
    arch: process.arch,
    // isatty on the descriptors: touching process.stdin would build a stream we may never use.
    stdinIsTTY: tty.isatty(0),
    stdoutIsTTY: tty.isatty(1),
    stderrIsTTY: tty.isatty(2),
    cacheDir: path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'xcross'),
  };
}
