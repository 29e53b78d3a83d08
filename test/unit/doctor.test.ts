// xcross doctor's checks against fake engines and fake files: clear sentences, no hangs, no throws.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { podmanFacts } from '../../src/doctor/podman-info';
import { binfmtCheck, subidChecks } from '../../src/doctor/host-checks';
import { loadRegistry } from '../../src/targets/registry';
import type { Host } from '../../src/host';
import { tempDir, writeTree } from './helpers';

function fakeEngine(script: string): string {
  const d = tempDir();
  writeTree(d, { podman: `#!/bin/sh\n${script}\n` });
  fs.chmodSync(path.join(d, 'podman'), 0o755);
  return path.join(d, 'podman');
}

describe('an engine that misbehaves', () => {
  test('garbage from version', async () => {
    assert.equal(
      await podmanFacts(fakeEngine('echo "this is not json"'), {}),
      '`podman version` did not answer with the JSON podman prints: this is not json',
    );
  });
  test('a crash', async () => {
    assert.equal(
      await podmanFacts(fakeEngine('echo "Segmentation fault" >&2; exit 139'), {}),
      '`podman version` failed (exit code 139): Segmentation fault',
    );
  });
  test('version fine, info garbage', async () => {
    const bin = fakeEngine('if [ "$1" = version ]; then echo \'{"Client":{"Version":"9.9"}}\'; else echo "{}"; fi');
    assert.match(String(await podmanFacts(bin, {})), /`podman info` did not answer with the JSON podman prints/);
  });
  test('sane answers become facts', async () => {
    const bin = fakeEngine(
      `if [ "$1" = version ]; then echo '{"Client":{"Version":"4.3.1"}}'; else echo '{"host":{"ociRuntime":{"name":"crun"},"cgroupManager":"systemd","cgroupVersion":"v2","security":{"rootless":true}},"store":{"graphDriverName":"vfs"}}'; fi`,
    );
    assert.deepEqual(await podmanFacts(bin, {}), {
      version: '4.3.1',
      rootless: true,
      ociRuntime: 'crun',
      cgroupManager: 'systemd',
      cgroupVersion: 'v2',
      storageDriver: 'vfs',
    });
  });
});

describe('host checks', () => {
  const host = { uid: 1234, env: { PATH: '/usr/bin:/bin' } } as unknown as Host;

  test('subordinate ids: enough, too few, none', () => {
    const d = tempDir();
    writeTree(d, { subuid: 'alice:100000:65536\nbob:200000:1000\n', subgid: 'carol:1:65536\n' });
    const files = { subuid: path.join(d, 'subuid'), subgid: path.join(d, 'subgid') };
    const alice = subidChecks(host, 'alice', files);
    assert.deepEqual(
      alice.slice(0, 2).map((c) => [c.id, c.status]),
      [
        ['subuid', 'ok'],
        ['subgid', 'fail'],
      ],
    );
    assert.match(alice[1].fix ?? '', /usermod --add-subgids 200000-265535 alice/);
    assert.equal(subidChecks(host, 'bob', files)[0].status, 'warn');
    assert.equal(subidChecks({ ...host, uid: 0 } as Host, 'root', files)[0].status, 'ok');
  });

  test('binfmt_misc: registered or not', () => {
    const targets = loadRegistry().targets;
    const d = tempDir();
    assert.equal(binfmtCheck(targets, 'x86_64', d).status, 'warn');
    writeTree(d, { 'qemu-aarch64': 'enabled\n' });
    // Every emulated CPU needs its entry once (armv7 and armv5te share qemu-arm); x86_64 and i686 run
    // natively on x86_64, and wine targets need none.
    assert.match(
      binfmtCheck(targets, 'x86_64', d).message,
      /no qemu entry for arm, ppc64le, s390x, riscv64, mips, mipsel, mips64, mips64el, ppc, ppc64, sparc64:/,
    );
    writeTree(d, {
      'qemu-mips': 'enabled\n',
      'qemu-arm': 'enabled\n',
      'qemu-ppc64le': 'enabled\n',
      'qemu-s390x': 'enabled\n',
      'qemu-riscv64': 'enabled\n',
      'qemu-mipsel': 'enabled\n',
      'qemu-mips64': 'enabled\n',
      'qemu-mips64el': 'enabled\n',
      'qemu-ppc': 'enabled\n',
      'qemu-ppc64': 'enabled\n',
      'qemu-sparc64': 'enabled\n',
    });
    assert.equal(binfmtCheck(targets, 'x86_64', d).status, 'ok');
    // On an arm64 host, aarch64 is native and x86_64 and i386 need qemu.
    assert.match(binfmtCheck(targets, 'aarch64', d).message, /no qemu entry for x86_64, i386:/);
    assert.equal(binfmtCheck(targets, 'x86_64', '/nonexistent').status, 'warn');
  });
});

test('xcross doctor --json with a broken engine: the shape, a fail, exit code 1', () => {
  const engine = fakeEngine('echo garbage');
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'src', 'main.js'), 'doctor', '--json'], {
    encoding: 'utf8',
    env: { PATH: `${path.dirname(engine)}:/usr/bin:/bin`, HOME: tempDir() },
  });
  assert.equal(r.status, 1, r.stderr);
  const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; message: string; fix?: string }[] })
    .checks;
  const eng = checks.find((c) => c.id === 'engine')!;
  assert.equal(eng.status, 'fail');
  assert.match(
    eng.message,
    /is there but not working: `podman version` did not answer with the JSON podman prints: garbage/,
  );
  assert.ok(eng.fix);
  for (const c of checks)
    assert.deepEqual(
      Object.keys(c).filter((k) => !['id', 'status', 'message', 'fix'].includes(k)),
      [],
    );
});

