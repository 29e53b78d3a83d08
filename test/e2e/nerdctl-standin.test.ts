// nerdctl is not installable on these machines. A stand-in named nerdctl that hands its arguments to
// podman lets the whole nerdctl path of xcross run for real (detection by path, argument building,
// removal, errors); nerdctl's own behaviour is not what this proves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixtures, elfMachine, ensureTargetImages, tail, xcross } from './harness';

const T = 'aarch64-unknown-linux-gnu';

describe('the nerdctl runtime, through a stand-in that passes its arguments to podman', () => {
  let dir: string;
  let crate: string;
  let nerdctl: string;
  before(async () => {
    // The stand-in's podman store is the user's: the image is made there when missing.
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
    nerdctl = path.join(dir, 'bin', 'nerdctl');
    fs.mkdirSync(path.dirname(nerdctl));
    fs.writeFileSync(nerdctl, '#!/bin/sh\nexec podman "$@"\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('build and run with CROSS_CONTAINER_ENGINE naming it by path', async () => {
    const env = { CROSS_CONTAINER_ENGINE: nerdctl };
    const b = await xcross(['build', '--target', T, '-v'], { cwd: crate, env });
    assert.equal(b.code, 0, tail(b.stderr));
    assert.match(b.stderr, new RegExp(`^\\+ ${nerdctl} run --rm --pull=never `, 'm'));
    assert.match(b.stderr, /runtime: nerdctl at .* \(asked for/);
    assert.equal(elfMachine(path.join(crate, 'target', T, 'debug', 'hello-xcross')), 183);
    const r = await xcross(['run', '--target', T, '--', '--exit', '4'], { cwd: crate, env });
    assert.equal(r.code, 4, tail(r.stderr));
    assert.match(r.stdout, /^hello from aarch64$/m);
  });
});
