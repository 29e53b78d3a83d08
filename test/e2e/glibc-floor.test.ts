// glibc floors for real, as the rootless user: the example crate built for x86_64 and aarch64 with
// --glibc 2.31 runs and passes its tests inside a Debian 11 userland (natively for x86_64, under
// bullseye's qemu with bullseye's arm64 libc for aarch64), while the default build does not start
// there; the check after each build catches a newer C library in a configured image; a C++
// dependency built for the floor needs no newer libstdc++ than bullseye's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readVersionNeeds } from '../../src/elf/version-needs';
import { parseNeed } from '../../src/elf/floor-check';
import { compareVersions } from '../../src/targets/glibc-floor';
import { copyFixtures, tail, xcross } from './harness';

const HOUR = 60 * 60_000;
const X64 = 'x86_64-unknown-linux-gnu';
const A64 = 'aarch64-unknown-linux-gnu';
const BULLSEYE = 'localhost/xcross/debian-base:bullseye';
const RUN_IMAGE = 'localhost/xcross-e2e/bullseye-userland:1';

/** The newest version of each prefix the files need. */
function newestNeeds(files: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    for (const n of readVersionNeeds(f) ?? []) {
      const p = parseNeed(n.version);
      if (p && (!out[p.prefix] || compareVersions(p.version, out[p.prefix]) > 0)) out[p.prefix] = p.version;
    }
  }
  return out;
}

/** Test executables of `cargo test --no-run`, from cargo's JSON on stdout (xcross keeps it clean). */
function testExecutables(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { executable?: string | null })
    .flatMap((m) => (m.executable ? [m.executable] : []));
}

