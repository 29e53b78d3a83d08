// The CLI engine (the path most users take) against fake engines: tiny shell scripts named podman,
// docker or nerdctl that log their arguments and answer like the real one does in each case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliEngine } from '../../runtimes/cli/engine';
import { dockerFlavor, nerdctlFlavor, podmanFlavor, type CliFlavor } from '../../runtimes/cli/flavor';
import type { ContainerSpec } from '../../runtimes/spec';
import type { BuildRequest } from '../../runtimes/runtime';
import { XcrossError } from '../../src/base/errors';
import { recordingLogger, tempDir, writeTree } from './helpers';

/**
 * A CliEngine driving a fake `flavor.name`: `body` is shell run with the engine's arguments ("$1" is
 * the subcommand); every call is logged first. The probe (`run ... IMAGE true`) succeeds unless the
 * body answers it first.
 */
function fake(flavor: CliFlavor, body: string, cacheDir = tempDir()) {
  const dir = tempDir();
  const calls = path.join(dir, 'calls');
  writeTree(
    dir,
    {
      [flavor.name]: `#!/bin/sh\necho "$*" >> '${calls}'\nfor last; do :; done\n${body}\n[ "$1" = run ] && [ "$last" = true ] && exit 0\nexit 0\n`,
    },
    0o755,
  );
  const o = {
    binary: path.join(dir, flavor.name),
    uid: 1000,
    env: { PATH: `${dir}:/usr/bin:/bin` },
    cacheDir,
    log: recordingLogger(1),
  };
  const called = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : []);
  return { engine: new CliEngine(o, flavor), called, o };
}

const spec: ContainerSpec = {
  image: 'localhost/xcross/x:1',
  name: 'xcross-test-1',
  command: ['cargo', 'build'],
  workdir: '/project',
  env: {},
  mounts: [],
  owner: { uid: 1000, gid: 1000 },
  labels: { 'io.xcross.managed': 'true' },
  interactive: false,
  tty: false,
};

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<XcrossError> {
  let caught: unknown;
  await p.catch((e: unknown) => {
    caught = e;
  });
  assert.ok(caught instanceof XcrossError, `expected an XcrossError, got ${String(caught)}`);
  assert.match(caught.message, re);
  return caught;
}

describe('the CLI engine asks about images', () => {
  test("imageExists: podman's `image exists` says 0 or 1; another answer is an error naming the engine", async () => {
    const { engine, called } = fake(
      podmanFlavor,
      `case "$2:$3" in exists:here) exit 0;; exists:gone) exit 1;; esac; echo "Error: database is locked" >&2; exit 125`,
    );
    assert.equal(await engine.imageExists('here'), true);
    assert.equal(await engine.imageExists('gone'), false);
    await rejectsWith(
      engine.imageExists('broken'),
      /^podman could not look up image broken: Error: database is locked$/,
    );
    assert.deepEqual(called(), ['image exists here', 'image exists gone', 'image exists broken']);
  });

  test('imageExists: docker and nerdctl inspect, and their words for a missing image mean "no"', async () => {
    const docker = fake(dockerFlavor, `echo "Error response from daemon: No such image: $last" >&2; exit 1`);
    assert.equal(await docker.engine.imageExists('gone'), false);
    assert.deepEqual(docker.called(), ['image inspect --format {{.Id}} gone']);
    const nerdctl = fake(nerdctlFlavor, `echo "FATA[0000] no such image: $last" >&2; exit 2`);
    assert.equal(await nerdctl.engine.imageExists('gone'), false);
  });

  test('imageLabels: the string labels; none is an empty object; a failure names the engine used', async () => {
    const { engine } = fake(
      dockerFlavor,
      `case "$last" in
      labelled) echo '{"io.xcross.managed":"true","n":3}';;
      bare) echo null;;
      odd) echo '["x"]';;
      *) echo "Error: No such object: $last" >&2; exit 1;;
    esac`,
    );
    assert.deepEqual(await engine.imageLabels('labelled'), { 'io.xcross.managed': 'true' });
    assert.deepEqual(await engine.imageLabels('bare'), {});
    await rejectsWith(engine.imageLabels('odd'), /^docker printed labels of odd that are not an object$/);
    await rejectsWith(engine.imageLabels('gone'), /^docker could not inspect image gone: Error: No such object: gone$/);
  });

  test('imageId, removeImage, importTarball: failures name nerdctl when nerdctl is used', async () => {
    const { engine } = fake(nerdctlFlavor, `echo "FATA[0000] permission denied" >&2; exit 1`);
    await rejectsWith(engine.imageId('x'), /^nerdctl could not inspect image x: FATA\[0000\] permission denied$/);
    await rejectsWith(engine.removeImage('x'), /^nerdctl could not remove x: FATA\[0000\] permission denied$/);
    await rejectsWith(engine.importTarball('/tmp/base.tar', 'x'), /^nerdctl could not import \/tmp\/base.tar as x: /);
  });

  test('pull: false when the engine fails, with its lines passed on', async () => {
    const { engine, called } = fake(
      podmanFlavor,
      `[ "$1" = pull ] && { echo "Trying to pull $2..."; echo "Error: initializing source docker://$2: manifest unknown" >&2; exit 125; }`,
    );
    const lines: string[] = [];
    assert.equal(await engine.pull('ghcr.io/x/y:1', (l) => lines.push(l)), false);
    assert.deepEqual(called(), ['pull ghcr.io/x/y:1']);
    assert.ok(
      lines.some((l) => /manifest unknown/.test(l)),
      lines.join('\n'),
    );
    const ok = fake(podmanFlavor, 'exit 0');
    assert.equal(await ok.engine.pull('ghcr.io/x/y:1', () => {}), true);
  });
});

