// Cargo's command line: everything passes through untouched but xcross's own flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { absolutizePathFlags, cargoArgv, parseCargoInvocation } from '../../src/cli/cargo-args';

const parse = (s: string[]) => parseCargoInvocation(s)!;

test('cargo arguments pass through untouched and in order', () => {
  const args = [
    '--release',
    '-p',
    'foo',
    '--features',
    'a b',
    '--manifest-path',
    'x/Cargo.toml',
    '--target',
    'aarch64-unknown-linux-gnu',
    '--',
    '--nocapture',
  ];
  const inv = parse(['build', ...args]);
  assert.equal(inv.subcommand, 'build');
  assert.deepEqual(inv.cargoArgs, args);
  assert.equal(inv.target, 'aarch64-unknown-linux-gnu');
  assert.equal(inv.manifestPath, 'x/Cargo.toml');
  assert.deepEqual(cargoArgv(inv, 'ignored'), ['build', ...args]);
});

test('+toolchain, --target=T, aliases', () => {
  const inv = parse(['+nightly', 't', '--target=x86_64-unknown-linux-gnu']);
  assert.equal(inv.toolchain, 'nightly');
  assert.equal(inv.subcommand, 'test');
  assert.equal(inv.target, 'x86_64-unknown-linux-gnu');
  assert.deepEqual(inv.cargoArgs, ['--target=x86_64-unknown-linux-gnu']);
  assert.equal(parse(['b']).subcommand, 'build');
  assert.throws(() => parse(['+', 'build']), /followed by a toolchain name/);
});

test('xcross-only flags are taken out; after -- nothing is touched', () => {
  const inv = parse([
    'run',
    '--runtime',
    'podman',
    '--toolchain-source=image',
    '--read-only-source',
    '--release',
    '--',
    '--runtime',
    'x',
    '--read-only-source',
  ]);
  assert.deepEqual(inv.xcross, {
    runtime: 'podman',
    toolchainSource: 'image',
    readOnlySource: true,
    strace: false,
    push: false,
  });
  assert.deepEqual(inv.cargoArgs, ['--release', '--', '--runtime', 'x', '--read-only-source']);
  assert.throws(() => parse(['build', '--toolchain-source', 'rustup']), /must be one of auto, host, image/);
  assert.throws(() => parse(['build', '--runtime']), /--runtime needs a value/);
});

test('-v, -vv and --verbose count, and stay for cargo', () => {
  const inv = parse(['check', '-v', '-vv', '--verbose']);
  assert.equal(inv.verbose, 4);
  assert.deepEqual(inv.cargoArgs, ['-v', '-vv', '--verbose']);
});

test('one target per run', () => {
  assert.throws(() => parse(['build', '--target', 'a', '--target', 'b']), /one target per run, and got 2: 'a', 'b'/);
});

test('a word that is not a cargo subcommand is not a cargo invocation', () => {
  assert.equal(parseCargoInvocation(['targets']), undefined);
  assert.equal(parseCargoInvocation([]), undefined);
});

test('--target is added before -- only when the user gave none', () => {
  assert.deepEqual(cargoArgv(parse(['run', '--release', '--', '--flag']), 'T'), [
    'run',
    '--release',
    '--target',
    'T',
    '--',
    '--flag',
  ]);
  assert.deepEqual(cargoArgv(parse(['build']), 'T'), ['build', '--target', 'T']);
});

test('path flags become absolute (the container may start elsewhere), values after -- do not', () => {
  assert.deepEqual(
    absolutizePathFlags(
      ['build', '--manifest-path', 'a/Cargo.toml', '--target-dir=out', '--', '--manifest-path', 'x'],
      '/w',
    ),
    ['build', '--manifest-path', '/w/a/Cargo.toml', '--target-dir=/w/out', '--', '--manifest-path', 'x'],
  );
});

test("--strace and --gdb PORT are xcross's; shell is parsed like a cargo subcommand", () => {
  const inv = parse(['shell', '--target', 'T', '--strace', '--gdb', '1234', '--', 'make', '--strace']);
  assert.equal(inv.subcommand, 'shell');
  assert.deepEqual(inv.xcross, { readOnlySource: false, strace: true, gdb: 1234, push: false });
  assert.deepEqual(inv.cargoArgs, ['--target', 'T', '--', 'make', '--strace']);
  assert.throws(() => parse(['run', '--gdb', 'http']), /--gdb needs a TCP port number, not 'http'/);
  assert.throws(() => parse(['run', '--gdb=70000']), /--gdb needs a TCP port number/);
});

test('`xcross rustc --release -- -C lto`: rustc also gets the bitcode LTO needs (cargo would say embed-bitcode=no)', () => {
  const argv = (...a: string[]) => cargoArgv(parse(['rustc', '--target', 'T', '--release', '--', ...a]), 'T');
  assert.deepEqual(argv('-C', 'lto'), [
    'rustc',
    '--target',
    'T',
    '--release',
    '--',
    '-C',
    'lto',
    '-C',
    'embed-bitcode=yes',
  ]);
  assert.deepEqual(argv('-Clto=fat').slice(-2), ['-C', 'embed-bitcode=yes']);
  assert.deepEqual(argv('--codegen=lto=thin').slice(-2), ['-C', 'embed-bitcode=yes']);
  assert.deepEqual(
    argv('-C', 'lto=off'),
    ['rustc', '--target', 'T', '--release', '--', '-C', 'lto=off'],
    'no LTO asked',
  );
  assert.deepEqual(
    argv('-C', 'lto', '-C', 'embed-bitcode=no').slice(-1),
    ['embed-bitcode=no'],
    "the user's word stands",
  );
  assert.deepEqual(argv('-C', 'opt-level=3').slice(-1), ['opt-level=3']);
  assert.deepEqual(
    cargoArgv(parse(['run', '--', '-C', 'lto']), 'T'),
    ['run', '--target', 'T', '--', '-C', 'lto'],
    "a program's own arguments",
  );
});
