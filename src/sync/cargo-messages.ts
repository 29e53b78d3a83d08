// Which files a synced build brings back: the artifacts cargo names in its JSON messages. Cargo
// writes them to its stdout, so in the container cargo's stdout goes to a file in the target volume,
// the diagnostics still rendered on stderr (`--message-format=json-render-diagnostics`): for `build`
// and `rustc`, whose stdout holds nothing else, the command itself; `run`, `test` and `bench` print
// the program's output on stdout, so there the same `cargo build` (or `test --no-run`) runs first in the
// same container and writes the messages, then the command as asked (its build is then a no-op). Only
// artifacts cargo did not find fresh come back. A user's own --message-format is left alone, and then
// nothing is brought back but what --copy-back target-dir asks for.
import * as path from 'node:path';
import { isInside } from '../base/paths';

/** Where the messages go, inside the target directory (its volume). */
export function messagesFile(targetDir: string): string {
  return path.join(targetDir, '.xcross-sync-messages.json');
}

const JSON_FLAG = '--message-format=json-render-diagnostics';
const DIRECT = new Set(['build', 'rustc']);
const BEFORE: Record<string, string[]> = { run: ['build'], test: ['test', '--no-run'], bench: ['bench', '--no-run'] };

function ownFormat(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some(
    (a) => a === '--message-format' || a.startsWith('--message-format='),
  );
}

/** One word for sh, quoted so that nothing in it is special. */
function shq(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command with cargo's messages written to `file` (unchanged when cargo names no artifacts here
 * or the user chose a format). The exit code is cargo's (the build's when it fails, else the program's).
 */
export function withMessages(command: string[], file: string): string[] {
  // A wrapper may come first (the compile cache's `xcross-compile-cache run STATS`): it runs the rest.
  const at = cargoAt(command);
  if (at < 0) return command;
  const wrapper = command.slice(0, at);
  const [cargo, sub, ...rest] = command.slice(at);
  if (ownFormat(rest)) return command;
  if (DIRECT.has(sub)) return [...wrapper, 'sh', '-c', 'exec "$@" >"$0"', file, cargo, sub, JSON_FLAG, ...rest];
  const before = BEFORE[sub];
  if (!before) return command;
  const end = rest.indexOf('--');
  const args = (end < 0 ? rest : rest.slice(0, end)).filter((a) => a !== '--no-run');
  const build = [cargo, ...before, JSON_FLAG, ...args].map(shq).join(' ');
  return [...wrapper, 'sh', '-c', `${build} >${shq(file)} && exec ${command.slice(at).map(shq).join(' ')}`];
}

/** Where cargo is in a planned command: first, or after a wrapper of at most a few words; -1: not cargo. */
export function cargoAt(command: string[]): number {
  const at = command.indexOf('cargo');
  return at >= 0 && at <= 3 ? at : -1;
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
