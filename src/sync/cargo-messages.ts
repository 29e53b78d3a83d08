// Which files a synced build brings back: the artifacts cargo names in its JSON messages. Cargo
// writes them to its stdout, so for `build` and `rustc` (whose stdout holds nothing else) the
// container's cargo writes them to a file in the target volume, with the diagnostics rendered on
// stderr as usual (`--message-format=json-render-diagnostics`). `run`, `test` and `bench` print the
// program's output on stdout, so after them a quiet `cargo build` (or `test --no-run`) with the same
// arguments, a no-op then, names the same artifacts. A user's own --message-format is left alone,
// and then nothing is brought back but what --copy-back target-dir asks for.
import * as path from 'node:path';
import { isInside } from '../base/paths';

/** Where the messages go, inside the target directory (its volume). */
export function messagesFile(targetDir: string): string {
  return path.join(targetDir, '.xcross-sync-messages.json');
}

const JSON_FLAG = '--message-format=json-render-diagnostics';
const DIRECT = new Set(['build', 'rustc']);
const AFTER: Record<string, string[]> = { run: ['build'], test: ['test', '--no-run'], bench: ['bench', '--no-run'] };

function ownFormat(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some(
    (a) => a === '--message-format' || a.startsWith('--message-format='),
  );
}

/** `sh -c 'exec "$@" >"$0"' FILE cargo ...`: cargo's stdout into FILE, its exit code kept. */
function toFile(file: string, cargo: string[]): string[] {
  return ['sh', '-c', 'exec "$@" >"$0"', file, ...cargo];
}

/** The command for the run itself: `build`/`rustc` write their messages to `file`; others run as planned. */
export function withMessages(command: string[], file: string): string[] {
  const [cargo, sub, ...rest] = command;
  if (cargo !== 'cargo' || !DIRECT.has(sub) || ownFormat(rest)) return command;
  return toFile(file, [cargo, sub, JSON_FLAG, ...rest]);
}

/** The quiet no-op cargo that names the artifacts after `run`/`test`/`bench`; undefined when none is needed. */
export function messagesAfter(command: string[], file: string): string[] | undefined {
  const [cargo, sub, ...rest] = command;
  const as = AFTER[sub];
  if (cargo !== 'cargo' || !as || ownFormat(rest)) return undefined;
  const end = rest.indexOf('--');
  const args = (end < 0 ? rest : rest.slice(0, end)).filter((a) => a !== '--no-run');
  return toFile(file, [cargo, ...as, '--quiet', JSON_FLAG, ...args]);
}

export interface Artifact {
  file: string;
  /** Cargo did not rebuild it in this run. */
  fresh: boolean;
}

/** The workspace's own artifacts (not registry dependencies', not build scripts') under the target dir. */
export function artifactsIn(messages: string, targetDir: string): Artifact[] {
  const out = new Map<string, boolean>();
  for (const line of messages.split('\n')) {
    if (!line.startsWith('{')) continue;
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (!m || typeof m !== 'object') continue;
    const msg = m as {
      reason?: unknown;
      package_id?: unknown;
      target?: { kind?: unknown };
      filenames?: unknown;
      executable?: unknown;
      fresh?: unknown;
    };
    if (msg.reason !== 'compiler-artifact') continue;
    // Local packages: "path+file:///..." (cargo 1.77+) or "name 0.1.0 (path+file:///...)".
    if (typeof msg.package_id !== 'string' || !msg.package_id.includes('path+file://')) continue;
    if (Array.isArray(msg.target?.kind) && msg.target.kind.includes('custom-build')) continue;
    const files = [...(Array.isArray(msg.filenames) ? msg.filenames : []), msg.executable].filter(
      (f): f is string => typeof f === 'string' && path.isAbsolute(f),
    );
    for (const f of files) {
      const n = path.normalize(f);
      if (!isInside(n, targetDir) || n === targetDir) continue;
      out.set(n, (out.get(n) ?? true) && msg.fresh === true);
    }
  }
  return [...out].map(([file, fresh]) => ({ file, fresh }));
}
