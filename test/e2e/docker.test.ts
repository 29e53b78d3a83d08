// The docker runtime against a real Docker daemon (Debian's docker.io on a private socket, started
// by scripts/start-private-dockerd.sh in CI): rootful, so files must come out owned via --user.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixtures, elfMachine, interruptWhen, notOwnedBy, tail, xcross } from './harness';

const T = 'aarch64-unknown-linux-gnu';
const DOCKER_HOST = process.env.XCROSS_E2E_DOCKER_HOST;
const skip = DOCKER_HOST
  ? false
  : 'no private dockerd (scripts/setup-host.sh --e2e-user NAME --docker starts one; CI does)';

describe('the docker runtime on a real daemon', { skip }, () => {
  let dir: string;
  let crate: string;
  const env = { XCROSS_RUNTIME: 'docker', DOCKER_HOST };
  const dockerPs = () =>
    spawnSync('docker', ['ps', '-a', '--filter', 'label=io.xcross.managed', '--format', '{{.Names}}'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST },
    })
      .stdout.split('\n')
      .filter(Boolean);

  before(() => ({ dir, crate } = copyFixtures()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    'build: docker builds the image itself, the binary is aarch64 and belongs to the user',
    { timeout: 60 * 60_000 },
    async () => {
      const r = await xcross(['build', '--target', T, '-v'], { cwd: crate, env, tee: true, timeoutMs: 60 * 60_000 });
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(
        r.stderr,
        new RegExp(`^\\+ \\S*docker run --rm --pull=never .*--user ${process.getuid!()}:${process.getgid!()} `, 'm'),
      );
      assert.equal(elfMachine(path.join(crate, 'target', T, 'debug', 'hello-xcross')), 183);
      assert.deepEqual(notOwnedBy(path.join(crate, 'target'), process.getuid!()), []);
    },
  );

  test('run and test under qemu, exit codes through', async () => {
    const run = await xcross(['run', '--target', T, '--', '--exit', '9'], { cwd: crate, env });
    assert.equal(run.code, 9, tail(run.stderr));
    assert.match(run.stdout, /^hello from aarch64$/m);
    const t = await xcross(['test', '--target', T], { cwd: crate, env });
    assert.equal(t.code, 0, tail(t.stdout + t.stderr));
    assert.match(t.stdout, /test result: ok\. 5 passed/);
  });

  test('Ctrl-C removes the container; a missing command is one sentence', async () => {
    const r = await xcross(['run', '--target', T, '--', '--sleep', '300'], {
      cwd: crate,
      env,
      timeoutMs: 120_000,
      onStart: interruptWhen('sleeping'),
    });
    assert.equal(r.code, 130, tail(r.stderr));
    assert.deepEqual(dockerPs(), []);
    const missing = await xcross(['shell', '--target', T, '--', 'no-such-program'], { cwd: crate, env });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^xcross: error: no-such-program: no such command in /m);
  });

  test('image list shows what xcross built in docker', async () => {
    const r = await xcross(['image', 'list', '--json'], { cwd: crate, env });
    assert.equal(r.code, 0, tail(r.stderr));
    const kinds = (JSON.parse(r.stdout) as { images: { kind: string; target: string }[] }).images.map(
      (i) => `${i.kind}:${i.target}`,
    );
    assert.ok(kinds.includes(`target:${T}`), kinds.join(', '));
    assert.ok(kinds.includes('base:'), kinds.join(', '));
    assert.ok(kinds.includes('rust:'), kinds.join(', '));
  });
});