test('CROSS_CONTAINER_ENGINE naming a path that does not exist', () => {
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'src', 'main.js'), 'doctor', '--json'], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: tempDir(), CROSS_CONTAINER_ENGINE: '/nope/podman' },
  });
  assert.equal(r.status, 1);
  const eng = (JSON.parse(r.stdout) as { checks: { id: string; message: string }[] }).checks.find(
    (c) => c.id === 'engine',
  )!;
  assert.equal(
    eng.message,
    'the engine /nope/podman (from CROSS_CONTAINER_ENGINE) does not exist or is not executable',
  );
});

test('an engine that hangs is a clear failure after the time limit, not a hang', async () => {
  const started = Date.now();
  const r = await podmanFacts(fakeEngine('sleep 30'), {}, 'podman', 500);
  assert.equal(r, '`podman version` did not answer within 0.5 s');
  assert.ok(Date.now() - started < 5_000);
});

test('an API socket owned by another user, or whose service cannot start containers here, is a warning', async () => {
  const { apiSocketCheck } = await import('../../src/doctor/host-checks');
  const net = await import('node:net');
  const d = tempDir();
  fs.mkdirSync(path.join(d, 'podman'));
  const sock = path.join(d, 'podman', 'podman.sock');
  const server = net.createServer().listen(sock);
  await new Promise((r) => server.once('listening', r));
  try {
    const cacheDir = tempDir();
    const mine = apiSocketCheck({ uid: process.getuid!(), env: { XDG_RUNTIME_DIR: d }, cacheDir } as unknown as Host);
    assert.equal(mine.status, 'ok');
    // A socket whose service was seen unable to start containers here: passed over, and said so.
    const { recordRefusal } = await import('../../runtimes/podman-api/refusal');
    recordRefusal(
      cacheDir,
      process.getuid!(),
      sock,
      `the podman service on ${sock} cannot start containers on this host without the global flags --runtime runc`,
    );
    const refused = apiSocketCheck({
      uid: process.getuid!(),
      env: { CONTAINER_HOST: `unix://${sock}` },
      cacheDir,
    } as unknown as Host);
    assert.equal(refused.status, 'warn');
    assert.match(
      refused.message,
      /cannot start containers .*--runtime runc: xcross passes over it and uses the podman CLI until that service is started again$/,
    );
    const other = apiSocketCheck({
      uid: process.getuid!() + 1,
      env: { XDG_RUNTIME_DIR: d },
      cacheDir,
    } as unknown as Host);
    if (process.getuid!() + 1 !== 0) {
      assert.equal(other.status, 'warn');
      assert.match(other.message, /belongs to uid \d+, not to you/);
    }
  } finally {
    server.close();
  }
});

describe('doctor chooses the engine a build here would', () => {
  const SANE = `if [ "$1" = version ]; then echo '{"Client":{"Version":"4.3.1"}}'; elif [ "$1" = info ]; then echo '{"host":{"ociRuntime":{"name":"crun"},"cgroupManager":"systemd","cgroupVersion":"v2","security":{"rootless":true}},"store":{"graphDriverName":"overlay"}}'; else exit 1; fi`;
  const doctorIn = (cwd: string, env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'src', 'main.js'), 'doctor', '--json'], {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${path.dirname(fakeEngine('echo garbage'))}:/usr/bin:/bin`, HOME: tempDir(), ...env },
    });
    return (JSON.parse(r.stdout) as { checks: { id: string; status: string; message: string; fix?: string }[] }).checks;
  };
  const crate = (runtime: string) => {
    const d = tempDir();
    writeTree(d, {
      'Cargo.toml': '[package]\nname = "c"\nversion = "0.1.0"\n',
      'src/main.rs': 'fn main() {}\n',
      'Cross.toml': `[xcross]\nruntime = "${runtime}"\n`,
    });
    return d;
  };

  test("Cross.toml's [xcross] runtime, as build takes it, not the podman on PATH", () => {
    const sane = fakeEngine(SANE);
    const d = crate(sane);
    const engine = doctorIn(d).find((c) => c.id === 'engine')!;
    assert.equal(engine.status, 'ok', engine.message);
    assert.equal(engine.message, `podman 4.3.1 at ${sane}`);
    // From a subdirectory of the crate too, and XCROSS_RUNTIME still wins over the file.
    fs.mkdirSync(path.join(d, 'src', 'deep'));
    assert.equal(
      doctorIn(path.join(d, 'src', 'deep')).find((c) => c.id === 'engine')!.message,
      `podman 4.3.1 at ${sane}`,
    );
    assert.match(
      doctorIn(d, { XCROSS_RUNTIME: '/nope/podman' }).find((c) => c.id === 'engine')!.message,
      /^the engine \/nope\/podman \(from XCROSS_RUNTIME\)/,
    );
  });

  test('an engine Cross.toml names that does not exist: said with the file it came from', () => {
    const d = crate('/nope/docker');
    const engine = doctorIn(d).find((c) => c.id === 'engine')!;
    assert.equal(engine.status, 'fail');
    assert.equal(
      engine.message,
      `the engine /nope/docker (from [xcross] runtime in ${fs.realpathSync(d)}/Cross.toml) does not exist or is not executable`,
    );
  });

  test('a Cross.toml that cannot be read is one failed check; the rest still run', () => {
    const d = crate('x');
    fs.writeFileSync(path.join(d, 'Cross.toml'), '[xcross]\nruntime = 3\n');
    const checks = doctorIn(d);
    assert.match(
      checks[0].message,
      /Cross\.toml:2:1: xcross\.runtime must be a string, not number 3; the checks below use the environment alone$/,
    );
    assert.deepEqual([checks[0].id, checks[0].status], ['config', 'fail']);
    assert.ok(checks.some((c) => c.id === 'engine'));
  });
});