/** A podman of this rootless user as xcross runs it here (the global flags this VM needs). */
function podman(args: string[], input?: string) {
  const global = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
  const limits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'];
  const [verb, ...rest] = args;
  const full = verb === 'run' || verb === 'build' ? [...global, verb, ...limits, '--network', 'host', ...rest] : args;
  return spawnSync('podman', full, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
}

/** Runs a shell script in the Debian 11 userland with `dir` mounted at the same path. */
function inBullseye(dir: string, script: string): { code: number | null; out: string } {
  const r = podman([
    'run',
    '--rm',
    '--userns=keep-id',
    '-v',
    `${dir}:${dir}`,
    '-w',
    dir,
    RUN_IMAGE,
    'sh',
    '-c',
    script,
  ]);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('glibc 2.31 floor: built with xcross, run in Debian 11', () => {
  let dir: string;
  let crate: string;
  before(() => {
    ({ dir, crate } = copyFixtures());
    fs.chmodSync(dir, 0o755);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    "a Debian 11 userland with bullseye's arm64 libc and qemu (made from the debootstrap base)",
    { timeout: 20 * 60_000 },
    () => {
      assert.equal(
        podman(['image', 'exists', BULLSEYE]).status,
        0,
        `${BULLSEYE} is missing: run scripts/setup-host.sh --e2e-user $USER (it makes it)`,
      );
      if (podman(['image', 'exists', RUN_IMAGE]).status === 0) return;
      const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-bullseye-'));
      // The point release only: bullseye-security's arm64 libc6 is not on the mirror, and Multi-Arch
      // needs the same libc6 version for amd64 and arm64.
      fs.writeFileSync(
        path.join(ctx, 'Containerfile'),
        `FROM ${BULLSEYE}
RUN sed -i '/-updates\\|-security/d' /etc/apt/sources.list && dpkg --add-architecture arm64 && apt-get update -q && \\
    apt-get install -y -q --no-install-recommends libc6:arm64 libgcc-s1:arm64 libstdc++6:arm64 qemu-user-static >/dev/null && \\
    rm -rf /var/lib/apt/lists/*
`,
      );
      const r = podman(['build', '-t', RUN_IMAGE, ctx]);
      fs.rmSync(ctx, { recursive: true, force: true });
      assert.equal(r.status, 0, tail(r.stdout + r.stderr));
      const v = inBullseye(dir, 'ldd --version | head -n 1; qemu-aarch64-static --version | head -n 1');
      assert.match(v.out, /GLIBC 2\.31/);
    },
  );

  test('the default (2.36) build does not start there: the userland really is older', { timeout: HOUR }, async () => {
    const r = await xcross(['build', '--target', X64], { cwd: crate, timeoutMs: HOUR, tee: true });
    assert.equal(r.code, 0, tail(r.stderr));
    const run = inBullseye(crate, `./target/${X64}/debug/hello-xcross`);
    assert.notEqual(run.code, 0);
    assert.match(run.out, /version `GLIBC_2\.3[4-9]' not found/);
  });

  for (const [t, runPrefix] of [
    [X64, ''],
    [A64, 'qemu-aarch64-static -L / '],
  ] as const) {
    test(
      `${t} --glibc 2.31: its own image, a binary and tests that need glibc 2.31 at most, running in Debian 11`,
      { timeout: HOUR },
      async () => {
        const img = await xcross(['image', 'build', '--target', `${t}.2.31`], {
          cwd: crate,
          timeoutMs: HOUR,
          tee: true,
        });
        assert.equal(img.code, 0, tail(img.stderr));
        const ref = img.stdout.trim();
        assert.match(ref, new RegExp(`^localhost/xcross/${t}-glibc2\\.31:[0-9a-f]{12}$`));
        const labels = JSON.parse(podman(['image', 'inspect', '--format', '{{json .Labels}}', ref]).stdout) as Record<
          string,
          string
        >;
        assert.deepEqual(
          [labels['io.xcross.libc'], labels['io.xcross.openssl'], labels['io.xcross.gcc'], labels['io.xcross.glibcxx']],
          ['2.31', '1.1.1', '10.2.1', '3.4.28'],
        );

        // The cargo target directory stays target/<triple>/ whatever the floor: cargo relinks (the linker is another).
        const build = await xcross(['build', '--target', t, '--glibc', '2.31', '-v'], { cwd: crate, timeoutMs: HOUR });
        assert.equal(build.code, 0, tail(build.stderr));
        assert.match(
          build.stderr,
          /glibc floor 2\.31: \d+ files? linked in this run, needing at most GLIBC_2\.\d+ \(floor 2\.31\)/,
        );
        const bin = path.join(crate, 'target', t, 'debug', 'hello-xcross');
        const tests = await xcross(['test', '--target', `${t}.2.31`, '--no-run', '--message-format=json'], {
          cwd: crate,
          timeoutMs: HOUR,
        });
        assert.equal(tests.code, 0, tail(tests.stderr));
        const exes = testExecutables(tests.stdout);
        assert.ok(exes.length >= 2, tests.stdout);
        const needs = newestNeeds([bin, ...exes]);
        assert.ok(compareVersions(needs.GLIBC, '2.31') <= 0, `needs GLIBC_${needs.GLIBC}`);

        const run = inBullseye(
          crate,
          `set -e; ldd --version | head -n 1; ${runPrefix}${bin} --exit 0; for t in ${exes.join(' ')}; do ${runPrefix}"$t"; done`,
        );
        assert.equal(run.code, 0, tail(run.out));
        assert.match(run.out, /GLIBC 2\.31/);
        assert.match(run.out, new RegExp(`^hello from ${t.split('-')[0]}$`, 'm'));
        assert.match(run.out, /^threaded_sum=5000050000$/m);
        assert.match(run.out, /^test result: ok\. [1-9]\d* passed; 0 failed/m);
      },
    );
  }

  test(
    "xcross test and run in the floor's image: the tests pass under qemu with glibc 2.31",
    { timeout: HOUR },
    async () => {
      const r = await xcross(['test', '--target', A64, '--glibc', '2.31'], { cwd: crate, timeoutMs: HOUR });
      assert.equal(r.code, 0, tail(r.stdout + r.stderr));
      assert.match(r.stdout, /test result: ok\./);
    },
  );

  test('a floor a target lacks: one sentence', async () => {
    const r = await xcross(['build', '--target', 'riscv64gc-unknown-linux-gnu.2.31'], { cwd: crate });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /riscv64gc-unknown-linux-gnu has no glibc 2\.31 floor: Debian bullseye has no riscv64 libraries on this mirror, so its floors are 2\.36/,
    );
  });
});

describe('the check after the build', () => {
  let dir: string;
  let crate: string;
  before(() => ({ dir, crate } = copyFixtures()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    'a configured image with a newer C library, C code calling a glibc 2.36 function: 2.31 fails with the sentence, 2.36 passes',
    { timeout: HOUR },
    async () => {
      const img = await xcross(['image', 'build', '--target', X64], { cwd: crate, timeoutMs: HOUR, tee: true });
      assert.equal(img.code, 0, tail(img.stderr));
      fs.writeFileSync(path.join(crate, 'Cross.toml'), `[target.${X64}]\nimage = "${img.stdout.trim()}"\n`);
      fs.appendFileSync(
        path.join(crate, 'c', 'mul.c'),
        '\n#include <stdlib.h>\nunsigned int xc_random(void) { return arc4random(); }\n',
      );
      const low = await xcross(['build', '--target', X64, '--glibc', '2.31'], { cwd: crate, timeoutMs: HOUR });
      assert.equal(low.code, 1, tail(low.stderr));
      assert.match(
        low.stderr,
        new RegExp(
          `error: target/${X64}/debug/hello-xcross needs arc4random@GLIBC_2\\.36, newer than the glibc 2\\.31 floor allows \\(its glibc has GLIBC_2\\.31\\): it will not start on a system with glibc 2\\.31 \\(and \\d+ more version needs? above the floor`,
        ),
      );
      assert.match(
        low.stderr,
        /fix: the image your configuration names \(Cross\.toml image or dockerfile\) has a newer C library than the floor/,
      );
      // XCROSS_GLIBC_CHECK=0: the same build, relinked, is not checked.
      fs.rmSync(path.join(crate, 'target', X64), { recursive: true, force: true });
      const off = await xcross(['build', '--target', X64, '--glibc', '2.31', '-v'], {
        cwd: crate,
        timeoutMs: HOUR,
        env: { XCROSS_GLIBC_CHECK: '0' },
      });
      assert.equal(off.code, 0, tail(off.stderr));
      assert.match(off.stderr, /glibc floor: not checked \(XCROSS_GLIBC_CHECK=0\)/);
      fs.rmSync(path.join(crate, 'target', X64), { recursive: true, force: true });
      const high = await xcross(['build', '--target', X64, '--glibc', '2.36', '-v'], { cwd: crate, timeoutMs: HOUR });
      assert.equal(high.code, 0, tail(high.stderr));
      assert.match(
        high.stderr,
        /glibc floor 2\.36: \d+ files? linked in this run, needing at most GLIBC_2\.36 \(floor 2\.36\)/,
      );
    },
  );

  test(
    "a C++ dependency through CXX_<target>, built for the 2.31 floor: no GLIBCXX_ newer than bullseye's, and it runs there",
    { timeout: HOUR },
    async () => {
      const cpp = path.join(dir, 'cpp-dep');
      fs.mkdirSync(path.join(cpp, 'src'), { recursive: true });
      fs.writeFileSync(
        path.join(cpp, 'Cargo.toml'),
        '[package]\nname = "cpp-dep"\nversion = "0.1.0"\nedition = "2021"\n',
      );
      fs.writeFileSync(
        path.join(cpp, 'words.cc'),
        `#include <memory>
#include <sstream>
#include <string>
#include <vector>
extern "C" long words_len(int n) {
  std::vector<std::string> v;
  auto shared = std::make_shared<std::ostringstream>();
  for (int i = 0; i < n; i++) { *shared << i; v.push_back(std::to_string(i)); }
  long total = 0;
  for (const auto &s : v) total += static_cast<long>(s.size());
  try { if (total > 0) throw std::runtime_error("ok"); } catch (const std::exception &) {}
  return total;
}
`,
      );
      fs.writeFileSync(
        path.join(cpp, 'build.rs'),
        `use std::{env, path::PathBuf, process::Command};
fn main() {
    let target = env::var("TARGET").unwrap();
    let cxx = env::var(format!("CXX_{}", target.replace('-', "_"))).expect("the image sets CXX_<target>");
    let ar = env::var(format!("AR_{}", target.replace('-', "_"))).expect("the image sets AR_<target>");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    assert!(Command::new(&cxx).args(["-c", "-O2", "-fPIC", "words.cc", "-o"]).arg(out.join("words.o")).status().unwrap().success());
    assert!(Command::new(&ar).arg("crs").arg(out.join("libwords.a")).arg(out.join("words.o")).status().unwrap().success());
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=words");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rerun-if-changed=words.cc");
}
`,
      );
      fs.writeFileSync(
        path.join(cpp, 'src', 'main.rs'),
        'extern "C" { fn words_len(n: i32) -> i64; }\nfn main() { println!("words_len={}", unsafe { words_len(1000) }); }\n',
      );
      fs.chmodSync(dir, 0o755);
      const r = await xcross(['run', '--target', `${A64}.2.31`, '-v'], { cwd: cpp, timeoutMs: HOUR });
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stdout, /^words_len=2890$/m);
      const bin = path.join(cpp, 'target', A64, 'debug', 'cpp-dep');
      const needs = newestNeeds([bin]);
      assert.ok(needs.GLIBCXX, 'the program needs libstdc++ symbols');
      assert.ok(
        compareVersions(needs.GLIBCXX, '3.4.28') <= 0 && compareVersions(needs.CXXABI ?? '0', '1.3.12') <= 0,
        JSON.stringify(needs),
      );
      const run = inBullseye(cpp, `qemu-aarch64-static -L / ${bin}`);
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /^words_len=2890$/m);
    },
  );
});