describe('the CLI engine builds', () => {
  const req = (): BuildRequest => ({
    containerfile: 'Containerfile',
    context: tempDir(),
    tag: 'localhost/xcross/t:1',
    buildArgs: { BASE_IMAGE: 'localhost/xcross/base:1' },
    labels: { 'io.xcross.managed': 'true' },
  });

  test('a failed build says which engine failed with which code, and its last lines', async () => {
    const { engine, called } = fake(
      dockerFlavor,
      `[ "$1" = info ] && exit 0; [ "$1" = build ] && { echo "STEP 1/3: FROM base"; echo "Error: building at STEP 3: exit status 100"; exit 1; }`,
    );
    const lines: string[] = [];
    const e = await rejectsWith(
      engine.build(req(), (l) => lines.push(l)),
      /^building localhost\/xcross\/t:1 failed \(docker exit code 1\); its last lines:\nSTEP 1\/3: FROM base\nError: building at STEP 3: exit status 100$/,
    );
    assert.match(e.fix ?? '', /-v/);
    assert.equal(lines.length, 2);
    // The probe ran with the base image, the build with the adaptation's flags.
    const [probe, build] = called();
    assert.match(probe, /^run --rm --pull=never --label io.xcross.managed=true --init localhost\/xcross\/base:1 true$/);
    assert.match(
      build,
      /^build --network=host -f Containerfile -t localhost\/xcross\/t:1 --build-arg BASE_IMAGE=localhost\/xcross\/base:1 --label io.xcross.managed=true /,
    );
  });

  test('a build without a step cache: --layers=false for podman; docker and nerdctl have no such flag', async () => {
    const p = fake(podmanFlavor, '');
    await p.engine.build({ ...req(), layers: false }, () => {});
    assert.match(
      p.called().find((c) => c.startsWith('build '))!,
      / --layers=false /,
    );
    const cached = fake(podmanFlavor, '');
    await cached.engine.build(req(), () => {});
    assert.doesNotMatch(
      cached.called().find((c) => c.startsWith('build '))!,
      /--layers/,
    );
    for (const flavor of [dockerFlavor, nerdctlFlavor]) {
      const f = fake(flavor, '');
      await f.engine.build({ ...req(), layers: false }, () => {});
      assert.doesNotMatch(
        f.called().find((c) => c.startsWith('build '))!,
        /--layers/,
        flavor.name,
      );
    }
  });

  test('nerdctl without BuildKit: the failure carries the hint to start it', async () => {
    const { engine } = fake(nerdctlFlavor, `[ "$1" = build ] && { echo "ERROR: buildctl: not found"; exit 1; }`);
    const e = await rejectsWith(
      engine.build(req(), () => {}),
      /\(nerdctl exit code 1\)/,
    );
    assert.match(e.fix ?? '', /buildkitd/);
  });

  test('a probe the engine refuses for a reason xcross does not know names that engine and its command', async () => {
    const { engine } = fake(
      dockerFlavor,
      `[ "$1" = run ] && { echo "docker: Error response from daemon: something new." >&2; exit 125; }`,
    );
    const e = await rejectsWith(
      engine.build(req(), () => {}),
      /^docker cannot start a container on this host: docker: Error response from daemon: something new\.$/,
    );
    assert.match(e.fix ?? '', /`docker run --rm <image> true`/);
  });
});

