// Faults (issue 15): xcross killed with SIGKILL during run, test, shell and an image build; the
// engine's own process (podman run, podman build) killed under a live xcross; the podman service
// killed mid-run and mid-build (podman-api, on a service of the test's own). After each: nothing of
// that run left (its containers are found by this test's own workspace label, its build by the
// build's own base alias and a marker in its pre-build step), within 10 s; service deaths end in an
// error within 5 s. Each case prints a "recovery" line with the time it took (README: Faults).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containersWithLabel, copyFixtures, ensureTargetImages, type Result, tail, xcross } from './harness';
import { Terminal } from './pty-driver';

const T = 'x86_64-unknown-linux-gnu';
const CLI = { XCROSS_RUNTIME: 'podman' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, f: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!f()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** The engine processes xcross started (podman run / podman build), by their parent. */
function engineChild(xcrossPid: number, verb: string): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(xcrossPid), '-f', `podman .*${verb} `], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n')[0]) || undefined;
}

/** buildah containers made since `since` (s) from an image of the build's inputs, or by its FROM step. */
function buildLeftovers(inputs: string, since: number): string[] {
  const labelOf = (id: string) =>
    spawnSync('podman', ['image', 'inspect', '--format', '{{index .Labels "io.xcross.inputs"}}', id], {
      encoding: 'utf8',
    }).stdout.trim();
  return madeSince(since)
    .filter((e) => e.Names[0].startsWith(`${T}-working-container`) || labelOf(e.ImageID) === inputs)
    .map((e) => e.Names[0]);
}

/** Every container (podman's and buildah's) made since `since` (s): the tests run one at a time. */
function madeSince(since: number): { Names: string[]; ImageID: string; Created: number }[] {
  const ps = spawnSync('podman', ['ps', '-a', '--external', '--format', 'json'], { encoding: 'utf8' }).stdout;
  return (JSON.parse(ps || '[]') as { Names: string[]; ImageID: string; Created: number }[]).filter(
    (e) => e.Created >= since,
  );
}

function containersSince(since: number): string[] {
  return madeSince(since).map((e) => e.Names[0]);
}

