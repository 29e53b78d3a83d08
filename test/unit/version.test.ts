// xcross --version: the number alone for scripts; with -v also the engine's version and the registry's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isVersionRequest, registryLine } from '../../src/commands/version';
import { loadRegistry } from '../../src/targets/registry';
import { tempDir, writeTree } from './helpers';

const BIN = path.resolve(__dirname, '..', '..', 'src', 'main.js');
const VERSION = require('../../../package.json').version as string;

function xcross(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: tempDir(),
    env: { HOME: tempDir(), ...env },
  });
}

test('which command lines ask for the version', () => {
  for (const argv of [['--version'], ['-V'], ['--version', '-v'], ['-v', '-V'], ['-V', '--verbose']])
    assert.ok(isVersionRequest(argv), argv.join(' '));
  for (const argv of [['-v'], ['build', '--version'], ['--version', 'targets'], []])
    assert.ok(!isVersionRequest(argv), argv.join(' '));
});

test('the registry line: the digest of targets.toml, the target count, the base suite, the rustc versions', () => {
  const r = loadRegistry();
  const a = registryLine(r, 'one');
  assert.match(
    a,
    new RegExp(
      `targets\\.toml sha256:[0-9a-f]{12}, ${r.targets.length} targets, base Debian bookworm, rustc 1\\.96\\.0 \\(web\\)$`,
    ),
  );
  assert.notEqual(registryLine(r, 'two'), a, 'another registry file, another digest');
});

test('--version -v with a podman on PATH: xcross, the engine and the registry; --version alone: the number', () => {
  const bin = tempDir();
  writeTree(bin, { podman: '#!/bin/sh\n[ "$1" = version ] && echo \'{"Client":{"Version":"9.8.7"}}\'\n' }, 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, XCROSS_RUNTIME: 'podman' };
  const r = xcross(['--version', '-v'], env);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `xcross ${VERSION} (node ${process.version}, ${process.platform} ${process.arch})`);
  assert.equal(lines[1], `engine: podman (${path.join(bin, 'podman')}), version 9.8.7`);
  assert.match(lines[2], /^target registry: .*targets\.toml sha256:[0-9a-f]{12}, \d+ targets/);
  assert.equal(xcross(['-V'], env).stdout, `${VERSION}\n`);
});

test('--version -v without an engine still answers, and says why there is none', () => {
  const empty = tempDir();
  fs.mkdirSync(path.join(empty, 'bin'));
  const r = xcross(['-V', '-v'], { PATH: path.join(empty, 'bin'), XCROSS_RUNTIME: 'podman' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^engine: none usable \(podman is not installed \(not found on PATH\)\)$/m);
});

test('--version -v in a crate names the engine Cross.toml asks for, as a build there would use; a Cross.toml it cannot read does not stop it', () => {
  const bin = tempDir();
  writeTree(bin, { podman: '#!/bin/sh\n[ "$1" = version ] && echo \'{"Client":{"Version":"9.8.7"}}\'\n' }, 0o755);
  const crate = tempDir();
  writeTree(crate, {
    'Cargo.toml': '[package]\nname = "c"\nversion = "0.1.0"\n',
    'Cross.toml': `[xcross]\nruntime = "${path.join(bin, 'podman')}"\n`,
  });
  const run = () =>
    spawnSync(process.execPath, [BIN, '--version', '-v'], {
      encoding: 'utf8',
      cwd: crate,
      env: { HOME: tempDir(), PATH: '/nonexistent' },
    });
  assert.match(run().stdout, new RegExp(`^engine: podman \\(${path.join(bin, 'podman')}\\), version 9\\.8\\.7$`, 'm'));
  fs.writeFileSync(path.join(crate, 'Cross.toml'), '[xcross]\nruntime = 3\n');
  const broken = run();
  assert.equal(broken.status, 0, broken.stderr);
  assert.match(broken.stdout, /^engine: none usable \(no container engine found: /m);
});
