// The real binary on bad input: one clear sentence, a fix, a non-zero exit, no stack trace. No engine.
import { loadRegistry } from '../../src/targets/registry';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tempDir, writeTree } from './helpers';

const BIN = path.resolve(__dirname, '..', '..', 'src', 'main.js');
const VERSION = require('../../../package.json').version as string;

function xcross(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: tempDir(), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function crate(): string {
  const d = tempDir();
  writeTree(d, { 'Cargo.toml': '[package]\nname = "c"\nversion = "0.1.0"\n', 'src/main.rs': 'fn main() {}\n' });
  return d;
}

const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at /m, s);

test('--version prints the package version', () => {
  const r = xcross(['--version'], tempDir());
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${VERSION}\n`);
});

test('targets --json lists the registry, with every field scripts read', () => {
  const r = xcross(['targets', '--json'], tempDir());
  assert.equal(r.code, 0);
  const rows = (JSON.parse(r.stdout) as { targets: Record<string, string>[] }).targets;
  assert.deepEqual(
    rows.map((t) => t.target),
    loadRegistry().targets.map((t) => t.triple),
  );
  // The fields of the first release stay, under the same names; new ones are added beside them.
  const fields = [
    'target',
    'debArch',
    'cc',
    'qemu',
    'gcc',
    'libc',
    'openssl',
    'qemuVersion',
    'rustc',
    'image',
    'libcName',
    'wine',
    'std',
    'tests',
    'glibcFloors',
    'stdSource',
    'opensslSource',
  ];
  for (const row of rows) assert.deepEqual(Object.keys(row).sort(), [...fields].sort(), row.target);
  const by = (t: string) => rows.find((x) => x.target === t)!;
  assert.deepEqual(
    [
      by('aarch64-unknown-linux-gnu').libc,
      by('aarch64-unknown-linux-gnu').openssl,
      by('aarch64-unknown-linux-gnu').rustc,
    ],
    ['2.36', '3.0.22', '1.96.0'],
  );
  assert.deepEqual(
    [by('x86_64-pc-windows-gnu').wine, by('x86_64-pc-windows-gnu').qemu, by('x86_64-pc-windows-gnu').rustc],
    ['8.0', 'none', '1.96.0'],
  );
  assert.match(by('x86_64-pc-windows-gnu').tests, /^wine 8\.0/);
  assert.equal(by('x86_64-unknown-linux-musl').rustc, '1.96.0');
  assert.deepEqual([by('i686-pc-windows-gnu').wine, by('i686-pc-windows-gnu').rustc], ['8.0', '1.96.0']);
  assert.equal(by('x86_64-unknown-linux-musl').libcName, 'musl');
  assert.match(by('i686-unknown-linux-gnu').tests, /^qemu-i386 7\.2; native on x86_64, i686 hosts$/);
  assert.match(
    by('s390x-unknown-linux-gnu').std,
    /^Debian package \(trixie's libstd-rust-web-dev:s390x, the same rustc build\)$/,
  );
  assert.deepEqual(
    ['aarch64-unknown-linux-gnu', 'mips-unknown-linux-gnu', 'x86_64-unknown-linux-musl'].map((t) => [
      by(t).stdSource,
      by(t).std.split(' (')[0],
    ]),
    [
      ['debian', 'Debian package'],
      ['build', 'built in the image'],
      ['build', 'built in the image'],
    ],
  );
  assert.deepEqual(
    ['aarch64-unknown-linux-gnu', 'mips-unknown-linux-gnu', 'x86_64-unknown-linux-musl'].map(
      (t) => by(t).opensslSource,
    ),
    ['debian', 'source', 'none'],
  );
  const floors = (t: string) => by(t).glibcFloors as unknown as string[];
  assert.deepEqual(
    [floors('x86_64-unknown-linux-gnu'), floors('aarch64-unknown-linux-gnu')],
    [
      ['2.31', '2.36'],
      ['2.31', '2.36'],
    ],
  );
  assert.deepEqual(
    [floors('riscv64gc-unknown-linux-gnu'), floors('x86_64-unknown-linux-musl'), floors('x86_64-pc-windows-gnu')],
    [['2.36'], [], []],
  );
});

test('targets: the terminal table has a line per target and its image', () => {
  const r = xcross(['targets'], tempDir());
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(
    lines[0],
    /^TARGET +DEBIAN ARCH +C COMPILER +LIBC +GLIBC FLOORS +OPENSSL +GCC +IMAGE RUSTC +RUST STD +TESTS RUN UNDER +IMAGE$/,
  );
  assert.equal(lines.length, loadRegistry().targets.length + 1);
  assert.match(
    r.stdout,
    /^aarch64-unknown-linux-gnu +arm64 +aarch64-linux-gnu-gcc +glibc 2\.36 +2\.31, 2\.36 \(default\) +3\.0\.22 /m,
  );
  assert.match(
    r.stdout,
    /^mips-unknown-linux-gnu +mips .* 3\.0\.20 \(built\) .* built in the image +qemu-mips 7\.2; native on mips hosts +localhost/m,
  );
  assert.match(
    r.stdout,
    /^riscv64gc-unknown-linux-gnu +riscv64 +riscv64-linux-gnu-gcc +glibc 2\.36 +2\.36 \(default\) +3\.0\.20 \(built\) +12\.2\.0 +1\.96\.0 +Debian package +qemu-riscv64 7\.2; native on riscv64 hosts +localhost\/xcross\/riscv64gc-unknown-linux-gnu:[0-9a-f]{12}$/m,
  );
});

test('an unknown triple: the nearest one suggested', () => {
  const r = xcross(['build', '--target', 'aarch64-linux-gnu'], crate());
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "xcross: error: unknown target 'aarch64-linux-gnu': xcross has no image for it\nxcross: fix: did you mean 'aarch64-unknown-linux-gnu'? (`xcross targets` lists them all); a triple rustc knows and xcross lacks builds in an image of yours: [target.aarch64-linux-gnu] dockerfile = \"...\" in Cross.toml (FROM $CROSS_BASE_IMAGE, adding its C compiler) and build-std = true\n",
  );
});

test('no Cargo.toml', () => {
  const d = tempDir();
  const r = xcross(['build', '--target', 'aarch64-unknown-linux-gnu'], d);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^xcross: error: could not find Cargo\\.toml in ${d} or any parent directory\n`));
  noStack(r.stderr);
});

