// This machine's processes, as the build lock and the build sweep ask about them: is a pid still the process it was
// (its start time against a reused pid), and which boot is this (a lock from before a reboot is dead).
import * as fs from 'node:fs';

/** What the lock asks of the system; tests put a fake process table in. */
export interface ProcessTable {
  readonly pid: number;
  readonly boot: string;
  /** The start time of a live process, '' when unknown, undefined when there is no such process. */
  startOf(pid: number): string | undefined;
}

/** Whether `pid` is still the process that started at `start` ('' : unknown, a live pid is trusted). */
export function isRunning(pid: number, start: string, procs: ProcessTable): boolean {
  const now = procs.startOf(pid);
  if (now === undefined) return false;
  return now === '' || start === '' || now === start;
}

/** This machine's processes as /proc shows them (pid liveness alone where there is no /proc). */
export function systemProcesses(): ProcessTable {
  return { pid: process.pid, boot: readOr('/proc/sys/kernel/random/boot_id', '').trim(), startOf };
}

/** The start time of a process xcross started ('' when it is gone or unknown): the watchdog's build pid. */
export function processStart(pid: number | undefined): string {
  return pid === undefined ? '' : (startOf(pid) ?? '');
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
