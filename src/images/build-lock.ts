// One build per missing image among one user's xcross processes: a lock file per image ref, taken
// only on the miss path. Its holder is named by pid, the process's start time (against pid reuse)
// and the boot id (a lock from before a reboot is dead); a holder that is gone, SIGKILLed
// included, leaves a stale lock that the next process takes over. Locking never fails a build: a
// lock directory that cannot be written means building without the lock, as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/PID/stat field 22), '' without /proc. */
  start: string;
  boot: string;
  /** Tells this holding apart from any other, even of the same process. */
  nonce: string;
  ref: string;
}

/** What the lock asks of the system; tests put a fake process table in. */
export interface ProcessTable {
  readonly pid: number;
  readonly boot: string;
  /** The start time of a live process, '' when unknown, undefined when there is no such process. */
  startOf(pid: number): string | undefined;
}

export interface HeldLock {
  /** The pid of the xcross this one waited for, when it waited. */
  waitedFor?: number;
  release(): void;
}

export interface LockOptions {
  dir: string;
  ref: string;
  /** Where "waiting for ..." goes (the logger's info). */
  say: (msg: string) => void;
  pollMs?: number;
  procs?: ProcessTable;
}

/** A takeover guard older than this was left by a process killed within its few milliseconds. */
const GUARD_STALE_MS = 10_000;

/** Waits until no other live xcross holds the lock for `ref`, then holds it. */
export async function lockImage(o: LockOptions): Promise<HeldLock> {
  const procs = o.procs ?? systemProcesses();
  const file = path.join(o.dir, `${fileName(o.ref)}.lock`);
  const me: LockHolder = { pid: procs.pid, start: procs.startOf(procs.pid) ?? '', boot: procs.boot, nonce: randomBytes(8).toString('hex'), ref: o.ref };
  const tmp = `${file}.${me.nonce}.tmp`;
  try {
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    // Written whole first, then linked into place: nobody ever reads a half-written lock.
    fs.writeFileSync(tmp, JSON.stringify(me));
  } catch {
    return { release: () => {} };
  }
  let waitedFor: number | undefined;
  let announced: string | undefined;
  try {
    for (;;) {
      try {
        fs.linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return { release: () => {} };
      }
      const held = readHolder(file);
      if (held === 'gone') continue;
      if (held === 'unreadable' ? ageMs(file) > GUARD_STALE_MS : !isLive(held, procs)) {
        if (held !== 'unreadable') o.say(`xcross (pid ${held.pid}) that was building ${o.ref} is gone: taking over its lock`);
        takeOver(file, held);
        continue;
      }
      if (held !== 'unreadable' && held.nonce !== announced) {
        announced = held.nonce;
        waitedFor = held.pid;
        o.say(`waiting for xcross (pid ${held.pid}) to build ${o.ref} ...`);
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  // An exit on a signal (process.exit in the runtimes' handlers) lets go too; SIGKILL leaves a stale lock.
  const release = () => {
    process.off('exit', release);
    const held = readHolder(file);
    if (typeof held === 'object' && held.nonce === me.nonce) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { waitedFor, release };
}

/** Whether the holder is still the process that took the lock (not a dead one, nor a reused pid). */
export function isLive(h: LockHolder, procs: ProcessTable): boolean {
  if (h.boot !== procs.boot) return false;
  const start = procs.startOf(h.pid);
  if (start === undefined) return false;
  return start === '' || h.start === '' || start === h.start;
}

/**
 * Removes a stale lock, one process at a time: without the guard, a second process could remove
 * the fresh lock the first one took in between its read and its unlink.
 */
function takeOver(file: string, stale: LockHolder | 'unreadable'): void {
  const guard = `${file}.takeover`;
  try {
    fs.writeFileSync(guard, String(process.pid), { flag: 'wx' });
  } catch {
    if (ageMs(guard) > GUARD_STALE_MS) fs.rmSync(guard, { force: true });
    return;
  }
  try {
    const now = readHolder(file);
    const same = stale === 'unreadable' ? now === 'unreadable' : typeof now === 'object' && now.nonce === stale.nonce;
    if (same) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function readHolder(file: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.start === 'string' && typeof h.boot === 'string' && typeof h.nonce === 'string') {
      return { pid: h.pid, start: h.start, boot: h.boot, nonce: h.nonce, ref: String(h.ref) };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** A file name for the ref: readable, and distinct for refs that differ only in punctuation. */
function fileName(ref: string): string {
  const readable = ref.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 150);
  let h = 0;
  for (const c of ref) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return `${readable}-${h.toString(16)}`;
}

/** The lock folder: per host, since a cache dir may be a home directory shared over NFS. */
export function lockDir(cacheDir: string): string {
  return path.join(cacheDir, 'locks', os.hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'host');
}

/** This machine's processes as /proc shows them (pid liveness alone where there is no /proc). */
export function systemProcesses(): ProcessTable {
  return { pid: process.pid, boot: readOr('/proc/sys/kernel/random/boot_id', '').trim(), startOf };
}

function startOf(pid: number): string | undefined {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const stat = readOr(`/proc/${pid}/stat`, undefined);
  if (stat === undefined) return '';
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie (killed, not yet reaped by its parent) answers kill(0) but holds nothing.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19] ?? '';
}

function readOr<T>(file: string, fallback: T): string | T {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
