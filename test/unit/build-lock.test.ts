// The per-image build lock: one holder at a time across processes, waiters told the holder's pid,
// a dead holder (SIGKILL, a reused pid, a lock from before a reboot) taken over, never waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isLive, lockImage } from '../../src/images/build-lock';
import { systemProcesses, type ProcessTable } from '../../runtimes/process-table';
import { ensureCustomImage } from '../../src/images/ensure';
import type { CustomImagePlan } from '../../src/images/custom';
import type { Runtime } from '../../runtimes/runtime';
import { recordingLogger, tempDir } from './helpers';

const REF = 'localhost/xcross/custom-x86_64-unknown-linux-gnu:0123456789abcdef';
const MODULE = path.join(__dirname, '..', '..', 'src', 'images', 'build-lock.js');

/** A process table the test edits: pid → start time; absent = no such process. */
function table(pid: number, procs: Map<number, string>, boot = 'boot-1'): ProcessTable {
  return { pid, boot, startOf: (p) => procs.get(p) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(20))
    if (Date.now() > end) throw new Error(`not so after ${ms} ms`);
}

/** Resolves with the lock, or 'waiting' if it is still waiting after ms. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'waiting'> {
  return Promise.race([p, sleep(ms).then(() => 'waiting' as const)]);
}

test('a live holder is waited for, and the waiter says so with its pid; its release lets the waiter in', async () => {
  const dir = tempDir();
  const procs = new Map([
    [111, '500'],
    [222, '600'],
  ]);
  const a = await lockImage({ dir, ref: REF, say: () => {}, procs: table(111, procs) });
  const said: string[] = [];
  const b = lockImage({ dir, ref: REF, say: (m) => said.push(m), pollMs: 10, procs: table(222, procs) });
  assert.equal(await within(b, 150), 'waiting');
  assert.deepEqual(said, [`waiting for xcross (pid 111) to build ${REF} ...`]);
  a.release();
  const held = await within(b, 1000);
  assert.notEqual(held, 'waiting');
  assert.equal(held !== 'waiting' && held.waitedFor, 111);
  if (held !== 'waiting') held.release();
  assert.deepEqual(fs.readdirSync(path.join(dir)), [], 'the released lock leaves nothing behind');
});

test('a dead holder is taken over at once, with a sentence naming it', async () => {
  const dir = tempDir();
  const procs = new Map([
    [111, '500'],
    [222, '600'],
  ]);
  await lockImage({ dir, ref: REF, say: () => {}, procs: table(111, procs) });
  procs.delete(111);
  const said: string[] = [];
  const b = await within(
    lockImage({ dir, ref: REF, say: (m) => said.push(m), pollMs: 10, procs: table(222, procs) }),
    500,
  );
  assert.notEqual(b, 'waiting');
  assert.deepEqual(said, [`xcross (pid 111) that was building ${REF} is gone: taking over its lock`]);
});

test('a reused pid (same pid, another start time) is a dead holder; a lock from before a reboot too', async () => {
  const procs = new Map([
    [111, '500'],
    [222, '600'],
  ]);
  const h = { pid: 111, start: '500', boot: 'boot-1', nonce: 'n', ref: REF };
  assert.equal(isLive(h, table(222, procs)), true);
  assert.equal(isLive({ ...h, start: '499' }, table(222, procs)), false, 'pid reused');
  assert.equal(isLive(h, table(222, procs, 'boot-2')), false, 'rebooted');
  assert.equal(isLive(h, table(222, new Map([[111, '']]))), true, 'no /proc: a live pid is trusted');

  const dir = tempDir();
  await lockImage({ dir, ref: REF, say: () => {}, procs: table(111, procs) });
  procs.set(111, '777');
  assert.notEqual(
    await within(lockImage({ dir, ref: REF, say: () => {}, pollMs: 10, procs: table(222, procs) }), 500),
    'waiting',
  );
});

test("this machine's process table: this process is live, a pid that exited is not", async () => {
  const me = systemProcesses();
  assert.match(me.startOf(process.pid) ?? 'none', /^\d+$/);
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  assert.equal(me.startOf(pid), undefined);
});

test('a lock directory that cannot be made never fails a build: it goes on without the lock', async () => {
  const file = path.join(tempDir(), 'not-a-dir');
  fs.writeFileSync(file, '');
  const l = await within(lockImage({ dir: path.join(file, 'locks'), ref: REF, say: () => {} }), 500);
  assert.notEqual(l, 'waiting');
});

// Real processes: the lock as xcross processes meet it. `extra` (JSON) tunes the bounds and makes the
// holder act: progress every N ms while it holds, a real build process that ends while the holder
// keeps the lock (a hung xcross), an inner lock taken under the outer one (a toolchain under a target).
const ACTIVITY = path.join(__dirname, '..', '..', 'src', 'images', 'build-activity.js');
const CHILD = `
const { lockImage } = require(${JSON.stringify(MODULE)});
const { BuildActivity } = require(${JSON.stringify(ACTIVITY)});
const { spawn } = require('child_process');
const fs = require('fs');
const [dir, ref, log, hold, extra] = process.argv.slice(1);
const x = JSON.parse(extra || '{}');
(async () => {
  const activity = new BuildActivity(undefined, 20);
  const opts = { dir, say: (m) => process.stderr.write(m + '\\n'), pollMs: 20, activity, silenceMs: x.silenceMs, graceMs: x.graceMs };
  let l;
  try {
    l = await lockImage({ ...opts, ref });
  } catch (e) {
    process.stderr.write('error: ' + e.message + '\\nfix: ' + e.fix + '\\n');
    process.exit(3);
  }
  fs.appendFileSync(log, 'enter ' + process.pid + ' ' + Date.now() + '\\n');
  process.stdout.write('held\\n');
  if (x.progressEveryMs) setInterval(() => activity.progress(), x.progressEveryMs);
  if (x.builder) {
    // A real build process, named as the builder, that ends while this one keeps the lock.
    const b = spawn('sleep', [String(x.builder)]);
    activity.building(b.pid);
    process.stdout.write('builder ' + b.pid + '\\n');
    return setInterval(() => {}, 1000);
  }
  const inner = x.inner ? await lockImage({ ...opts, ref: x.inner }) : undefined;
  if (hold === 'forever') return setInterval(() => {}, 1000);
  // A path: hold until the test makes that file (it does once the waiters said they wait).
  if (hold.startsWith('/')) while (!fs.existsSync(hold)) await new Promise((r) => setTimeout(r, 10));
  else await new Promise((r) => setTimeout(r, Number(hold)));
  fs.appendFileSync(log, 'leave ' + process.pid + ' ' + Date.now() + '\\n');
  inner?.release();
  l.release();
  process.exit(0);
})();
`;

interface Child {
  proc: ChildProcess;
  stderr: string;
  stdout: () => string;
  held: Promise<void>;
  exited: Promise<number | null>;
}

function child(dir: string, log: string, hold: string, extra: object = {}, ref = REF): Child {
  const proc = spawn(process.execPath, ['-e', CHILD, dir, ref, log, hold, JSON.stringify(extra)]);
  let stdout = '';
  const c: Child = {
    proc,
    stderr: '',
    stdout: () => stdout,
    held: new Promise((r) =>
      proc.stdout!.on('data', (d: Buffer) => {
        stdout += d;
        if (stdout.includes('held')) r();
      }),
    ),
    exited: new Promise((r) => proc.on('exit', (code) => r(code))),
  };
  proc.stderr!.on('data', (d: Buffer) => {
    c.stderr += d;
  });
  return c;
}

/** Holding intervals from the log, checked not to overlap. */
function intervals(log: string): { pid: number; from: number; to: number }[] {
  const open = new Map<number, number>();
  const out: { pid: number; from: number; to: number }[] = [];
  for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
    const [what, pid, at] = line.split(' ');
    if (what === 'enter') open.set(Number(pid), Number(at));
    else out.push({ pid: Number(pid), from: open.get(Number(pid))!, to: Number(at) });
  }
  out.sort((a, b) => a.from - b.from);
  for (let i = 1; i < out.length; i++)
    assert.ok(out[i].from >= out[i - 1].to, `two holders at once: ${JSON.stringify(out)}`);
  return out;
}

