// The real binary on bad input: one clear sentence, a fix, a non-zero exit, no stack trace. No engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tempDir, writeTree } from './helpers';

const BIN = path.resolve(__dirname, '..', '..', 'src', 'main.js');
const VERSION = require('../../../package.json').version as string;

function xcross(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: tempDir(), ...env } });
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

test('targets --json lists the registry', () => {
  const r = xcross(['targets', '--json'], tempDir());
  assert.equal(r.code, 0);
  const triples = (JSON.parse(r.stdout) as { targets: { target: string }[] }).targets.map((t) => t.target);
  assert.deepEqual(triples, ['aarch64-unknown-linux-gnu', 'x86_64-unknown-linux-gnu', 'mips-unknown-linux-gnu']);
});

test('an unknown triple: the nearest one suggested', () => {
  const r = xcross(['build', '--target', 'aarch64-linux-gnu'], crate());
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "xcross: error: unknown target 'aarch64-linux-gnu': xcross has no image for it\nxcross: fix: did you mean 'aarch64-unknown-linux-gnu'? (`xcross targets` lists them all)\n");
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
  assert.match(r.stderr, /^xcross: error: no container engine found: no podman API socket is listening[^;]*; podman is not on PATH; nerdctl is not on PATH; docker is not on PATH\nxcross: fix: install podman: sudo apt-get install podman uidmap/);
  const named = xcross(['build', '--target', 'aarch64-unknown-linux-gnu'], crate(), { PATH: tempDir(), CROSS_CONTAINER_ENGINE: '/opt/nothing/podman' });
  assert.match(named.stderr, /the container engine \/opt\/nothing\/podman does not exist or is not executable/);
  const unknown = xcross(['build', '--target', 'aarch64-unknown-linux-gnu', '--runtime', 'lxc'], crate());
  assert.match(unknown.stderr, /unknown container runtime 'lxc'/);
});

test('help teaches; unknown commands suggest', () => {
  const help = xcross(['build', '--help'], tempDir());
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--toolchain-source SOURCE/);
  assert.match(help.stdout, /--read-only-source/);
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
