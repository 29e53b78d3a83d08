// One build per missing image among one user's xcross processes: a lock file per image ref, taken
// only on the miss path. Its holder is named by pid, the process's start time (against pid reuse)
// and the boot id (a lock from before a reboot is dead); a holder that is gone, SIGKILLed
// included, leaves a stale lock that the next process takes over. A holder that lives but hangs
// does not block for ever either: one whose build process ended while it kept the lock is taken over
// after BUILDER_GONE_GRACE_MS, and a waiter gives up, with the holder's pid and age and what to do,
// once the holder has shown no progress for SILENCE_MS (build-activity.ts). Locking never fails a
// build: a lock directory that cannot be written means building without the lock, as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { XcrossError } from '../base/errors';
import { BuildActivity, readWork, workFile } from './build-activity';
import { isRunning, systemProcesses, type ProcessTable } from '../../runtimes/process-table';

export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/PID/stat field 22), '' without /proc. */
  start: string;
  boot: string;
  /** Tells this holding apart from any other, even of the same process. */
  nonce: string;
  ref: string;
}

export interface HeldLock {
  /** The pid of the xcross this one waited for, when it waited. */
  waitedFor?: number;
  release(): void;
}

/**
 * How long a waiter waits for a holder that shows no progress at all (no line of build output, of a
 * pull, or of a build it waits for itself) before it gives up and says what to do. A build's steps
 * print as they go: apt's downloads and unpacking, cargo's crates (building a std for a target takes a
 * minute or two per crate at most on 2 cores), a layer's commit.
 */
export const SILENCE_MS = 10 * 60_000;
/** How long a holder whose build process ended may keep the lock before a waiter takes it over
 * (the holder's own steps after a build, tagging and sweeping, take seconds). */
export const BUILDER_GONE_GRACE_MS = 30_000;

export interface LockOptions {
  dir: string;
  ref: string;
  /** Where "waiting for ..." goes (the logger's info). */
  say: (msg: string) => void;
  pollMs?: number;
  procs?: ProcessTable;
  /** What this xcross does while it holds locks (one per image it makes, shared by its layers' locks). */
  activity?: BuildActivity;
  /** SILENCE_MS and BUILDER_GONE_GRACE_MS, shorter in tests. */
  silenceMs?: number;
  graceMs?: number;
}

/** A takeover guard older than this was left by a process killed within its few milliseconds. */
const GUARD_STALE_MS = 10_000;

/** Waits until no other live xcross holds the lock for `ref`, then holds it. */
export async function lockImage(o: LockOptions): Promise<HeldLock> {
  const procs = o.procs ?? systemProcesses();
  const activity = o.activity ?? new BuildActivity(procs);
  const file = path.join(o.dir, `${fileName(o.ref)}.lock`);
  const me: LockHolder = {
    pid: procs.pid,
    start: procs.startOf(procs.pid) ?? '',
    boot: procs.boot,
    nonce: randomBytes(8).toString('hex'),
    ref: o.ref,
  };
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
  const watch = new HolderWatch(o, procs, activity);
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
        if (held !== 'unreadable')
          o.say(`xcross (pid ${held.pid}) that was building ${o.ref} is gone: taking over its lock`);
        takeOver(file, held);
        continue;
      }
      if (held !== 'unreadable') {
        if (held.nonce !== announced) {
          announced = held.nonce;
          waitedFor = held.pid;
          o.say(`waiting for xcross (pid ${held.pid}) to build ${o.ref} ...`);
        }
        if (watch.notBuilding(file, held)) {
          takeOver(file, held);
          continue;
        }
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const work = workFile(file, me.nonce);
  activity.hold(work);
  // An exit on a signal (process.exit in the runtimes' handlers) lets go too; SIGKILL leaves a stale lock.
  const release = () => {
    process.off('exit', release);
    const held = readHolder(file);
    // The lock first: a waiter that finds a lock without its work file reads the lock's own age.
    if (typeof held === 'object' && held.nonce === me.nonce) fs.rmSync(file, { force: true });
    activity.letGo(work);
  };
  process.on('exit', release);
  return { waitedFor, release };
}

/**
 * A waiter's view of a live holder, poll after poll: its progress passed on to the waiter's own
 * holders (nested locks), its build process followed, its silence bounded.
 */
class HolderWatch {
  private progressAt: number | undefined;
  private gone: { nonce: string; pid: number; since: number } | undefined;

  constructor(
    private readonly o: LockOptions,
    private readonly procs: ProcessTable,
    private readonly activity: BuildActivity,
  ) {}

  /** True when the holder no longer builds and should be taken over; throws once it was silent too long. */
  notBuilding(file: string, held: LockHolder): boolean {
    const work = readWork(file, held.nonce);
    if (!work) return false;
    const now = Date.now();
    if (this.progressAt !== undefined && work.progressAt > this.progressAt) this.activity.progress();
    this.progressAt = work.progressAt;
    const b = work.builder;
    if (b && !isRunning(b.pid, b.start, this.procs)) {
      if (this.gone?.nonce !== held.nonce || this.gone.pid !== b.pid) this.gone = { nonce: held.nonce, pid: b.pid, since: now };
      else if (now - this.gone.since >= (this.o.graceMs ?? BUILDER_GONE_GRACE_MS)) {
        this.o.say(
          `xcross (pid ${held.pid}) still holds the lock for ${this.o.ref}, but its build process (pid ${b.pid}) ended ${duration(now - this.gone.since)} ago: taking over its lock`,
        );
        return true;
      }
    } else this.gone = undefined;
    const silence = now - work.progressAt;
    if (silence > (this.o.silenceMs ?? SILENCE_MS)) {
      throw new XcrossError(
        `xcross (pid ${held.pid}) has been building ${this.o.ref} for ${duration(ageMs(file))} and has shown no progress for ${duration(silence)}: it may be stuck`,
        {
          fix: `if it is (\`ps -fp ${held.pid}\`), end it with \`kill ${held.pid}\` and run again: its lock is then taken over at once; if it is only slow, run again to go on waiting for it`,
        },
      );
    }
    return false;
  }
}

/** 40 s, 12 min, 2.5 h. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Whether the holder is still the process that took the lock (not a dead one, nor a reused pid). */
export function isLive(h: LockHolder, procs: ProcessTable): boolean {
  return h.boot === procs.boot && isRunning(h.pid, h.start, procs);
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
    if (same) {
      fs.rmSync(file, { force: true });
      // What the stale holder wrote of its work goes with it.
      if (stale !== 'unreadable') fs.rmSync(workFile(file, stale.nonce), { force: true });
    }
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
