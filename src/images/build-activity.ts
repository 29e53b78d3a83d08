// What an xcross that holds build locks is doing, told to the processes that wait for them. Beside
// each lock it holds, a file of its own (`<lock>.<nonce>.work`): its modification time is the holder's
// last sign of progress (a line of build or pull output, or progress of a build it waits for), and it
// names the process that builds right now (`podman build`), with its start time against pid reuse.
// A waiter reads it to tell a slow build from a stuck one (build-lock.ts).
import * as fs from 'node:fs';
import { systemProcesses, type ProcessTable } from '../../runtimes/process-table';

export interface Builder {
  pid: number;
  /** Its start time (/proc/PID/stat field 22), '' when unknown. */
  start: string;
}

export interface Work {
  builder?: Builder;
  /** The holder's last sign of progress, ms since the epoch. */
  progressAt: number;
}

/** Progress is written down at most this often (a build prints many lines a second). */
const PROGRESS_EVERY_MS = 2_000;

/**
 * One per image being made, shared by the nested locks of its layers (target, toolchain, base): a
 * waiter for the target's lock sees the progress of the base's build too.
 */
export class BuildActivity {
  private readonly files = new Set<string>();
  private builder: Builder | undefined;
  private lastWrite = 0;

  constructor(
    private readonly procs: ProcessTable = systemProcesses(),
    private readonly everyMs = PROGRESS_EVERY_MS,
  ) {}

  /** A sign of life: a line of the build's output, or progress of a build this one waits for. */
  progress(): void {
    const now = Date.now();
    if (now - this.lastWrite < this.everyMs) return;
    this.lastWrite = now;
    const t = new Date(now);
    for (const f of this.files) {
      try {
        fs.utimesSync(f, t, t);
      } catch {
        // Best effort, like the lock itself.
      }
    }
  }

  /** The process that builds now (the engine's `build`), or undefined once it ended. */
  building(pid: number | undefined): void {
    this.builder = pid === undefined ? undefined : { pid, start: this.procs.startOf(pid) ?? '' };
    this.lastWrite = 0;
    for (const f of this.files) this.write(f);
  }

  /** For build-lock.ts: a lock now held, whose work file is `file`. */
  hold(file: string): void {
    this.files.add(file);
    this.write(file);
  }

  /** For build-lock.ts: the lock of `file` let go. */
  letGo(file: string): void {
    this.files.delete(file);
    fs.rmSync(file, { force: true });
  }

  private write(file: string): void {
    try {
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ builder: this.builder }));
      fs.renameSync(`${file}.tmp`, file);
      this.lastWrite = Date.now();
    } catch {
      // Best effort: a waiter without it still sees the lock's own age.
    }
  }
}

/** The work file of the holding `nonce` of `lock`. */
export function workFile(lock: string, nonce: string): string {
  return `${lock}.${nonce}.work`;
}

/** What the holder of `lock` wrote down: its builder, and its last progress (the lock's age without a file). */
export function readWork(lock: string, nonce: string): Work | undefined {
  const file = workFile(lock, nonce);
  let progressAt: number;
  let text: string;
  try {
    progressAt = fs.statSync(file).mtimeMs;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    try {
      return { progressAt: fs.statSync(lock).mtimeMs };
    } catch {
      return undefined;
    }
  }
  try {
    const w = JSON.parse(text) as { builder?: Partial<Builder> };
    const b = w.builder;
    if (b && typeof b.pid === 'number' && typeof b.start === 'string')
      return { builder: { pid: b.pid, start: b.start }, progressAt };
  } catch {
    // A half-written file is never read (written, then renamed); anything else counts as no builder.
  }
  return { progressAt };
}
