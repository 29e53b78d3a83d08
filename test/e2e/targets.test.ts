// Targets of the registry, for real: `npm test` takes those images/targets.toml lists under [tests] ci
// (one per family and kind); `npm run test:targets` (XCROSS_E2E_TARGETS=all) every one; a comma list
// names some. For each: its image built by xcross and labelled with its pins, and then
// - where the image has the target's Rust std: the example crate (C through CC_<t>, threads, the path
//   dependency, its tests) built, run and tested under qemu-user or wine, the binary's ELF (or PE)
//   header checked against its cpu, exit codes 0, 7 and 101 passed through the emulator; OpenSSL linked
//   by name and through openssl-sys where the image has it; `xcross rustc --release -- -C lto` where
//   the std is built in the image (cross's own README example, on powerpc);
// - bare metal (thumb*): test/e2e/bare-metal-suite.ts;
// - where it has none (Rust std from the host's rustup only): `xcross build` ending in the sentence
//   that names `rustup target add`, and a threaded C program compiled in `xcross shell` that runs
//   under qemu.
// With XCROSS_E2E_REPORT=FILE each target's row (image and std build times, own layer size, test time)
// is written there as JSON, for the README's table (scripts/test-targets.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageHasStd, loadRegistry, type TargetSpec } from '../../src/targets/registry';
import { rustImageRef, stdImageRef, targetParentRef } from '../../src/images/tag';
import { targetLabels } from '../../src/images/labels';
import { binaryFacts, expectedBinary, factsLike } from './binary-facts';
import { containersWithLabel, copyFixture, copyFixtures, interruptWhen, snapshot, tail, xcross } from './harness';
import { Terminal } from './pty-driver';
import { bareMetalSuite } from './bare-metal-suite';

const registry = loadRegistry();
const HOUR = 60 * 60_000;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const DEBIAN_CRATES = '/var/cache/xcross/debian-crates';

function chosen(): TargetSpec[] {
  const want = process.env.XCROSS_E2E_TARGETS ?? 'ci';
  if (want === 'all') return registry.targets;
  const names = want === 'ci' ? registry.ciTargets : want.split(',').map((s) => s.trim());
  for (const n of names)
    assert.ok(
      registry.targets.some((t) => t.triple === n),
      `XCROSS_E2E_TARGETS names ${n}, no target`,
    );
  return registry.targets.filter((t) => names.includes(t.triple));
}

interface ReportRow {
  target: string;
  family: string;
  std: string;
  /** ms; undefined when the layer was already here. */
  stdBuild?: number;
  imageBuild?: number;
  /** Bytes of the std layer (the std image less the Rust image under it), when the std is built. */
  stdBytes?: number;
  /** Bytes of the target's own layers: the image less the std or Rust image under it. */
  ownBytes: number;
  /** ms of the example's first `xcross test` (compiling its tests included), when the image has a std. */
  test?: number;
  runner: string;
}
const report: ReportRow[] = [];
after(() => {
  if (report.length === 0) return;
  process.stderr.write(
    `# targets: what each took here\n${report.map((r) => `#   ${r.target}: ${JSON.stringify(r)}`).join('\n')}\n`,
  );
  const file = process.env.XCROSS_E2E_REPORT;
  if (file) fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), rows: report }, null, 2));
});

const imageSize = (ref: string) =>
  Number(spawnSync('podman', ['image', 'inspect', '--format', '{{.Size}}', ref], { encoding: 'utf8' }).stdout.trim());
