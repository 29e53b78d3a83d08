// Every target of the registry, for real: its image built by xcross, and then
// - where the image has the target's Rust std: the example crate (C through CC_<t>, threads, the path
//   dependency, its tests) built, run and tested under qemu-user or wine, the binary's ELF (or PE)
//   header checked, exit codes 0, 7 and 101 passed through the emulator;
// - where it has none (Rust std from the host's rustup only): `xcross build` ending in the sentence
//   that names `rustup target add`, and a threaded C program compiled in `xcross shell` that runs
//   under qemu.
// The registry is the list: a target added to images/targets.toml is tested here without an edit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRegistry, type TargetSpec } from '../../src/targets/registry';
import { binaryFacts, expectedBinary, factsLike, rustArch } from './binary-facts';
import { containersWithLabel, copyFixtures, interruptWhen, snapshot, tail, xcross } from './harness';
import { Terminal } from './pty-driver';

const registry = loadRegistry();
const HOUR = 60 * 60_000;
const timings: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

after(() => {
  if (timings.length)
    process.stderr.write(`# targets: what each took here\n${timings.map((l) => `#   ${l}`).join('\n')}\n`);
});

/** `xcross image build`, timed (0 s when the image was there: the aarch64 tests may have built it). */
async function imageBuild(t: TargetSpec, crate: string): Promise<{ ref: string; ms: number }> {
  const r = await xcross(['image', 'build', '--target', t.triple], { cwd: crate, tee: true, timeoutMs: HOUR });
  assert.equal(r.code, 0, tail(r.stderr));
  const ref = r.stdout.trim();
  assert.match(ref, new RegExp(`^localhost/xcross/${t.triple}:[0-9a-f]{12}$`));
  const inspect = spawnSync('podman', ['image', 'inspect', '--format', '{{json .Labels}}', ref], { encoding: 'utf8' });
  const labels = JSON.parse(inspect.stdout) as Record<string, string>;
  const want: Record<string, string> = {
    'io.xcross.target': t.triple,
    'io.xcross.gcc': t.pins.gcc,
    'io.xcross.libc': t.pins.libc,
    'io.xcross.libc-name': t.libcName,
    'io.xcross.openssl': t.pins.openssl,
    'io.xcross.qemu': t.pins.qemu,
    'io.xcross.rustc': t.rustStd ? t.pins.rustc : 'none',
    ...(t.pins.wine ? { 'io.xcross.wine': t.pins.wine } : {}),
  };
  for (const [k, v] of Object.entries(want)) assert.equal(labels[k], v, `${ref}: label ${k}`);
  return { ref, ms: /is not here yet/.test(r.stderr) ? r.ms : 0 };
}

for (const t of registry.targets.filter((x) => x.rustStd)) {
  describe(`${t.triple}: build, run and test the example crate (${t.runner === 'wine' ? 'wine' : t.qemuBinary})`, () => {
    let dir: string;
    let crate: string;
    let before_: Map<string, string>;
    const times: string[] = [];
    const arch = rustArch(t.triple);
    before(() => {
      ({ dir, crate } = copyFixtures());
      before_ = snapshot(dir);
    });
    after(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      timings.push(`${t.triple}: ${times.join(', ')}`);
    });

    test('the image: built by xcross, labelled with its pins', { timeout: HOUR }, async () => {
      const { ms } = await imageBuild(t, crate);
      times.push(ms ? `image built in ${seconds(ms)}` : 'image was here');
    });

    test('build: the binary is for the target (machine, class, byte order)', { timeout: 20 * 60_000 }, async () => {
      const r = await xcross(['build', '--target', t.triple], { cwd: crate, timeoutMs: 20 * 60_000 });
      assert.equal(r.code, 0, tail(r.stderr));
      times.push(`build ${seconds(r.ms)}`);
      const bin = path.join(crate, 'target', t.triple, 'debug', `hello-xcross${t.runner === 'wine' ? '.exe' : ''}`);
      assert.deepEqual(factsLike(bin, expectedBinary(t.triple)), expectedBinary(t.triple), bin);
    });

    test(
      `run: the program runs under ${t.runner === 'wine' ? 'wine' : 'qemu or natively'}, says where, and its exit code comes through`,
      { timeout: 10 * 60_000 },
      async () => {
        const r = await xcross(['run', '--target', t.triple, '--', '--exit', '7'], {
          cwd: crate,
          timeoutMs: 10 * 60_000,
        });
        assert.equal(r.code, 7, tail(r.stdout + r.stderr));
        assert.match(r.stdout, new RegExp(`^hello from ${arch}$`, 'm'));
        assert.match(r.stdout, new RegExp(`^target=${t.triple} c_arch=${arch} c_mul\\(6,7\\)=42$`, 'm'));
        assert.match(r.stdout, /^threaded_sum=5000050000$/m);
        const facts = expectedBinary(t.triple);
        const endian = facts.endian ?? 'little';
        const bytes = endian === 'big' ? '\\[1, 2, 3, 4\\]' : '\\[4, 3, 2, 1\\]';
        assert.match(
          r.stdout,
          new RegExp(`^endian=${endian} pointer_bits=${facts.bits ?? 64} bytes_of_0x01020304=${bytes}$`, 'm'),
        );
        assert.match(r.stderr, /hello-xcross: this line goes to stderr/);
        assert.doesNotMatch(r.stdout, /goes to stderr/);
      },
    );

    test('test: every test passes, in parallel; a failing one exits 101', { timeout: 20 * 60_000 }, async () => {
      const r = await xcross(['test', '--target', t.triple], { cwd: crate, timeoutMs: 20 * 60_000 });
      assert.equal(r.code, 0, tail(r.stdout + r.stderr));
      times.push(`test ${seconds(r.ms)}`);
      assert.match(r.stdout, /test result: ok\. 5 passed; 0 failed/);
      assert.match(r.stdout, /test result: ok\. 3 passed; 0 failed; 1 ignored/);
      const failing = await xcross(['test', '--target', t.triple, '--test', 'parallel', '--', '--ignored'], {
        cwd: crate,
        timeoutMs: 10 * 60_000,
      });
      assert.equal(failing.code, 101, tail(failing.stdout + failing.stderr));
      assert.match(failing.stdout, /fails_on_purpose \.\.\. FAILED/);
      assert.match(failing.stdout, /this test fails on purpose/);
    });

    test(
      'Ctrl-C: the program stops and xcross exits 130, with or without a terminal; no container left',
      { timeout: 5 * 60_000 },
      async () => {
        const piped = await xcross(['run', '--target', t.triple, '--', '--sleep', '300'], {
          cwd: crate,
          onStart: interruptWhen('sleeping'),
          timeoutMs: 120_000,
        });
        assert.equal(piped.code, 130, tail(piped.stderr));
        assert.ok(piped.ms < 60_000, `took ${piped.ms} ms`);
        // At a terminal the key reaches the program itself (wine would end it with 0: the runner says 130).
        const term = new Terminal(['run', '--target', t.triple, '--', '--sleep', '300'], crate);
        await term.waitFor(/sleeping 300s/, 120_000);
        term.type('\x03');
        assert.equal(await term.exited, 130, term.text.slice(-2000));
        assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
      },
    );

    if (t.runner === 'wine') {
      test(
        "wine for a user who does not own the image's prefix (a rootful engine runs you with --user)",
        { timeout: 5 * 60_000 },
        async () => {
          const exe = path.join(crate, 'target', t.triple, 'debug', 'hello-xcross.exe');
          const ref = (await xcross(['image', 'build', '--target', t.triple], { cwd: crate })).stdout.trim();
          fs.chmodSync(path.dirname(exe), 0o755);
          const r = spawnSync(
            'podman',
            [
              'run',
              '--rm',
              '--network=host',
              '--ulimit',
              'nofile=1024:1024',
              '--ulimit',
              'nproc=4096:4096',
              '--user',
              '4321:4321',
              '-v',
              `${exe}:/w/hello.exe:ro`,
              ref,
              'sh',
              '-c',
              'xcross-runner /w/hello.exe --exit 4; echo "exit=$?"; ls -ld "${TMPDIR:-/tmp}"/xcross-wine-4321',
            ],
            { encoding: 'utf8', timeout: 120_000 },
          );
          assert.match(r.stdout, /^hello from x86_64$/m, r.stdout + r.stderr);
          assert.match(r.stdout, /^exit=4$/m, r.stdout + r.stderr);
          assert.match(r.stdout, /^d\S+ +\d+ 4321 4321 .*xcross-wine-4321$/m, 'its own prefix');
        },
      );
    }

    test('the source tree is unchanged and no container is left', () => {
      const now = snapshot(dir);
      assert.deepEqual([...now.keys()].sort(), [...before_.keys()].sort());
      for (const [file, hash] of before_) assert.equal(now.get(file), hash, `${file} changed`);
      assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
    });
  });
}