test('a broken Cross.toml names file:line:col', () => {
  const d = crate();
  writeTree(d, { 'Cross.toml': '[build]\ndefault-target = \n' });
  const r = xcross(['build'], d);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^xcross: error: ${path.join(d, 'Cross.toml')}:2:\\d+: invalid TOML`));
  noStack(r.stderr);
});

test('no podman: the package to install is named', () => {
  const r = xcross(['build', '--target', 'aarch64-unknown-linux-gnu'], crate(), { PATH: tempDir() });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^xcross: error: no container engine found: no podman API socket is listening[^;]*; podman is not on PATH; nerdctl is not on PATH; docker is not on PATH\nxcross: fix: install podman: sudo apt-get install podman uidmap/,
  );
  const named = xcross(['build', '--target', 'aarch64-unknown-linux-gnu'], crate(), {
    PATH: tempDir(),
    CROSS_CONTAINER_ENGINE: '/opt/nothing/podman',
  });
  assert.match(named.stderr, /the container engine \/opt\/nothing\/podman does not exist or is not executable/);
  const unknown = xcross(['build', '--target', 'aarch64-unknown-linux-gnu', '--runtime', 'lxc'], crate());
  assert.match(unknown.stderr, /unknown container runtime 'lxc'/);
});

test('help teaches; unknown commands suggest', () => {
  const help = xcross(['build', '--help'], tempDir());
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--toolchain-source SOURCE/);
  assert.match(help.stdout, /--read-only-source/);
  assert.match(help.stdout, /--glibc X\.Y .*\[env: XCROSS_GLIBC; also --target TRIPLE\.X\.Y\]/s);
  assert.match(help.stdout, /XCROSS_GLIBC_CHECK=0/);
  const top = xcross(['--help'], tempDir());
  assert.equal(top.code, 0);
  assert.match(top.stdout, /build, check, test, run, bench, doc, rustc, clippy, metadata/);
  const typo = xcross(['tset'], tempDir());
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command 'tset'\nxcross: fix: did you mean `xcross test`\?/);
  noStack(typo.stderr);
});

test('XCROSS_DEBUG=1 adds the stack trace', () => {
  const r = xcross(['build', '--target', 'nope-nope'], crate(), { XCROSS_DEBUG: '1' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^\s+at /m);
});

test('xcross image: push without a cache, save without -o, a bad cache location: one sentence each, before any engine', () => {
  const d = crate();
  const noEngine = { PATH: '/nonexistent' };
  let r = xcross(['image', 'push', '--target', 'aarch64-unknown-linux-gnu'], d, noEngine);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /xcross image push needs an image cache to push to/);
  assert.match(r.stderr, /log in with `podman login <registry>`/);
  // The engine asked for names its own login, though none is found yet.
  r = xcross(['image', 'push', '--target', 'aarch64-unknown-linux-gnu'], d, { ...noEngine, XCROSS_RUNTIME: 'docker' });
  assert.match(r.stderr, /log in with `docker login <registry>`/);
  r = xcross(['image', 'save', '--target', 'aarch64-unknown-linux-gnu'], d, noEngine);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /xcross image save needs -o FILE/);
  r = xcross(['image', 'build', '--target', 'aarch64-unknown-linux-gnu'], d, {
    ...noEngine,
    XCROSS_IMAGE_CACHE: 'https://ghcr.io/acme',
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /XCROSS_IMAGE_CACHE is 'https:\/\/ghcr\.io\/acme', which has a scheme/);
  writeTree(d, { 'Cross.toml': '[xcross]\nimage-cache = "NotAHost"\n' });
  r = xcross(['image', 'list'], d, noEngine);
  assert.match(r.stderr, /image-cache in .*Cross\.toml is 'NotAHost'/);
  r = xcross(['build', '--push', '--target', 'aarch64-unknown-linux-gnu'], d, noEngine);
  assert.equal(r.code, 1);
  noStack(r.stderr);
});

test('xcross cache stats: off by default, and how to turn it on; a setting names where it came from', () => {
  const home = tempDir();
  const off = xcross(['cache', 'stats'], crate(), { XDG_CACHE_HOME: home });
  assert.equal(off.code, 0, off.stderr);
  assert.match(
    off.stdout,
    /^setting +off \(default\); turn it on with XCROSS_COMPILE_CACHE=local, --compile-cache local/m,
  );
  assert.match(off.stdout, new RegExp(`^local cache +${path.join(home, 'xcross', 'compile-cache')}$`, 'm'));
  const on = xcross(['cache', 'stats'], crate(), { XDG_CACHE_HOME: home, XCROSS_COMPILE_CACHE: 'local' });
  assert.match(on.stdout, /^setting +local \(XCROSS_COMPILE_CACHE\)$/m);
});