const builtIn = (stderr: string, ref: string) => {
  const m = new RegExp(`built ${ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} in (?:(\\d+)m)?(\\d+)s`).exec(stderr);
  return m ? (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000 : undefined;
};

/** `xcross image build`, its labels checked against the pins list; the row of the report begun. */
async function imageBuild(t: TargetSpec, crate: string): Promise<{ ref: string; row: ReportRow }> {
  const r = await xcross(['image', 'build', '--target', t.triple], { cwd: crate, tee: true, timeoutMs: 2 * HOUR });
  assert.equal(r.code, 0, tail(r.stderr));
  const ref = r.stdout.trim();
  assert.match(ref, new RegExp(`^localhost/xcross/${t.triple}:[0-9a-f]{12}$`));
  const inspect = spawnSync('podman', ['image', 'inspect', '--format', '{{json .Labels}}', ref], { encoding: 'utf8' });
  const labels = JSON.parse(inspect.stdout) as Record<string, string>;
  for (const [k, v] of Object.entries(targetLabels(t))) assert.equal(labels[k], v, `${ref}: label ${k}`);
  const std = stdImageRef(registry.base, t);
  const row: ReportRow = {
    target: t.triple,
    family: t.family,
    std: t.std.kind,
    stdBuild: std ? builtIn(r.stderr, std) : undefined,
    imageBuild: builtIn(r.stderr, ref),
    stdBytes: std ? imageSize(std) - imageSize(rustImageRef(registry.base, registry.rust)) : undefined,
    ownBytes: imageSize(ref) - imageSize(targetParentRef(registry.base, t)),
    runner:
      t.runner.kind === 'wine'
        ? `wine ${t.pins.wine}`
        : t.runner.kind === 'qemu-system'
          ? `${t.runner.binary} (${t.runner.machine})`
          : t.runner.kind === 'qemu-user'
            ? t.runner.binary.replace(/-static$/, '')
            : t.runner.kind,
  };
  report.push(row);
  return { ref, row };
}

const exe = (t: TargetSpec) => (t.runner.kind === 'wine' ? '.exe' : '');

const onBoard = (t: TargetSpec) => t.runner.kind === 'qemu-system';
for (const t of chosen().filter(onBoard)) bareMetalSuite(t, imageBuild);

for (const t of chosen().filter((x) => imageHasStd(x) && !onBoard(x))) {
  describe(`${t.triple}: build, run and test the example crate (${t.runner.kind === 'wine' || t.runner.kind === 'image' ? t.runner.kind : t.runner.binary})`, () => {
    let dir: string;
    let crate: string;
    let before_: Map<string, string>;
    let row: ReportRow;
    const arch = t.cpu.rustArch;
    const facts = expectedBinary(t);
    before(() => {
      ({ dir, crate } = copyFixtures());
      before_ = snapshot(dir);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('the image: built by xcross, labelled with its pins', { timeout: 2 * HOUR }, async () => {
      ({ row } = await imageBuild(t, crate));
    });

    test('build: the binary is for the target (machine, class, byte order)', { timeout: 20 * 60_000 }, async () => {
      const r = await xcross(['build', '--target', t.triple], { cwd: crate, timeoutMs: 20 * 60_000 });
      assert.equal(r.code, 0, tail(r.stderr));
      const bin = path.join(crate, 'target', t.triple, 'debug', `hello-xcross${exe(t)}`);
      assert.deepEqual(factsLike(bin, facts), facts, bin);
      // musl: static, threads and the fixture's C code included (crt-static, Rust's default for musl).
      if (t.libc.kind === 'musl') assert.equal(binaryFacts(bin)?.dynamic, false, `${bin} asks for a dynamic loader`);
    });

    test(
      `run: the program runs under ${t.runner.kind === 'wine' ? 'wine' : 'qemu or natively'}, says where, and its exit code comes through`,
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
        const bytes = t.cpu.elf.endian === 'big' ? '\\[1, 2, 3, 4\\]' : '\\[4, 3, 2, 1\\]';
        assert.match(
          r.stdout,
          new RegExp(`^endian=${t.cpu.elf.endian} pointer_bits=${t.cpu.elf.bits} bytes_of_0x01020304=${bytes}$`, 'm'),
        );
        assert.match(r.stderr, /hello-xcross: this line goes to stderr/);
        assert.doesNotMatch(r.stdout, /goes to stderr/);
      },
    );

    test('test: every test passes, in parallel; a failing one exits 101', { timeout: 20 * 60_000 }, async () => {
      // Verbatim, as cross's README has it for mips64: `xcross test --target <triple>`.
      const r = await xcross(['test', '--target', t.triple], { cwd: crate, timeoutMs: 20 * 60_000 });
      assert.equal(r.code, 0, tail(r.stdout + r.stderr));
      if (row) row.test = r.ms;
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

    if (t.std.kind === 'build') {
      test(
        '`xcross rustc --release -- -C lto`: the std built in the image carries the bitcode LTO needs',
        { timeout: 20 * 60_000 },
        async () => {
          // Verbatim, as cross's README has it for powerpc, in a crate with one target and no
          // dependencies: cargo compiles dependencies without bitcode unless the profile asks for LTO
          // (there, profile.release.lto = true is the way), with rustup's std as with this one.
          const f = copyFixture('one-bin');
          try {
            const r = await xcross(['rustc', '--target', t.triple, '--release', '--', '-C', 'lto'], {
              cwd: f.crate,
              timeoutMs: 20 * 60_000,
            });
            assert.equal(r.code, 0, tail(r.stderr));
            const bin = path.join(f.crate, 'target', t.triple, 'release', `one-bin${exe(t)}`);
            assert.deepEqual(factsLike(bin, facts), facts, bin);
            if (t.libc.kind === 'musl')
              assert.equal(binaryFacts(bin)?.dynamic, false, `${bin} asks for a dynamic loader`);
            const run = await xcross(['shell', '--target', t.triple, '--', 'xcross-runner', bin, '3'], {
              cwd: f.crate,
            });
            assert.equal(run.code, 3, tail(run.stdout + run.stderr));
            assert.match(run.stdout, new RegExp(`^one-bin on ${arch} threaded_sum=5000050000$`, 'm'));
          } finally {
            fs.rmSync(f.dir, { recursive: true, force: true });
          }
        },
      );
    }

    if (t.openssl.kind !== 'none') {
      for (const fixture of ['ssl-link', 'ssl-sys']) {
        test(
          `OpenSSL ${t.pins.openssl} (${t.openssl.kind === 'source' ? 'built in the image' : 'Debian'}): ${fixture === 'ssl-link' ? 'linked by name (-lssl -lcrypto)' : 'through openssl-sys and pkg-config'}, run`,
          { timeout: 20 * 60_000 },
          async () => {
            if (fixture === 'ssl-sys')
              assert.ok(
                fs.existsSync(DEBIAN_CRATES) && fs.readdirSync(DEBIAN_CRATES).some((d) => d.startsWith('openssl-sys-')),
                `no openssl-sys in ${DEBIAN_CRATES}: run scripts/setup-host.sh --e2e-user NAME (it runs scripts/debian-crates.sh)`,
              );
            const f = copyFixture(fixture);
            try {
              const r = await xcross(['run', '--target', t.triple], { cwd: f.crate, timeoutMs: 20 * 60_000 });
              assert.equal(r.code, 0, tail(r.stdout + r.stderr));
              assert.match(r.stdout, new RegExp(`^OpenSSL ${t.pins.openssl.replace(/\./g, '\\.')}[ .]`, 'm'));
              if (fixture === 'ssl-link') {
                assert.match(
                  r.stdout,
                  /^sha256\(xcross\)=4b059005a9ec988d3e593721cbc3989646ad0244f62c85fddd86914c054786d9$/m,
                );
                assert.match(r.stdout, /^ssl_init=true$/m);
              } else assert.match(r.stdout, /^version_number=0x[0-9a-f]+$/m);
            } finally {
              fs.rmSync(f.dir, { recursive: true, force: true });
            }
          },
        );
      }
    }

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

    if (t.runner.kind === 'wine') {
      test(
        "today's Rust for Windows: a crate using LazyLock with a version 4 Cargo.lock, built and run under wine",
        { timeout: 20 * 60_000 },
        async () => {
          const f = copyFixture('lazy-lock');
          try {
            const r = await xcross(['run', '--target', t.triple], { cwd: f.crate, timeoutMs: 20 * 60_000 });
            assert.equal(r.code, 7, tail(r.stdout + r.stderr));
            assert.match(r.stdout, /^lazy_lock squares=10 sum_1_to_4=30$/m);
            const bin = path.join(f.crate, 'target', t.triple, 'debug', 'lazy-lock.exe');
            assert.deepEqual(factsLike(bin, facts), facts, `${bin}: PE32 for i686, PE32+ for x86_64`);
          } finally {
            fs.rmSync(f.dir, { recursive: true, force: true });
          }
        },
      );

      test(
        "wine for a user who does not own the image's prefix (a rootful engine runs you with --user)",
        { timeout: 5 * 60_000 },
        async () => {
          const file = path.join(crate, 'target', t.triple, 'debug', 'hello-xcross.exe');
          const ref = (await xcross(['image', 'build', '--target', t.triple], { cwd: crate })).stdout.trim();
          fs.chmodSync(path.dirname(file), 0o755);
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
              `${file}:/w/hello.exe:ro`,
              ref,
              'sh',
              '-c',
              'xcross-runner /w/hello.exe --exit 4; echo "exit=$?"; ls -ld "${TMPDIR:-/tmp}"/xcross-wine-4321',
            ],
            { encoding: 'utf8', timeout: 120_000 },
          );
          assert.match(r.stdout, new RegExp(`^hello from ${arch}$`, 'm'), r.stdout + r.stderr);
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
      if (row) process.stderr.write(`# ${t.triple}: image ${row.imageBuild ? seconds(row.imageBuild) : 'was here'}\n`);
    });
  });
}

for (const t of chosen().filter((x) => !imageHasStd(x))) {
  describe(`${t.triple}: its image and C toolchain; Rust std from the host's rustup only`, () => {
    let dir: string;
    let crate: string;
    const musl = t.libc.kind === 'musl';
    before(() => ({ dir, crate } = copyFixtures()));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('the image: built by xcross, labelled with its pins', { timeout: 2 * HOUR }, async () => {
      await imageBuild(t, crate);
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
        assert.deepEqual(factsLike(program_, expectedBinary(t)), expectedBinary(t));
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
