// The two toolchain sources, for real: the host's rustup toolchain mounted read-only when it has the
// target's std, the image's rustc when it has not (and rustup cannot get it), each said with -v.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixtures, elfMachine, ensureTargetImages, tail, xcross } from './harness';

const X86_64 = 62;
const rustupHome = process.env.XCROSS_E2E_RUSTUP_HOME ?? path.join(os.homedir(), '.rustup');
const stableDir = path.join(rustupHome, 'toolchains', 'stable-x86_64-unknown-linux-gnu');
const hasHostToolchain = fs.existsSync(path.join(stableDir, 'lib', 'rustlib', 'x86_64-unknown-linux-gnu', 'lib'));
const skip = hasHostToolchain ? false : `no rustup stable x86_64 toolchain at ${rustupHome} (the CI machine has one)`;

describe('toolchain sources', { skip }, () => {
  let dir: string;
  let crate: string;
  // No rustup binary on PATH: the test must not reach for the network.
  const env = {
    RUSTUP_HOME: rustupHome,
    RUSTUP_TOOLCHAIN: 'stable',
    CARGO_HOME: '/nonexistent',
    PATH: '/usr/bin:/bin',
  };

  before(async () => {
    await ensureTargetImages(['x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu']);
    ({ dir, crate } = copyFixtures());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    'x86_64: the host toolchain, mounted read-only, builds and runs natively',
    { timeout: 30 * 60_000 },
    async () => {
      const r = await xcross(['run', '--target', 'x86_64-unknown-linux-gnu', '-v', '--', '--exit', '3'], {
        cwd: crate,
        env,
        tee: true,
        timeoutMs: 30 * 60_000,
      });
      assert.equal(r.code, 3, tail(r.stderr));
      assert.match(
        r.stderr,
        /toolchain: host stable-x86_64-unknown-linux-gnu \(host toolchain stable-x86_64-unknown-linux-gnu has the x86_64-unknown-linux-gnu std\)/,
      );
      assert.match(r.stderr, new RegExp(`-v ${stableDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:/xcross/toolchain:ro`));
      assert.match(r.stdout, /^hello from x86_64$/m);
      assert.equal(elfMachine(path.join(crate, 'target', 'x86_64-unknown-linux-gnu', 'debug', 'hello-xcross')), X86_64);
    },
  );

  test("aarch64: the host toolchain has no std and rustup cannot add it: the image's rustc, and xcross says why", async () => {
    const r = await xcross(['build', '--target', 'aarch64-unknown-linux-gnu'], { cwd: crate, env });
    assert.equal(r.code, 0, tail(r.stderr));
    assert.match(
      r.stderr,
      /using the image's rustc 1\.96\.0: host toolchain stable-x86_64-unknown-linux-gnu has no std for aarch64-unknown-linux-gnu and rustup is not on PATH to add it/,
    );
  });

  test('--toolchain-source host refuses clearly when the host cannot build for the target', async () => {
    const r = await xcross(['build', '--target', 'aarch64-unknown-linux-gnu', '--toolchain-source', 'host'], {
      cwd: crate,
      env,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^xcross: error: cannot use the host toolchain for aarch64-unknown-linux-gnu/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });
});