for (const t of registry.targets.filter((x) => !x.rustStd)) {
  describe(`${t.triple}: its image and C toolchain; Rust std from the host's rustup only`, () => {
    let dir: string;
    let crate: string;
    const musl = t.libcName === 'musl';
    before(() => ({ dir, crate } = copyFixtures()));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('the image: built by xcross, labelled with its pins', { timeout: HOUR }, async () => {
      const { ms } = await imageBuild(t, crate);
      timings.push(`${t.triple}: ${ms ? `image built in ${seconds(ms)}` : 'image was here'}`);
    });

    test(
      `a threaded C program${musl ? ', linked statically,' : ''} is compiled for it in xcross shell and runs under qemu`,
      { timeout: 10 * 60_000 },
      async () => {
        const program = [
          '#include <pthread.h>',
          '#include <stdio.h>',
          'static void *work(void *a) { return (void *)((long)a * 2); }',
          'int main(void) { pthread_t t[4]; long sum = 0; void *r;',
          '  for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, work, (void *)i);',
          '  for (int i = 0; i < 4; i++) { pthread_join(t[i], &r); sum += (long)r; }',
          '  printf("threads sum=%ld\\n", sum); return 42; }',
        ].join('\n');
        fs.writeFileSync(path.join(crate, 'threads.c'), program);
        const cc = `$CC_${t.triple.replace(/-/g, '_')}`;
        const r = await xcross(
          [
            'shell',
            '--target',
            t.triple,
            '--',
            'sh',
            '-c',
            `mkdir -p target && ${cc} ${musl ? '-static ' : ''}-pthread -o target/threads threads.c && xcross-runner target/threads`,
          ],
          { cwd: crate, timeoutMs: 10 * 60_000 },
        );
        assert.equal(r.code, 42, tail(r.stdout + r.stderr));
        assert.match(r.stdout, /^threads sum=12$/m);
        const program_ = path.join(crate, 'target', 'threads');
        assert.deepEqual(factsLike(program_, expectedBinary(t.triple)), expectedBinary(t.triple));
        // musl's C library is linked in: no dynamic loader asked for.
        assert.equal(binaryFacts(program_)?.dynamic, !musl);
      },
    );

    test("xcross build says it needs the host's std, and names the command that gets it", async () => {
      const r = await xcross(['build', '--target', t.triple], { cwd: crate });
      assert.equal(r.code, 1, tail(r.stderr));
      const cmd = `rustup target add ${t.triple}`;
      if (t.rustupStd)
        assert.match(
          r.stderr,
          new RegExp(
            `^xcross: error: cannot build Rust for ${t.triple}: Debian ships no Rust std for it, .*\`${cmd}\``,
            'm',
          ),
        );
      else
        assert.match(
          r.stderr,
          new RegExp(`^xcross: error: cannot build Rust for ${t.triple}: rustup has no std for it`, 'm'),
        );
      assert.match(r.stderr, new RegExp(`^xcross: fix: .*xcross shell --target ${t.triple}`, 'm'));
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.equal(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('xcross: error:')).length,
        1,
      );
    });
  });
}
