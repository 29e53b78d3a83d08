// The foundation, for real: rootless podman, the real aarch64 image (built by xcross itself when it
// is missing), qemu-user, and the example crate with C code, threads, a path dependency and tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRegistry } from '../../src/targets/registry';
import {
  containersWithLabel,
  copyFixtures,
  elfMachine,
  interruptWhen,
  notOwnedBy,
  snapshot,
  tail,
  xcross,
} from './harness';

const T = 'aarch64-unknown-linux-gnu';
const AARCH64 = 183;

describe(`xcross on real podman for ${T}`, () => {
  let dir: string;
  let crate: string;
  let before_: Map<string, string>;

  before(() => {
    ({ dir, crate } = copyFixtures());
    before_ = snapshot(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    'build: makes the image when missing, then an aarch64 ELF owned by the user',
    { timeout: 60 * 60_000 },
    async () => {
      const r = await xcross(['build', '--target', T, '-v'], { cwd: crate, tee: true, timeoutMs: 60 * 60_000 });
      assert.equal(r.code, 0, tail(r.stderr));
      const bin = path.join(crate, 'target', T, 'debug', 'hello-xcross');
      assert.equal(elfMachine(bin), AARCH64, `${bin} is not an aarch64 ELF`);
      assert.deepEqual(notOwnedBy(path.join(crate, 'target'), process.getuid!()), []);
      // -v shows the engine command line it ran, and which toolchain built.
      assert.match(
        r.stderr,
        /^\+ \S*podman .*\brun --rm\b.* cargo build --target aarch64-unknown-linux-gnu -v( \[\d+ ms\])?$/m,
      );
      assert.match(r.stderr, /toolchain: /);
      // When the image had to be made, the user saw it being built.
      if (/is not here yet/.test(r.stderr))
        assert.match(r.stderr, /built localhost\/xcross\/aarch64-unknown-linux-gnu:\w+ in /);
    },
  );

  test('image build: the image is there, labelled with the pins of images/targets.toml', async () => {
    const r = await xcross(['image', 'build', '--target', T], { cwd: crate });
    assert.equal(r.code, 0, tail(r.stderr));
    const ref = r.stdout.trim();
    assert.match(ref, /^localhost\/xcross\/aarch64-unknown-linux-gnu:[0-9a-f]{12}$/);
    const inspect = spawnSync('podman', ['image', 'inspect', '--format', '{{json .Labels}}', ref], {
      encoding: 'utf8',
    });
    const labels = JSON.parse(inspect.stdout) as Record<string, string>;
    const pins = loadRegistry().targets.find((t) => t.triple === T)!.pins;
    assert.deepEqual(
      {
        target: labels['io.xcross.target'],
        gcc: labels['io.xcross.gcc'],
        libc: labels['io.xcross.libc'],
        openssl: labels['io.xcross.openssl'],
        qemu: labels['io.xcross.qemu'],
        rustc: labels['io.xcross.rustc'],
      },
      { target: T, ...pins },
    );
  });

  test('--read-only-source: the build works with only the target directory writable', async () => {
    const r = await xcross(['build', '--target', T, '--release', '--read-only-source', '-v'], { cwd: crate });
    assert.equal(r.code, 0, tail(r.stderr));
    assert.match(r.stderr, new RegExp(`-v ${crate}:${crate}:ro`));
    assert.equal(elfMachine(path.join(crate, 'target', T, 'release', 'hello-xcross')), AARCH64);
  });

  test('run: the program runs under qemu, prints its architecture, and its exit code comes through', async () => {
    const r = await xcross(['run', '--target', T, '--', '--exit', '7'], { cwd: crate });
    assert.equal(r.code, 7, tail(r.stderr));
    assert.match(r.stdout, /^hello from aarch64$/m);
    assert.match(r.stdout, /^target=aarch64-unknown-linux-gnu c_arch=aarch64 c_mul\(6,7\)=42$/m);
    assert.match(r.stdout, /^threaded_sum=5000050000$/m);
    // stdout and stderr stay apart.
    assert.match(r.stderr, /hello-xcross: this line goes to stderr/);
    assert.doesNotMatch(r.stdout, /goes to stderr/);
  });

  test('test: every test passes under qemu, in parallel by default', async () => {
    const r = await xcross(['test', '--target', T], { cwd: crate });
    assert.equal(r.code, 0, tail(r.stdout + r.stderr));
    assert.match(r.stdout, /test result: ok\. 5 passed; 0 failed/);
    assert.match(r.stdout, /test result: ok\. 3 passed; 0 failed/);
    assert.match(r.stdout, /meets_the_other_test_a \.\.\. ok/);
  });

  test('RUST_TEST_THREADS reaches the tests: with one thread the rendezvous test fails', async () => {
    const r = await xcross(['test', '--target', T, '--test', 'parallel', '--', 'meets_the_other'], {
      cwd: crate,
      env: { RUST_TEST_THREADS: '1' },
    });
    assert.equal(r.code, 101, tail(r.stdout + r.stderr));
    assert.match(r.stdout, /tests did not run in parallel/);
  });

  test("cargo's own errors pass through with cargo's exit code", async () => {
    const bad = await xcross(['build', '--target', T, '--no-such-flag'], { cwd: crate });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unexpected argument '--no-such-flag'/);
    assert.doesNotMatch(bad.stderr, /xcross: error/);
    const compile = await xcross(['check', '--target', T, '--bin', 'no-such-bin'], { cwd: crate });
    assert.equal(compile.code, 101, tail(compile.stderr));
    assert.match(compile.stderr, /no bin target named `no-such-bin`/);
  });

  test('Ctrl-C stops the program, removes the container, exits 130', async () => {
    let name = '';
    const r = await xcross(['run', '--target', T, '-v', '--', '--sleep', '300'], {
      cwd: crate,
      timeoutMs: 120_000,
      onStart: interruptWhen('sleeping'),
    });
    name = /--name (xcross-run-[0-9a-z]+)/.exec(r.stderr)?.[1] ?? '';
    assert.ok(name, tail(r.stderr));
    assert.equal(r.code, 130, tail(r.stderr));
    assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
    assert.deepEqual(
      containersWithLabel('io.xcross.managed').filter((n) => n === name),
      [],
    );
  });

  test('the source tree is unchanged and no container is left behind', () => {
    const now = snapshot(dir);
    assert.deepEqual([...now.keys()].sort(), [...before_.keys()].sort());
    for (const [file, hash] of before_) assert.equal(now.get(file), hash, `${file} changed`);
    assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
  });
});