describe('the CLI engine runs containers', () => {
  test("the container's exit code comes back as it is", async () => {
    const { engine, called } = fake(podmanFlavor, `[ "$1" = run ] && [ "$last" = build ] && exit 3`);
    assert.deepEqual(await engine.run(spec), { code: 3 });
    const runs = called().filter((c) => c.startsWith('run '));
    assert.equal(runs.length, 2, 'the probe, then the run');
    assert.match(
      runs[1],
      /^run --rm --pull=never --name xcross-test-1 --label io.xcross.managed=true --init -w \/project localhost\/xcross\/x:1 cargo build$/,
    );
  });

  test('an image that is not there: imageMissing, asked before probing, and nothing run', async () => {
    const { engine, called } = fake(podmanFlavor, `[ "$1" = image ] && exit 1`);
    assert.deepEqual(await engine.run(spec), { code: 125, imageMissing: true });
    assert.deepEqual(called(), [`image exists ${spec.image}`]);
  });

  test("an image gone after the adaptation was cached: the engine's own words make it imageMissing", async () => {
    const cacheDir = tempDir();
    for (const [flavor, words] of [
      [podmanFlavor, `Error: ${spec.image}: image not known`],
      [dockerFlavor, `docker: Error response from daemon: No such image: ${spec.image}.`],
    ] as const) {
      const warm = fake(
        flavor,
        `[ "$1" = info ] && exit 0; [ "$1" = run ] && [ "$last" = build ] && { echo "${words}" >&2; exit 125; }`,
        cacheDir,
      );
      await warm.engine.adapt(spec.image);
      // A second engine (another xcross process) with the same binary finds the adaptation cached.
      const again = new CliEngine({ ...warm.o, log: recordingLogger() }, flavor);
      assert.deepEqual(await again.run(spec), { code: 125, imageMissing: true }, flavor.name);
    }
  });

  test('a cached adaptation the host now refuses: probed again, and the run made with what was learnt', async () => {
    const cacheDir = tempDir();
    const noInit = path.join(tempDir(), 'no-init');
    const f = fake(
      podmanFlavor,
      `[ -f '${noInit}' ] && case "$*" in *--init*) echo "Error: could not find init binary catatonit" >&2; exit 126;; esac`,
      cacheDir,
    );
    assert.deepEqual(await f.engine.run(spec), { code: 0 });
    // The engine lost its init binary since: --init is refused before the container starts.
    fs.writeFileSync(noInit, '');
    const log = recordingLogger(1);
    const before = f.called().length;
    assert.deepEqual(await new CliEngine({ ...f.o, log }, podmanFlavor).run(spec), { code: 0 });
    const runs = f
      .called()
      .slice(before)
      .filter((c) => c.startsWith('run '));
    assert.deepEqual(
      runs.map((r) => [r.includes('--init'), r.endsWith(' true')]),
      [
        [true, false],
        [true, true],
        [false, true],
        [false, false],
      ],
      'the cached try, the probe with --init, the probe without, the run',
    );
    assert.ok(
      log.lines.some((l) => /podman: exit code 126 before the container ran; probing again/.test(l)),
      log.lines.join('\n'),
    );
  });

  test('refused again with what a new probe learns anew: the first refusal stands, with no second run', async () => {
    const cacheDir = tempDir();
    const f = fake(
      nerdctlFlavor,
      `[ "$1" = run ] && [ "$last" = build ] && { echo "FATA[0000] failed to create shim task: OCI runtime create failed" >&2; exit 126; }`,
      cacheDir,
    );
    await f.engine.adapt(spec.image);
    const before = f.called().length;
    assert.deepEqual(await new CliEngine({ ...f.o, log: recordingLogger() }, nerdctlFlavor).run(spec), { code: 126 });
    assert.deepEqual(
      f
        .called()
        .slice(before)
        .map((c) => c.split(' ')[0]),
      ['run', 'image', 'run'],
      'the run, the image asked for, the probe',
    );
  });
});
