// The per-image build lock: one holder at a time across processes, waiters told the holder's pid,
// a dead holder (SIGKILL, a reused pid, a lock from before a reboot) taken over, never waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isLive, lockImage, systemProcesses, type ProcessTable } from '../../src/images/build-lock';
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

// Real processes: the lock as xcross processes meet it.
const CHILD = `
const { lockImage } = require(${JSON.stringify(MODULE)});
const fs = require('fs');
const [dir, ref, log, hold] = process.argv.slice(1);
(async () => {
  const l = await lockImage({ dir, ref, say: (m) => process.stderr.write(m + '\\n'), pollMs: 20 });
  fs.appendFileSync(log, 'enter ' + process.pid + ' ' + Date.now() + '\\n');
  process.stdout.write('held\\n');
  if (hold === 'forever') return setInterval(() => {}, 1000);
  // A path: hold until the test makes that file (it does once the waiters said they wait).
  if (hold.startsWith('/')) while (!fs.existsSync(hold)) await new Promise((r) => setTimeout(r, 10));
  else await new Promise((r) => setTimeout(r, Number(hold)));
  fs.appendFileSync(log, 'leave ' + process.pid + ' ' + Date.now() + '\\n');
  l.release();
})();
`;

interface Child {
  proc: ChildProcess;
  stderr: string;
  held: Promise<void>;
  exited: Promise<number | null>;
}

function child(dir: string, log: string, hold: string): Child {
  const proc = spawn(process.execPath, ['-e', CHILD, dir, REF, log, hold]);
  const c: Child = {
    proc,
    stderr: '',
    held: new Promise((r) =>
      proc.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('held')) r();
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