/** buildah's working containers of this xcross's builds (their image is its base alias, see build-from.ts). */
function workingContainers(xcrossPid: number): string[] {
  const r = spawnSync('podman', ['ps', '-a', '--external', '--format', '{{.Image}} {{.Names}}'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((n) => n.startsWith(`localhost/xcross-build-${xcrossPid}-`) || n.includes(` xcross-build-${xcrossPid}-`));
}

function processesWith(marker: string): string[] {
  return spawnSync('pgrep', ['-u', String(process.getuid!()), '-f', marker], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
}

/** The working container a build step runs in (buildah sets HOSTNAME to its ID). */
function stepContainer(marker: string): string | undefined {
  for (const pid of processesWith(marker)) {
    const m = /(?:^|\0)HOSTNAME=([0-9a-f]{12})\0/.exec(fs.readFileSync(`/proc/${pid}/environ`, 'latin1'));
    if (m) return m[1];
  }
  return undefined;
}

function externalContainers(): string[] {
  return spawnSync('podman', ['ps', '-a', '--external', '--format', '{{.ID}}'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
}

function aliases(xcrossPid: number): string[] {
  return spawnSync('podman', ['images', '--format', '{{.Repository}}'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((r) => r.startsWith(`localhost/xcross-build-${xcrossPid}-`));
}

function imageExists(ref: string): boolean {
  return spawnSync('podman', ['image', 'exists', ref]).status === 0;
}

function row(t: { diagnostic(s: string): void }, kase: string, happened: string, ms: number, left: string): void {
  t.diagnostic(`recovery | ${kase} | ${happened} | ${(ms / 1000).toFixed(1)} s | ${left}`);
}

/** Starts xcross and calls `when` with it once `ready` says so. */
type Out = { stdout: string; stderr: string };

function startXcross(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  ready: (out: Out) => boolean,
  when: (child: ChildProcess) => void,
  timeoutMs = 300_000,
): Promise<Result> {
  return xcross(args, {
    cwd,
    env,
    timeoutMs,
    onStart: (child) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
      });
      let fired = false;
      const poll = setInterval(() => {
        if (fired || !ready({ stdout, stderr })) return;
        fired = true;
        clearInterval(poll);
        when(child);
      }, 100);
      child.once('close', () => clearInterval(poll));
    },
  });
}

/** What a SIGKILL test starts: xcross in `crate` with `env`, its containers found by `label`. */
interface KillSetup {
  crate: string;
  label: string;
  env: Record<string, string>;
}

/** Starts xcross, SIGKILLs it once `ready` (its container up), and waits for the container to go. */
async function killWhenReady(
  t: TestContext,
  k: KillSetup,
  args: string[],
  ready: (o: Out) => boolean,
  what: string,
): Promise<void> {
  let killedAt = 0;
  const r = await startXcross(args, k.crate, k.env, ready, (c) => {
    assert.equal(containersWithLabel(k.label).length, 1);
    killedAt = Date.now();
    c.kill('SIGKILL');
  });
  assert.equal(r.signal, 'SIGKILL', tail(r.stderr));
  await until('the container is gone', () => containersWithLabel(k.label).length === 0, 10_000);
  row(t, what, 'watchdog removed the container', Date.now() - killedAt, 'nothing');
}

const sleeping = (o: Out) => o.stdout.includes('sleeping');
const SLEEP_RUN = ['run', '--target', T, '--', '--sleep', '300'];

/** A Cross.toml whose custom image sleeps in its pre-build step, under a marker of its own. */
function slowPreBuild(crate: string, marker: string): void {
  fs.writeFileSync(
    path.join(crate, 'Cross.toml'),
    `[target.${T}]\npre-build = ["echo ${marker}-start && sleep 120 && echo ${marker}"]\n`,
  );
}

function customTag(stderr: string): string | undefined {
  return /building (localhost\/xcross\/custom-[^\s:]+:[0-9a-f]+)/.exec(stderr)?.[1];
}

describe('faults: xcross killed with SIGKILL (podman CLI)', () => {
  let dir: string;
  let crate: string;
  let label: string;
  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
    label = `io.xcross.workspace=${crate}`;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('xcross run: no container of it 10 s later', { timeout: 400_000 }, async (t) => {
    await killWhenReady(t, { crate, label, env: CLI }, SLEEP_RUN, sleeping, 'SIGKILL of xcross during `run`');
  });

  test('xcross test: no container of it 10 s later', { timeout: 400_000 }, async (t) => {
    fs.rmSync(path.join(crate, 'target'), { recursive: true, force: true });
    const running = () => containersWithLabel(label).length === 1;
    await killWhenReady(
      t,
      { crate, label, env: CLI },
      ['test', '--target', T],
      running,
      'SIGKILL of xcross during `test`',
    );
  });

  test('xcross shell in a terminal: no container of it 10 s later', { timeout: 400_000 }, async (t) => {
    const term = new Terminal(['shell', '--target', T], crate, CLI);
    try {
      await term.waitFor(/\[xcross x86_64-unknown-linux-gnu\] \/\S+[#$] $/m, 120_000);
      assert.equal(containersWithLabel(label).length, 1);
      const killedAt = Date.now();
      process.kill(term.pid, 'SIGKILL');
      await term.exited;
      await until('the container is gone', () => containersWithLabel(label).length === 0, 10_000);
      row(
        t,
        'SIGKILL of xcross during `shell` (a terminal)',
        'watchdog removed the container',
        Date.now() - killedAt,
        'nothing',
      );
    } finally {
      term.kill();
    }
  });

  test('podman run killed under xcross: an error saying so, and no container', { timeout: 400_000 }, async (t) => {
    let killedAt = 0;
    const r = await startXcross(SLEEP_RUN, crate, CLI, sleeping, (c) => {
      const engine = engineChild(c.pid!, 'run');
      assert.ok(engine, 'no podman run child of xcross');
      killedAt = Date.now();
      process.kill(engine, 'SIGKILL');
    });
    const ended = Date.now() - killedAt;
    assert.match(
      r.stderr,
      /xcross: error: .*podman run was killed by a signal while cargo ran; its container xcross-run-\S+ was removed/,
      tail(r.stderr),
    );
    assert.notEqual(r.code, 0);
    assert.deepEqual(containersWithLabel(label), []);
    row(t, 'SIGKILL of `podman run` under a live xcross', 'xcross removed the container and said so', ended, 'nothing');
  });

  for (const who of ['xcross', 'podman build'] as const) {
    test(
      `image build, ${who} killed: no build container, no RUN step, no tagged image 10 s later`,
      { timeout: 600_000 },
      async (t) => {
        const marker = `xcross-faults-${process.pid}-${who === 'xcross' ? 'x' : 'b'}${Date.now().toString(36)}`;
        slowPreBuild(crate, marker);
        const since = Math.floor(Date.now() / 1000);
        let pid = 0;
        let killedAt = 0;
        try {
          const r = await startXcross(
            ['build', '--target', T, '-v'],
            crate,
            CLI,
            () => processesWith(`${marker}-start`).length > 0,
            (c) => {
              pid = c.pid!;
              assert.ok(workingContainers(pid).length > 0, 'no working container named after the alias');
              killedAt = Date.now();
              if (who === 'xcross') c.kill('SIGKILL');
              else process.kill(engineChild(pid, 'build')!, 'SIGKILL');
            },
          );
          const tag = customTag(r.stderr);
          assert.ok(tag, tail(r.stderr));
          if (who === 'xcross') assert.equal(r.signal, 'SIGKILL');
          else
            assert.match(
              r.stderr,
              /podman build was killed \(SIGKILL\); its build containers were removed/,
              tail(r.stderr),
            );
          await until(
            'the build is swept',
            () =>
              workingContainers(pid).length === 0 && processesWith(marker).length === 0 && aliases(pid).length === 0,
            10_000,
          );
          const total = Date.now() - killedAt;
          assert.equal(imageExists(tag!), false, `${tag} was tagged`);
          // Whatever buildah made for the build, named after the alias or not (a cached step's).
          assert.deepEqual(containersSince(since), []);
          row(
            t,
            `SIGKILL of ${who === 'xcross' ? 'xcross' : '`podman build`'} during an image build`,
            who === 'xcross'
              ? 'watchdog killed the build, removed its working container and base alias'
              : 'xcross swept the working container and said so',
            total,
            'nothing (no tag, no alias)',
          );
        } finally {
          fs.rmSync(path.join(crate, 'Cross.toml'), { force: true });
        }
      },
    );
  }
});

describe("faults: the podman service killed (podman-api, a service of this test's own)", () => {
  let dir: string;
  let crate: string;
  let label: string;
  let socket: string;
  let service: ChildProcess | undefined;
  const start = async () => {
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    await until('the service listens', () => fs.existsSync(socket), 15_000);
  };
  const api = () => ({ XCROSS_RUNTIME: 'podman-api', CONTAINER_HOST: `unix://${socket}` });
  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
    label = `io.xcross.workspace=${crate}`;
    socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-faults-svc-')), 'podman.sock');
    await start();
  });
  after(() => {
    service?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(socket), { recursive: true, force: true });
  });

  test('killed mid-run: an error within 5 s naming it; no container left', { timeout: 400_000 }, async (t) => {
    let killedAt = 0;
    const r = await startXcross(SLEEP_RUN, crate, api(), sleeping, () => {
      killedAt = Date.now();
      service!.kill('SIGKILL');
    });
    const ms = Date.now() - killedAt;
    assert.ok(ms < 5_000, `xcross took ${ms} ms to end`);
    assert.match(
      r.stderr,
      /xcross: error: the podman service on .* went away while cargo ran in xcross-run-\S+; the container was removed with the podman CLI/,
      tail(r.stderr),
    );
    assert.deepEqual(containersWithLabel(label), []);
    fs.rmSync(socket, { force: true });
    await start();
    assert.deepEqual(containersWithLabel(label), []);
    row(
      t,
      'podman service SIGKILLed mid-run (podman-api)',
      'error in the run, container removed at once with the local podman',
      ms,
      'nothing',
    );
  });

  test(
    'killed mid-build: an error within 5 s naming it; no build container, RUN step or tagged image',
    { timeout: 600_000 },
    async (t) => {
      const marker = `xcross-faults-${process.pid}-s${Date.now().toString(36)}`;
      const since = Math.floor(Date.now() / 1000);
      slowPreBuild(crate, marker);
      let step: string | undefined;
      let killedAt = 0;
      try {
        const r = await startXcross(
          ['build', '--target', T, '-v'],
          crate,
          api(),
          () => processesWith(`${marker}-start`).length > 0,
          () => {
            step = stepContainer(marker);
            killedAt = Date.now();
            service!.kill('SIGKILL');
          },
        );
        const ms = Date.now() - killedAt;
        assert.ok(ms < 5_000, `xcross took ${ms} ms to end`);
        assert.match(r.stderr, /went away during the build.*; its build containers were removed/, tail(r.stderr));
        const tag = customTag(r.stderr);
        assert.ok(tag, tail(r.stderr));
        fs.rmSync(socket, { force: true });
        await start();
        assert.ok(step, 'the build step had no container ID');
        await until(
          'the build is swept',
          () => !externalContainers().includes(step!) && processesWith(marker).length === 0,
          10_000,
        );
        assert.equal(imageExists(tag!), false, `${tag} was tagged`);
        // The steps before the RUN step left working containers too (no process, status Storage).
        assert.deepEqual(buildLeftovers(tag!.split(':').pop()!, since), []);
        assert.deepEqual(containersSince(since), []);
        row(
          t,
          'podman service SIGKILLed mid-build (podman-api)',
          'error in the build; its orphaned RUN step killed and working container removed at once with the local podman',
          ms,
          'nothing (no tag)',
        );
      } finally {
        fs.rmSync(path.join(crate, 'Cross.toml'), { force: true });
      }
    },
  );

  test('xcross killed with SIGKILL mid-run (podman-api): no container of it 10 s later', { timeout: 400_000 }, (t) =>
    killWhenReady(t, { crate, label, env: api() }, SLEEP_RUN, sleeping, 'SIGKILL of xcross during `run` (podman-api)'),
  );
});
