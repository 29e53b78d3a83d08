// The CLI engine under faults, with a fake podman (a shell script that logs its calls): the app's
// stop ends a run without a signal handler of the engine's own; `podman run` or `podman build` killed
// under a live xcross; xcross itself killed with SIGKILL (the watchdog removes what it started).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PodmanCli } from '../../runtimes/cli/podman';
import { StopController } from '../../src/stop';
import { Interrupted } from '../../runtimes/stop';
import { XcrossError } from '../../src/base/errors';
import { minimalSpec, recordingLogger, tempDir, writeTree } from './helpers';

/** A podman that logs each call; its `run` of the program and its `build` wait, pid in $dir/pid. */
function fakePodman(): { binary: string; dir: string; calls: () => string[] } {
  const dir = tempDir('xcross-fake-podman-');
  writeTree(
    dir,
    {
      podman: `#!/bin/sh
d=$(dirname "$0")
echo "$*" >> "$d/calls"
case " $* " in
  *" run "*sleep-forever*|*" build "*)
    for a in "$@"; do case "$a" in localhost/xcross-build-*) n=\${a#localhost/}; echo "\${n%:from}" > "$d/alias";; esac; done
    [ -f "$d/fail" ] && { echo 'Error: building at STEP "RUN x": write /big: no space left on device'; exit 1; }
    echo $$ > "$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"; echo running; exec sleep 30 ;;
  *" ps "*--external*{{.Image}}*) [ -f "$d/alias" ] && echo "0123456789ab localhost/$(cat "$d/alias"):from"; echo "ba9876543210 localhost/xcross/base:1"; echo "cccccccccccc localhost/$(cat "$d/alias"):from" ;;
  *" ps "*--external*) echo 0123456789ab; echo ba9876543210; echo cccccccccccc ;;
  # podman's own containers (a job container that happens to use the alias's image): never a build's.
  *" ps "*) echo cccccccccccc ;;
esac
exit 0
`,
    },
    0o755,
  );
  return {
    binary: path.join(dir, 'podman'),
    dir,
    calls: () =>
      fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [],
  };
}

const spec = minimalSpec('xcross-unit-stop', ['sleep-forever']);

async function until<T>(what: string, f: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pidOf = (dir: string) =>
  until('the fake engine to start', () =>
    fs.existsSync(path.join(dir, 'pid')) ? Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8')) : undefined,
  );

function engine(binary: string, stop?: StopController) {
  return new PodmanCli({
    binary,
    uid: 1000,
    env: { PATH: process.env.PATH },
    cacheDir: tempDir(),
    log: recordingLogger(),
    stop,
  });
}

test("the app's stop ends a run: the program gets the signal, the container is removed, 130; no signal handler of its own", async () => {
  const f = fakePodman();
  const stop = new StopController(60_000, 60_000);
  const listeners = process.listenerCount('SIGINT');
  const run = engine(f.binary, stop).run(spec);
  await pidOf(f.dir);
  assert.equal(process.listenerCount('SIGINT'), listeners, 'the runtime listens to SIGINT itself');
  stop.stop('SIGINT');
  const r = await run;
  assert.deepEqual(r, { code: 130, interrupted: 'SIGINT' });
  assert.ok(f.calls().includes('rm --force --time 0 --ignore xcross-unit-stop'), f.calls().join('\n'));
});

test('podman run killed under a live xcross: an error that says so, and its container removed', async () => {
  const f = fakePodman();
  const run = engine(f.binary, new StopController()).run(spec);
  process.kill(await pidOf(f.dir), 'SIGKILL');
  const e = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof XcrossError, String(e));
  assert.match(
    e.message,
    /run was killed by a signal while sleep-forever ran; its container xcross-unit-stop was removed/,
  );
  assert.ok(f.calls().includes('rm --force --time 0 --ignore xcross-unit-stop'), f.calls().join('\n'));
});

