// Load: xcross processes of one user running at once. Missing images are custom ones (a pre-build
// with a marker unique to this run, on target images that are here), so that building them takes
// seconds: 8 builds of 4 targets in 2 workspaces, on both podman runtimes, build each image once
// and all succeed; a SIGKILLed builder's lock is taken over, not waited for; runs that share a
// workspace and target leave the waiting to cargo's own lock. Only this run's images are counted
// and removed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixtures, ensureTargetImages, tail, xcross, type Result } from './harness';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { planCustomImage } from '../../src/images/custom';
import { targetImageRef } from '../../src/images/tag';
import { BUILDER_GONE_GRACE_MS, lockDir } from '../../src/images/build-lock';

const TARGETS = [
  'x86_64-unknown-linux-gnu',
  'aarch64-unknown-linux-gnu',
  'armv7-unknown-linux-gnueabihf',
  'i686-unknown-linux-gnu',
];
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const registry = loadRegistry();
const made = new Set<string>();
const dirs: string[] = [];
const figures: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function podman(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('podman', args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function baseRef(triple: string): string {
  return targetImageRef(registry.base, findTarget(registry, triple));
}

/** The custom image xcross will want for these pre-build lines (its tag does not depend on the workspace). */
function customRef(triple: string, lines: string[], crate: string): string {
  const baseId = podman(['image', 'inspect', '--format', '{{.Id}}', baseRef(triple)]).stdout.trim();
  const plan = planCustomImage({
    target: findTarget(registry, triple),
    prefix: registry.base.imagePrefix,
    baseRef: baseRef(triple),
    baseId,
    workspaceRoot: crate,
    preBuild: { kind: 'lines', lines },
  });
  for (const d of plan.tempDirs) fs.rmSync(d, { recursive: true, force: true });
  made.add(plan.ref);
  return plan.ref;
}

function workspace(preBuild: Record<string, string[]>): string {
  const { dir, crate } = copyFixtures();
  dirs.push(dir);
  fs.writeFileSync(
    path.join(crate, 'Cross.toml'),
    Object.entries(preBuild)
      .map(([t, lines]) => `[target.${t}]\npre-build = ${JSON.stringify(lines)}\n`)
      .join('\n'),
  );
  return crate;
}

interface Timed extends Result {
  pid: number;
  /** ms after the start when a stderr line containing `text` first came, or undefined. */
  at(text: string): number | undefined;
}

/** xcross, with the time each stderr line came. */
async function timed(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  onStart?: (c: ChildProcess) => void,
): Promise<Timed> {
  const started = Date.now();
  const lines: { ms: number; text: string }[] = [];
  let pid = 0;
  const r = await xcross(args, {
    cwd,
    env,
    timeoutMs: 30 * 60_000,
    onStart: (child) => {
      pid = child.pid ?? 0;
      let partial = '';
      child.stderr?.on('data', (d: Buffer) => {
        const parts = (partial + d.toString()).split('\n');
        partial = parts.pop() ?? '';
        for (const text of parts) lines.push({ ms: Date.now() - started, text });
      });
      onStart?.(child);
    },
  });
  return { ...r, pid, at: (text) => lines.find((l) => l.text.includes(text))?.ms };
}

function building(ref: string): string {
  return `building the custom image for pre-build (1 command): ${ref}`;
}

/** Images (tagged or intermediate) that carry the inputs digest of one of this run's refs. */
function imagesWithInputs(ref: string): string[] {
  const digest = ref.slice(ref.lastIndexOf(':') + 1);
  return [
    ...new Set(
      podman(['images', '-a', '--filter', `label=io.xcross.inputs=${digest}`, '--format', '{{.ID}}'])
        .stdout.split('\n')
        .filter(Boolean),
    ),
  ];
}

/**
 * Counts the pre-build steps that really ran, whatever the engine and the log say: each one
 * connects to this loopback port (image builds run on the host network) and sends its target.
 */
class StepCounter {
  readonly runs = new Map<string, number>();
  private readonly server = net.createServer((s) => {
    let got = '';
    s.on('data', (d) => {
      got += d;
    });
    s.on('end', () => {
      const t = got.trim();
      this.runs.set(t, (this.runs.get(t) ?? 0) + 1);
    });
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** The pre-build line that reports itself. */
  get line(): string {
    return `bash -c 'echo "$CROSS_TARGET" > /dev/tcp/127.0.0.1/${this.port}' && touch /xcross-load-${RUN}`;
  }

  close(): void {
    this.server.close();
  }
}

/** Waits (up to 60 s) until no build sweep of xcross `pid` runs (its alias names the pid). */
async function sweepsOf(pid: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (spawnSync('pgrep', ['-f', `xcross-build-sweep .* localhost/xcross-build-${pid}-`]).status !== 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`the build sweep of xcross (pid ${pid}) still runs after 60 s`);
}

function lockFilesOf(ref: string): string[] {
  const dir = lockDir(path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'xcross'));
  const prefix = ref.replace(/[^A-Za-z0-9._-]/g, '_');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(prefix)) : [];
}

describe('load: xcross processes at once', { timeout: 60 * 60_000 }, () => {
  before(async () => {
    await ensureTargetImages(TARGETS);
    const missing = TARGETS.map(baseRef).filter((ref) => podman(['image', 'exists', ref]).code !== 0);
    assert.deepEqual(missing, [], 'these target images are not here after xcross image build');
  });

  after(() => {
    for (const ref of made) {
      podman(['rmi', '--force', ref]);
      // Intermediate images of this run's builds carry its digests too: they are this test's to remove.
      for (const id of imagesWithInputs(ref)) podman(['rmi', '--force', id]);
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    if (figures.length) process.stdout.write(`# load figures:\n${figures.map((f) => `#   ${f}`).join('\n')}\n`);
  });

  test('8 builds of 4 targets in 2 workspaces, podman and podman-api mixed: all succeed, each missing image built once', async () => {
    const steps = new StepCounter();
    await steps.start();
    const lines = [steps.line];
    const spaces = [0, 1].map(() => workspace(Object.fromEntries(TARGETS.map((t) => [t, lines]))));
    const refs = new Map(TARGETS.map((t) => [t, customRef(t, lines, spaces[0])]));
    for (const ref of refs.values())
      assert.equal(podman(['image', 'exists', ref]).code, 1, `${ref} is here before the test built it`);
    // Each image is wanted by one process per runtime, from different workspaces.
    const jobs = spaces.flatMap((crate, w) =>
      TARGETS.map((t, k) => ({ crate, t, runtime: (w + k) % 2 === 0 ? 'podman' : 'podman-api' })),
    );
    const started = Date.now();
    const results = await Promise.all(
      jobs.map((j) => timed(['build', '--target', j.t], j.crate, { XCROSS_RUNTIME: j.runtime })),
    );
    const wall = Date.now() - started;
    steps.close();
    for (const r of results)
      for (const ref of r.stderr.match(/localhost\/xcross\/custom-[\w.-]+:[0-9a-f]{16}/g) ?? []) made.add(ref);
    results.forEach((r, i) =>
      assert.equal(
        r.code,
        0,
        `${jobs[i].t} in workspace ${spaces.indexOf(jobs[i].crate)} (${jobs[i].runtime}) failed:\n${tail(r.stderr)}`,
      ),
    );
    for (const j of jobs)
      assert.ok(
        fs.existsSync(path.join(j.crate, 'target', j.t, 'debug', 'hello-xcross')),
        `no binary for ${j.t} in ${j.crate}`,
      );
    const named = new Set(
      results.flatMap((r) => r.stderr.match(/localhost\/xcross\/custom-[\w.-]+:[0-9a-f]{16}/g) ?? []),
    );
    assert.deepEqual(
      [...named].sort(),
      [...refs.values()].sort(),
      'xcross wanted other custom images than the test expected (was a target image rebuilt meanwhile?)',
    );

    const waits: number[] = [];
    for (const [t, ref] of refs) {
      const mine = results.filter((_, i) => jobs[i].t === t);
      const builders = mine.filter((r) => r.stderr.includes(building(ref)));
      assert.equal(
        builders.length,
        1,
        `${ref} was built by ${builders.length} processes:\n${mine.map((r) => tail(r.stderr, 1500)).join('\n---\n')}`,
      );
      assert.equal(steps.runs.get(t), 1, `the pre-build step of ${t} ran ${steps.runs.get(t) ?? 0} times`);
      const other = mine.find((r) => r !== builders[0])!;
      const waited = other.at(`waiting for xcross (pid ${builders[0].pid}) to build ${ref}`);
      const used = other.at(`xcross (pid ${builders[0].pid}) made ${ref}: using it`);
      if (waited !== undefined) {
        assert.ok(used !== undefined, `the waiter for ${ref} did not say it used the image:\n${tail(other.stderr)}`);
        waits.push(used - waited);
      }
      assert.deepEqual(lockFilesOf(ref), [], `lock files of ${ref} were left behind`);
    }
    // Started together, the two processes of an image overlap: at least some of them must have waited.
    assert.ok(
      waits.length >= 1,
      `no process waited for another's build: the test did not exercise the lock:\n${results.map((r) => tail(r.stderr, 800)).join('\n---\n')}`,
    );
    figures.push(
      `8 concurrent builds (4 custom images missing, 2 workspaces, podman + podman-api): ${seconds(wall)} wall, each image built once; ${waits.length} of 4 second processes waited, ${waits.map(seconds).join(', ')}`,
    );
  });

  for (const runtime of ['podman', 'podman-api']) {
    test(`${runtime}: a builder killed with SIGKILL leaves a stale lock: the next xcross takes it over at once and builds`, async () => {
      const t = TARGETS[0];
      const lines = [`sleep 12 && touch /xcross-stale-${RUN}-${runtime}`];
      const crate = workspace({ [t]: lines });
      const ref = customRef(t, lines, crate);
      let orphans: number[] = [];
      const killed = await timed(['build', '--target', t], crate, { XCROSS_RUNTIME: runtime }, (child) => {
        let err = '';
        let seen = 0;
        child.stderr?.on('data', (d: Buffer) => {
          err += d;
        });
        const poll = setInterval(() => {
          // The lock is held once xcross says it builds; kill it once the build is under way: its
          // `podman build` child runs (CLI), or a moment after the request went out (API).
          if (!err.includes(building(ref))) return;
          seen ||= Date.now();
          const children = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
            .stdout.split('\n')
            .filter(Boolean)
            .map(Number);
          const underWay =
            runtime === 'podman'
              ? spawnSync('pgrep', ['-P', String(child.pid), '-f', ' build '], { encoding: 'utf8' }).stdout.trim() !==
                ''
              : Date.now() - seen > 1500;
          if (underWay) {
            clearInterval(poll);
            orphans = children;
            child.kill('SIGKILL');
          }
        }, 200);
        child.once('close', () => clearInterval(poll));
      });
      assert.equal(killed.signal, 'SIGKILL', tail(killed.stderr));
      assert.notDeepEqual(lockFilesOf(ref), [], 'the killed builder left no lock: this test proves nothing');

      const next = await timed(['build', '--target', t], crate, { XCROSS_RUNTIME: runtime });
      for (const r of next.stderr.match(/localhost\/xcross\/custom-[\w.-]+:[0-9a-f]{16}/g) ?? []) made.add(r);
      assert.equal(next.code, 0, tail(next.stderr));
      const took = next.at(`xcross (pid ${killed.pid}) that was building ${ref} is gone: taking over its lock`);
      assert.ok(took !== undefined, `no takeover said:\n${tail(next.stderr)}`);
      assert.ok(!next.stderr.includes('waiting for xcross'), `it waited for a dead process:\n${tail(next.stderr)}`);
      assert.deepEqual(lockFilesOf(ref), []);
      figures.push(
        `${runtime}: stale lock of a SIGKILLed builder: taken over ${seconds(took)} after the next xcross started; that build and cargo: ${seconds(next.ms)}`,
      );
      // What the killed xcross started (a podman build, a podman service) goes on alone for a while:
      // let it end before this run's images are removed.
      for (let i = 0; i < 900 && orphans.some((p) => spawnSync('kill', ['-0', String(p)]).status === 0); i++)
        await new Promise((r) => setTimeout(r, 100));
    });
  }

  test('podman: a builder stopped (SIGSTOP, as Ctrl-Z) whose podman build then died keeps its lock: the next xcross takes it over after the grace and builds', async () => {
    const t = TARGETS[0];
    // The first build is killed as its podman build starts; the sleep only keeps it from ending first.
    const lines = [`sleep 2 && touch /xcross-stopped-${RUN}`];
    const crate = workspace({ [t]: lines });
    const ref = customRef(t, lines, crate);
    let holder: ChildProcess | undefined;
    let builder = 0;
    const holding = timed(['build', '--target', t], crate, { XCROSS_RUNTIME: 'podman' }, (child) => {
      holder = child;
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d;
      });
      const poll = setInterval(() => {
        if (!err.includes(building(ref))) return;
        const pid = spawnSync('pgrep', ['-P', String(child.pid), '-f', ' build '], { encoding: 'utf8' }).stdout.trim();
        if (!pid) return;
        clearInterval(poll);
        // xcross stops; its podman build (a process group of its own) is then killed: the lock's holder
        // lives, and nothing builds.
        child.kill('SIGSTOP');
        builder = Number(pid.split('\n')[0]);
        process.kill(builder, 'SIGKILL');
      }, 200);
      child.once('close', () => clearInterval(poll));
    });
    try {
      let ended = false;
      void holding.then(() => (ended = true));
      while (builder === 0) {
        if (ended) assert.fail(`the first xcross ended before its podman build ran:\n${tail((await holding).stderr)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.notDeepEqual(lockFilesOf(ref), [], 'the stopped builder holds no lock: this test proves nothing');
      const next = await timed(['build', '--target', t], crate, { XCROSS_RUNTIME: 'podman' });
      for (const r of next.stderr.match(/localhost\/xcross\/custom-[\w.-]+:[0-9a-f]{16}/g) ?? []) made.add(r);
      assert.equal(next.code, 0, tail(next.stderr));
      const waited = next.at(`waiting for xcross (pid ${holder!.pid}) to build ${ref}`);
      const took = next.at(
        `xcross (pid ${holder!.pid}) still holds the lock for ${ref}, but its build process (pid ${builder}) ended`,
      );
      assert.ok(waited !== undefined && took !== undefined, `no wait and takeover said:\n${tail(next.stderr)}`);
      assert.ok(took - waited >= BUILDER_GONE_GRACE_MS, `taken over after ${took - waited} ms`);
      assert.ok(next.stderr.includes(building(ref)), `the next xcross did not build ${ref}:\n${tail(next.stderr)}`);
      assert.equal(podman(['image', 'exists', ref]).code, 0);
      figures.push(
        `podman: a stopped builder whose podman build died: taken over ${seconds(took - waited)} after the next xcross began to wait; it built and compiled in ${seconds(next.ms)}`,
      );
    } finally {
      holder?.kill('SIGKILL');
      await holding;
      // Its watchdog now sweeps the killed build: let it end before the next test starts its own runs.
      if (holder?.pid) await sweepsOf(holder.pid);
    }
    assert.deepEqual(lockFilesOf(ref), []);
  });

  test("4 builds in one workspace and target at once: cargo's lock decides, xcross adds no failure", async () => {
    const t = TARGETS[0];
    const crate = workspace({});
    const runtimes = ['podman', 'podman-api', 'podman', 'podman-api'];
    const started = Date.now();
    const results = await Promise.all(
      runtimes.map((rt) => timed(['build', '--target', t], crate, { XCROSS_RUNTIME: rt })),
    );
    const wall = Date.now() - started;
    results.forEach((r, i) => assert.equal(r.code, 0, `${runtimes[i]}:\n${tail(r.stderr)}`));
    const blocked = results.filter((r) => /Blocking waiting for file lock/.test(r.stderr));
    assert.ok(
      blocked.length >= 1,
      `no cargo waited for another's lock: the runs did not overlap:\n${results.map((r) => tail(r.stderr, 600)).join('\n---\n')}`,
    );
    assert.ok(fs.existsSync(path.join(crate, 'target', t, 'debug', 'hello-xcross')));
    figures.push(
      `4 concurrent builds of one workspace and target: ${seconds(wall)} wall, ${blocked.length} blocked on cargo's lock, all exit 0`,
    );
  });
});
