// images/xcross-runner, the in-image CARGO_TARGET_<T>_RUNNER, run by sh with stand-ins for uname, qemu
// and wine on PATH: which programs run natively, under qemu or wine, and what it says when it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGES_DIR } from '../../src/base/package-root';
import { tempDir, writeTree } from './helpers';

const RUNNER = path.join(IMAGES_DIR, 'xcross-runner');

/** A bin directory with `uname -m` answering `cpu`, and qemu stand-ins that say they ran. */
function host(cpu: string): { bin: string; prog: string } {
  const bin = tempDir();
  writeTree(
    bin,
    {
      uname: `#!/bin/sh\necho ${cpu}\n`,
      'qemu-i386-static': '#!/bin/sh\necho "qemu-i386 $*"\n',
      'qemu-aarch64-static': '#!/bin/sh\necho "qemu-aarch64 $*"\n',
      prog: '#!/bin/sh\necho "native $*"\n',
      // The image's native-probe on a kernel that runs the target's programs, and on one that does not.
      'probe-runs': '#!/bin/sh\nexit 0\n',
      'probe-refused': '#!/bin/sh\nexit 126\n',
    },
    0o755,
  );
  return { bin, prog: path.join(bin, 'prog') };
}

function runner(bin: string, env: Record<string, string>, args: string[]) {
  const r = spawnSync('sh', [RUNNER, ...args], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('a target the host runs itself runs natively: its own CPU, or one named in XCROSS_NATIVE_ON', () => {
  const x86 = host('x86_64');
  const i686 = {
    XCROSS_QEMU: 'qemu-i386-static',
    XCROSS_NATIVE_ON: 'i386 x86_64 i686',
    XCROSS_NATIVE_PROBE: path.join(x86.bin, 'probe-runs'),
  };
  assert.deepEqual(runner(x86.bin, i686, [x86.prog, 'a b']), { code: 0, out: 'native a b', err: '' });
  const arm = host('aarch64');
  assert.equal(runner(arm.bin, i686, [arm.prog, 'x']).out, `qemu-i386 ${arm.prog} x`);
  assert.equal(
    runner(arm.bin, { XCROSS_QEMU: 'qemu-aarch64-static', XCROSS_NATIVE_ON: 'aarch64' }, [arm.prog]).out,
    'native',
  );
  assert.equal(
    runner(x86.bin, { XCROSS_QEMU: 'qemu-aarch64-static', XCROSS_NATIVE_ON: 'aarch64' }, [x86.prog]).out,
    `qemu-aarch64 ${x86.prog}`,
  );
  assert.equal(runner(x86.bin, { XCROSS_QEMU: '' }, [x86.prog]).out, 'native', 'runner = "native": no emulator');
});

test("another CPU's programs (i386 on x86_64) run natively only where the image's probe runs: else under qemu", () => {
  const x86 = host('x86_64');
  const i686 = { XCROSS_QEMU: 'qemu-i386-static', XCROSS_NATIVE_ON: 'i386 x86_64 i686' };
  const probe = (name: string) => ({ ...i686, XCROSS_NATIVE_PROBE: path.join(x86.bin, name) });
  assert.equal(runner(x86.bin, probe('probe-runs'), [x86.prog, 'a']).out, 'native a');
  // A kernel with ia32_emulation=off: execve of an i386 program fails with ENOEXEC.
  assert.deepEqual(runner(x86.bin, probe('probe-refused'), [x86.prog, 'a']), {
    code: 0,
    out: `qemu-i386 ${x86.prog} a`,
    err: '',
  });
  // An image without a probe: qemu, which runs them everywhere.
  assert.equal(runner(x86.bin, probe('no-such-probe'), [x86.prog]).out, `qemu-i386 ${x86.prog}`);
  // The target's own CPU needs no probe: x86_64 programs on x86_64 run natively even when it refuses.
  const x64 = { XCROSS_QEMU: 'qemu-x86_64-static', XCROSS_NATIVE_ON: 'x86_64' };
  assert.equal(
    runner(x86.bin, { ...x64, XCROSS_NATIVE_PROBE: path.join(x86.bin, 'probe-refused') }, [x86.prog]).out,
    'native',
  );
});

test('a trace goes through qemu even for a native target (QEMU_STRACE from --strace, or XCROSS_STRACE=1)', () => {
  const x86 = host('x86_64');
  const env = { XCROSS_QEMU: 'qemu-i386-static', XCROSS_NATIVE_ON: 'x86_64' };
  assert.equal(runner(x86.bin, { ...env, QEMU_STRACE: '1' }, [x86.prog]).out, `qemu-i386 -strace ${x86.prog}`);
  assert.equal(runner(x86.bin, { ...env, XCROSS_STRACE: '1' }, [x86.prog]).out, `qemu-i386 -strace ${x86.prog}`);
});

test('what it says when it cannot run the program', () => {
  const x86 = host('x86_64');
  assert.deepEqual(runner(x86.bin, {}, []), {
    code: 127,
    out: '',
    err: 'xcross-runner: no program given (usage: xcross-runner PROGRAM [ARGS...])',
  });
  const noQemu = runner(x86.bin, { XCROSS_QEMU: 'qemu-xcrossnone-static' }, [x86.prog]);
  assert.equal(noQemu.code, 127);
  assert.match(noQemu.err, /the emulator qemu-xcrossnone-static is not installed in this image/);
  // An image without wine (built on a host that cannot run x86_64 Windows code).
  const noWine = runner(x86.bin, { XCROSS_RUNNER: 'wine', XCROSS_WINE: '/nonexistent/wine64' }, ['hello.exe']);
  assert.equal(noWine.code, 127);
  assert.match(noWine.err, /cannot run hello\.exe: this image has no wine/);
});

test("wine: the image's prefix for its owner; a private one of symlinks for another user (a rootful engine's --user)", () => {
  const x86 = host('x86_64');
  const wine = path.join(x86.bin, 'wine64');
  writeTree(x86.bin, { wine64: '#!/bin/sh\necho "wine prefix=$WINEPREFIX debug=$WINEDEBUG args=$*"\n' }, 0o755);
  const prefix = tempDir();
  writeTree(prefix, {
    'system.reg': 'sys',
    'user.reg': 'user',
    '.update-timestamp': '1',
    wineserver: '/tmp/wine-gone',
    'drive_c/windows/system32/kernel32.dll': 'dll',
  });
  fs.mkdirSync(path.join(prefix, 'dosdevices'));
  fs.symlinkSync('../drive_c', path.join(prefix, 'dosdevices', 'c:'));
  const own = runner(x86.bin, { XCROSS_RUNNER: 'wine', XCROSS_WINE: wine, WINEPREFIX: prefix }, ['a.exe', '1']);
  assert.deepEqual(own, { code: 0, out: `wine prefix=${prefix} debug=-all args=a.exe 1`, err: '' });
  if (process.getuid?.() !== 0) return; // only root can give the prefix to someone else
  fs.chownSync(prefix, 12345, 12345);
  const tmp = tempDir();
  const other = runner(
    x86.bin,
    { XCROSS_RUNNER: 'wine', XCROSS_WINE: wine, WINEPREFIX: prefix, TMPDIR: tmp, WINEDEBUG: '+relay' },
    ['a.exe'],
  );
  const copy = path.join(tmp, 'xcross-wine-0');
  assert.deepEqual(other, { code: 0, out: `wine prefix=${copy} debug=+relay args=a.exe`, err: '' });
  assert.equal(
    fs.lstatSync(path.join(copy, 'drive_c/windows/system32/kernel32.dll')).isSymbolicLink(),
    true,
    'DLLs are links',
  );
  assert.equal(fs.lstatSync(path.join(copy, 'system.reg')).isSymbolicLink(), false, 'registry files are its own');
  assert.equal(fs.readFileSync(path.join(copy, 'user.reg'), 'utf8'), 'user');
  assert.equal(fs.readlinkSync(path.join(copy, 'dosdevices', 'c:')), '../drive_c', 'c: is its own drive_c');
  assert.equal(fs.existsSync(path.join(copy, 'wineserver')), false, "no note of the image builder's wineserver");
  assert.equal(fs.statSync(path.join(copy, 'drive_c', 'windows')).isDirectory(), true);
});

test('wine: stdin reaches the program, its exit code comes back, and a signal to the runner alone ends it with 130', async () => {
  const x86 = host('x86_64');
  const prefix = tempDir();
  // A stand-in wine that reads a line, and on SIGINT ends with 0, as wine does for a Ctrl-C'd program.
  // In node, like wine in C: a handler it installs itself, whatever the shell left (sh starts a
  // background child with SIGINT ignored, and a sh script could not even trap it then).
  writeTree(
    x86.bin,
    {
      wine64: `#!${process.execPath}
process.on('SIGINT', () => process.exit(0));
if (process.argv[2] === 'read') {
  let l = '';
  process.stdin.on('data', (d) => { l += d; }).on('end', () => { process.stdout.write('read:' + l); process.exit(3); });
} else {
  process.stdout.write('ready\\n');
  setInterval(() => {}, 1000);
}
`,
    },
    0o755,
  );
  const env = {
    PATH: `${x86.bin}:/usr/bin:/bin`,
    XCROSS_RUNNER: 'wine',
    XCROSS_WINE: path.join(x86.bin, 'wine64'),
    WINEPREFIX: prefix,
  };
  const read = spawnSync('sh', [RUNNER, 'read'], { encoding: 'utf8', env, input: 'a line\n' });
  assert.deepEqual([read.status, read.stdout], [3, 'read:a line\n']);
  const child = spawn('sh', [RUNNER, 'wait.exe'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 130);
});
