// Installing xcross must need no compiler: no dependency it ships with may run an install script
// (node-gyp), and the pseudo-terminal comes from @lydell/node-pty's prebuilt binaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../src/base/package-root';
import { loadNodePty } from '../../runtimes/cli/pty-session';
import { recordingLogger } from './helpers';

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  hasInstallScript?: boolean;
  os?: string[];
  cpu?: string[];
}

const lock = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

test('no runtime dependency runs an install script (npm install -g needs no python, make or g++)', () => {
  const scripted = Object.entries(lock.packages)
    .filter(([name, e]) => name !== '' && !e.dev && e.hasInstallScript)
    .map(([name]) => name);
  assert.deepEqual(scripted, []);
  assert.equal(
    pkg.dependencies['node-pty'],
    undefined,
    'node-pty builds from source on Linux; xcross uses @lydell/node-pty',
  );
});

test('the lock has the prebuilt pty binaries for Linux x64 and arm64', () => {
  for (const cpu of ['x64', 'arm64']) {
    const e = lock.packages[`node_modules/@lydell/node-pty-linux-${cpu}`];
    assert.ok(e, `@lydell/node-pty-linux-${cpu} is not in package-lock.json`);
    assert.deepEqual([e.os, e.cpu, e.optional], [['linux'], [cpu], true]);
  }
});

test(
  'the pty loads here without a build step and runs a program on a terminal',
  { skip: !['x64', 'arm64'].includes(process.arch) && `no prebuilt pty for ${process.arch}` },
  async () => {
    const log = recordingLogger();
    const pty = loadNodePty(log, {});
    assert.ok(pty, log.lines.join('\n'));
    const child = pty.spawn('/bin/sh', ['-c', 'test -t 0 && test -t 1 && echo on-a-terminal'], {
      name: 'xterm',
      cols: 80,
      rows: 24,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
    });
    let out = '';
    child.onData((d) => {
      out += d;
    });
    const code = await new Promise<number>((resolve) => child.onExit((e) => resolve(e.exitCode)));
    assert.equal(code, 0);
    assert.match(out, /on-a-terminal/);
  },
);