test("processes: two waiters on a holder each wait, say the holder's pid, and hold one at a time", async () => {
  const dir = tempDir();
  const log = path.join(tempDir(), 'log');
  const release = path.join(tempDir(), 'release');
  const holder = child(dir, log, release);
  await holder.held;
  const waiters = [child(dir, log, '200'), child(dir, log, '200')];
  // However slowly the waiters start (a busy machine), the holder holds until both wait.
  for (const w of waiters) await until(() => w.stderr.includes('waiting for xcross'), 60_000);
  fs.writeFileSync(release, '');
  assert.deepEqual(await Promise.all([holder, ...waiters].map((c) => c.exited)), [0, 0, 0]);
  assert.equal(intervals(log).length, 3);
  for (const w of waiters)
    assert.match(w.stderr, new RegExp(`waiting for xcross \\(pid ${holder.proc.pid}\\) to build`));
});

test('processes: a SIGKILLed holder does not block: four waiters take over its lock, one at a time', async () => {
  const dir = tempDir();
  const log = path.join(tempDir(), 'log');
  const holder = child(dir, log, 'forever');
  await holder.held;
  holder.proc.kill('SIGKILL');
  await holder.exited;
  const started = Date.now();
  const waiters = [1, 2, 3, 4].map(() => child(dir, log, '100'));
  assert.deepEqual(await Promise.all(waiters.map((c) => c.exited)), [0, 0, 0, 0]);
  assert.equal(intervals(log).length, 4, 'each waiter held it once (the killed holder never left)');
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.equal(
    waiters.filter((w) => w.stderr.includes(`xcross (pid ${holder.proc.pid}) that was building`)).length >= 1,
    true,
  );
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('processes: a live holder whose build process ended is taken over after the grace, named with both pids', async () => {
  const dir = tempDir();
  const log = path.join(tempDir(), 'log');
  // The holder's `sleep 0.3` is its build; it ends, and the holder (alive) never lets go.
  const holder = child(dir, log, 'forever', { builder: 0.3 });
  await holder.held;
  await until(() => /builder \d+/.test(holder.stdout()), 10_000);
  const builder = Number(/builder (\d+)/.exec(holder.stdout())![1]);
  const started = Date.now();
  const waiter = child(dir, log, '50', { graceMs: 800 });
  assert.equal(await waiter.exited, 0, waiter.stderr);
  const took = Date.now() - started;
  assert.match(waiter.stderr, new RegExp(`^waiting for xcross \\(pid ${holder.proc.pid}\\) to build `, 'm'));
  assert.match(
    waiter.stderr,
    new RegExp(
      `^xcross \\(pid ${holder.proc.pid}\\) still holds the lock for ${REF.replace(/[.]/g, '\\.')}, but its build process \\(pid ${builder}\\) ended \\d+ s ago: taking over its lock$`,
      'm',
    ),
  );
  // Not before the builder ended and the grace passed; not long after.
  assert.ok(took >= 800 && took < 20_000, `took ${took} ms`);
  assert.equal(holder.proc.exitCode, null, 'the holder still lives');
  holder.proc.kill('SIGKILL');
  await holder.exited;
  assert.deepEqual(fs.readdirSync(dir), [], 'the taken-over lock and its work file are gone');
});

test('processes: a live holder that shows no progress is waited for up to the bound, then one sentence with its pid, age and a fix', async () => {
  const dir = tempDir();
  const log = path.join(tempDir(), 'log');
  const holder = child(dir, log, 'forever');
  await holder.held;
  const started = Date.now();
  const waiter = child(dir, log, '50', { silenceMs: 1500 });
  assert.equal(await waiter.exited, 3, waiter.stderr);
  const waited = Date.now() - started;
  assert.ok(waited >= 1000 && waited < 20_000, `waited ${waited} ms`);
  const pid = holder.proc.pid!;
  assert.match(
    waiter.stderr,
    new RegExp(
      `^error: xcross \\(pid ${pid}\\) has been building ${REF.replace(/[.]/g, '\\.')} for \\d+ s and has shown no progress for \\d+ s: it may be stuck$`,
      'm',
    ),
  );
  assert.match(
    waiter.stderr,
    new RegExp(
      `^fix: if it is \\(\`ps -fp ${pid}\`\\), end it with \`kill ${pid}\` and run again: its lock is then taken over at once; if it is only slow, run again to go on waiting for it$`,
      'm',
    ),
  );
  // It gave up; the holder is untouched and still holds.
  assert.equal(holder.proc.exitCode, null);
  holder.proc.kill('SIGKILL');
  await holder.exited;
});

test('processes: the bound is on silence, not on time: a holder that shows progress is waited for past it', async () => {
  const dir = tempDir();
  const log = path.join(tempDir(), 'log');
  const holder = child(dir, log, '3000', { progressEveryMs: 100 });
  await holder.held;
  const waiter = child(dir, log, '50', { silenceMs: 1000 });
  assert.deepEqual(await Promise.all([holder.exited, waiter.exited]), [0, 0], waiter.stderr);
  assert.equal(intervals(log).length, 2);
});

test("processes: a holder that waits for its inner layer's lock passes that build's progress on to its own waiters", async () => {
  const dir = tempDir();
  const log = path.join(tempDir(), 'log');
  const INNER = 'localhost/xcross/base:0123456789ab';
  // B builds the inner layer for 3 s with progress; A holds the outer lock and waits for B's inner one;
  // C waits for A's outer lock, with a bound shorter than B's build: A's own silence is B's progress.
  const release = path.join(tempDir(), 'release');
  const b = child(dir, log, '3000', { progressEveryMs: 100 }, INNER);
  await b.held;
  const a = child(dir, log, release, { inner: INNER, silenceMs: 60_000 });
  await a.held;
  const c = child(dir, log, '50', { silenceMs: 1000 });
  await until(() => c.stderr.includes('waiting for xcross'), 10_000);
  assert.equal(await b.exited, 0);
  // A now holds both; C still waits (A shows no progress of its own from here on: release it).
  fs.writeFileSync(release, '');
  assert.deepEqual(await Promise.all([a.exited, c.exited]), [0, 0], c.stderr);
});

test('two xcross runs that miss one custom image: one builds it, the other waits and uses it', async () => {
  const dir = tempDir();
  const present = new Set<string>();
  let builds = 0;
  const runtime = {
    imageExists: async (ref: string) => present.has(ref),
    imageId: async (ref: string) => (present.has(ref) ? 'sha256:1' : undefined),
    build: async (req: { tag: string }) => {
      builds++;
      await sleep(300);
      present.add(req.tag);
    },
  } as unknown as Runtime;
  const plan = (): CustomImagePlan => ({
    ref: REF,
    builds: [{ containerfile: 'C', context: '.', tag: REF, buildArgs: {}, labels: {} }],
    tempDirs: [],
    describe: 'pre-build (1 command)',
    cacheLabels: {},
  });
  const logs = [recordingLogger(), recordingLogger()];
  await Promise.all(
    logs.map((log) =>
      ensureCustomImage(
        { runtime, log, tty: false, cacheDir: dir, cache: { push: false } },
        plan(),
        'localhost/xcross',
      ),
    ),
  );
  assert.equal(builds, 1);
  const waiter = logs.find((l) => l.lines.some((x) => x.startsWith('info: waiting for xcross')))!;
  assert.ok(waiter, JSON.stringify(logs.map((l) => l.lines)));
  assert.deepEqual(waiter.lines, [
    `info: waiting for xcross (pid ${process.pid}) to build ${REF} ...`,
    `info: xcross (pid ${process.pid}) made ${REF}: using it`,
  ]);
});