test('a build stopped by the app throws Interrupted; podman build killed under xcross sweeps only its own working container', async () => {
  const f = fakePodman();
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'ARG BASE_IMAGE=localhost/xcross/base:1\nFROM ${BASE_IMAGE}\nRUN sleep 1\n' });
  const req = {
    containerfile: path.join(ctx, 'Containerfile'),
    context: ctx,
    tag: 'localhost/xcross/t:1',
    buildArgs: { BASE_IMAGE: 'localhost/xcross/base:1' },
    labels: {},
  };
  const stop = new StopController(60_000, 60_000);
  const stopped = engine(f.binary, stop).build(req, () => {});
  await pidOf(f.dir);
  stop.stop('SIGTERM');
  await assert.rejects(stopped, (e: unknown) => e instanceof Interrupted && e.signal === 'SIGTERM');

  fs.rmSync(path.join(f.dir, 'pid'));
  const killed = engine(f.binary, new StopController()).build(req, () => {});
  process.kill(await pidOf(f.dir), 'SIGKILL');
  await assert.rejects(killed, /build was killed \(SIGKILL\); its build containers were removed/);
  const calls = f.calls();
  const alias = fs.readFileSync(path.join(f.dir, 'alias'), 'utf8').trim();
  assert.ok(calls.includes(`tag localhost/xcross/base:1 localhost/${alias}:from`), calls.join('\n'));
  assert.ok(calls.includes('rm --force 0123456789ab'), calls.join('\n'));
  assert.ok(!calls.some((c) => c.includes('ba9876543210')), "another build's working container was touched");
  assert.ok(
    !calls.some((c) => c.startsWith('rm') && c.includes('cccccccccccc')),
    'a container of podman run was removed',
  );
  // Only the alias: `podman untag IMAGE` alone would take every name off the base image.
  assert.ok(calls.includes(`untag localhost/${alias}:from localhost/${alias}:from`), calls.join('\n'));
});

test('a failed build sweeps its own working container too (podman leaves it when its removal fails, as on a full disk)', async () => {
  const f = fakePodman();
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM localhost/xcross/base:1\nRUN x\n' });
  fs.writeFileSync(path.join(f.dir, 'fail'), '');
  const req = {
    containerfile: path.join(ctx, 'Containerfile'),
    context: ctx,
    tag: 'localhost/xcross/t:1',
    buildArgs: {},
    labels: {},
  };
  await assert.rejects(
    engine(f.binary, new StopController()).build(req, () => {}),
    /no space left on device/,
  );
  const calls = f.calls();
  const alias = fs.readFileSync(path.join(f.dir, 'alias'), 'utf8').trim();
  assert.ok(calls.includes('rm --force 0123456789ab'), calls.join('\n'));
  assert.ok(!calls.some((c) => c.includes('ba9876543210')), "another build's working container was touched");
  assert.ok(calls.includes(`untag localhost/${alias}:from localhost/${alias}:from`), calls.join('\n'));
});

/** xcross in a process of its own, running the fake engine; the test kills it with SIGKILL. */
function xcrossChild(binary: string, op: 'run' | 'build', ctx: string) {
  const script = path.join(tempDir(), 'x.js');
  fs.writeFileSync(
    script,
    `
const { PodmanCli } = require(${JSON.stringify(path.resolve(__dirname, '../../runtimes/cli/podman.js'))});
const e = new PodmanCli({ binary: ${JSON.stringify(binary)}, uid: 1000, env: { PATH: process.env.PATH }, cacheDir: ${JSON.stringify(tempDir())}, log: { verbose: 0, info() {}, warn() {}, debug() {}, command() {} } });
const op = ${JSON.stringify(op)};
if (op === 'run') e.run(${JSON.stringify(spec)});
else e.build({ containerfile: ${JSON.stringify(path.join(ctx, 'Containerfile'))}, context: ${JSON.stringify(ctx)}, tag: 'localhost/xcross/t:1', buildArgs: { BASE_IMAGE: 'localhost/xcross/base:1' }, labels: {} }, () => {});
`,
  );
  return spawn(process.execPath, [script], { stdio: 'ignore' });
}

test('xcross killed with SIGKILL during a run: the watchdog removes the container within a second', async () => {
  const f = fakePodman();
  const child = xcrossChild(f.binary, 'run', '');
  await pidOf(f.dir);
  const killed = Date.now();
  child.kill('SIGKILL');
  await until(
    'the container to be removed',
    () => f.calls().includes('rm --force --time 0 --ignore xcross-unit-stop'),
    3_000,
  );
  assert.ok(Date.now() - killed < 3_000);
  process.kill(Number(fs.readFileSync(path.join(f.dir, 'pid'), 'utf8')), 'SIGKILL');
});

test('xcross killed with SIGKILL during a build: the watchdog kills the build and removes its working container and base alias', async () => {
  const f = fakePodman();
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM localhost/xcross/base:1\nRUN sleep 1\n' });
  const child = xcrossChild(f.binary, 'build', ctx);
  const pid = await pidOf(f.dir);
  child.kill('SIGKILL');
  const alias = fs.readFileSync(path.join(f.dir, 'alias'), 'utf8').trim();
  // The sweep looks for the build's RUN step twice, a second apart; 10 s is the promise (a busy machine).
  await until('the sweep', () => f.calls().includes(`untag localhost/${alias}:from localhost/${alias}:from`), 10_000);
  assert.ok(f.calls().includes('rm --force 0123456789ab'), f.calls().join('\n'));
  await until(
    'the podman build process to end',
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    3_000,
  );
});
