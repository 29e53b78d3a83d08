// ContainerSpec → a CLI engine's argv, and the host adaptation probe with this host's real errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAdaptation, ownerArgs, cliRunArgs } from '../../runtimes/cli/run-args';
import { probeAdaptation, readHardLimits, type Adaptation } from '../../runtimes/adaptation/probe';
import { loadCached, saveCached } from '../../runtimes/adaptation/cache';
import type { ContainerSpec } from '../../runtimes/spec';
import { XcrossError } from '../../src/base/errors';
import { tempDir } from './helpers';

const spec: ContainerSpec = {
  image: 'img:1',
  name: 'xcross-build-1',
  command: ['cargo', 'build'],
  workdir: '/w',
  env: { CARGO_HOME: '/xcross/cargo', TOKEN: 'secret' },
  mounts: [
    { source: '/w', target: '/w', readOnly: false },
    { source: '/d', target: '/d', readOnly: true },
  ],
  owner: { uid: 1000, gid: 1001 },
  labels: { 'io.xcross.managed': 'true' },
  interactive: true,
  tty: false,
};
const adaptation: Adaptation = { global: ['--runtime', 'runc'], run: ['--init', '--network=host'], notes: [] };

describe('podman run arguments', () => {
  test("exact argv, rootless: no --user; a value already in podman's env passes by name only", () => {
    assert.deepEqual(cliRunArgs(spec, { rootless: true, selinux: false, env: { TOKEN: 'secret' }, adaptation }), [
      '--runtime',
      'runc',
      'run',
      '--rm',
      '--pull=never',
      '--name',
      'xcross-build-1',
      '--label',
      'io.xcross.managed=true',
      '--init',
      '--network=host',
      '-v',
      '/w:/w:rw',
      '-v',
      '/d:/d:ro',
      '-e',
      'CARGO_HOME=/xcross/cargo',
      '-e',
      'TOKEN',
      '-w',
      '/w',
      '-i',
      'img:1',
      'cargo',
      'build',
    ]);
  });

  test('SELinux labels; a terminal', () => {
    const args = cliRunArgs({ ...spec, tty: true }, { rootless: true, selinux: true, env: {}, adaptation });
    assert.ok(args.includes('/w:/w:rw,z') && args.includes('/d:/d:ro,z'));
    assert.deepEqual(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2), ['-i', '-t']);
    assert.ok(args.includes('TOKEN=secret'));
  });

  test('owner: rootful non-root gets --user, root and rootless do not', () => {
    assert.deepEqual(ownerArgs({ uid: 1000, gid: 1001 }, false), ['--user', '1000:1001']);
    assert.deepEqual(ownerArgs({ uid: 0, gid: 0 }, false), []);
    assert.deepEqual(ownerArgs({ uid: 1000, gid: 1001 }, true), []);
  });

  test('builds take the ulimit and network adaptations only', () => {
    assert.deepEqual(
      buildAdaptation({ global: [], run: ['--init', '--ulimit=nofile=1:1', '--network=host'], notes: [] }),
      ['--ulimit=nofile=1:1', '--network=host'],
    );
  });
});

describe('adapting to the host', () => {
  const RLIMIT = (n: number) =>
    `Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type ${n}: operation not permitted: OCI permission denied`;
  const HYBRID =
    'Error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: OCI runtime error';
  const TUN =
    'Error: /usr/bin/slirp4netns failed: "open(\\"/dev/net/tun\\"): Permission denied\\nWARNING: Support for seccomp is experimental\\n"';

  /** A fake podman that fails like this host until given what works. */
  function fakeHost() {
    const calls: Adaptation[] = [];
    const probe = async (a: Adaptation) => {
      calls.push(JSON.parse(JSON.stringify(a)));
      const flag = (p: string) => a.run.find((f) => f.startsWith(p));
      const fail = (stderr: string) => ({ code: 126, signal: null, stdout: '', stderr });
      if (!a.global.includes('--cgroup-manager')) return fail(HYBRID);
      const nofile = Number(flag('--ulimit=nofile=')?.split('=')[2]?.split(':')[0] ?? 1e9);
      if (nofile > 20000) return fail(RLIMIT(7));
      const nproc = Number(flag('--ulimit=nproc=')?.split('=')[2]?.split(':')[0] ?? 1e9);
      if (nproc > 32768) return fail(RLIMIT(6));
      if (!a.run.includes('--network=host')) return fail(TUN);
      return { code: 0, signal: null, stdout: '', stderr: '' };
    };
    return { calls, probe };
  }

  test("hybrid cgroups, rlimits above the caller's, no /dev/net/tun: each answered with the flag that works", async () => {
    const { calls, probe } = fakeHost();
    const a = await probeAdaptation(probe, { nofile: 20000, nproc: 96365 });
    assert.deepEqual(a.global, ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs']);
    assert.deepEqual(a.run, ['--init', '--ulimit=nofile=20000:20000', '--ulimit=nproc=32768:32768', '--network=host']);
    assert.equal(a.notes.length, 4);
    assert.ok(calls.length <= 8, `${calls.length} probes`);
  });

  test('an error it does not know is reported, not looped on', async () => {
    let n = 0;
    await assert.rejects(
      probeAdaptation(
        async () => {
          n++;
          return { code: 125, signal: null, stdout: '', stderr: 'Error: something new\nmore' };
        },
        { nofile: 1, nproc: 1 },
      ),
      (e: unknown) =>
        e instanceof XcrossError && /podman cannot start a container on this host: something new more/.test(e.message),
    );
    assert.equal(n, 1);
    let m = 0;
    await assert.rejects(
      probeAdaptation(
        async () => {
          m++;
          return { code: 126, signal: null, stdout: '', stderr: RLIMIT(6) };
        },
        { nofile: 1024, nproc: 2048 },
      ),
    );
    assert.ok(m <= 10, `${m} probes`);
  });

  test('hard limits from /proc/self/limits', () => {
    const text =
      'Limit                     Soft Limit           Hard Limit           Units     \nMax processes             96365                96365                processes \nMax open files            1024                 20000                files     \n';
    assert.deepEqual(readHardLimits(text), { nofile: 20000, nproc: 96365 });
    assert.deepEqual(readHardLimits('Max open files            1024                 unlimited            files\n'), {
      nofile: 1 << 20,
      nproc: 1 << 20,
    });
  });

  test('the cache keeps an adaptation per key', () => {
    const file = path.join(tempDir(), 'sub', 'a.json');
    saveCached(file, 'k1', adaptation);
    assert.deepEqual(loadCached(file, 'k1'), adaptation);
    assert.equal(loadCached(file, 'k2'), undefined);
    fs.writeFileSync(file, 'not json');
    assert.equal(loadCached(file, 'k1'), undefined);
  });
});

describe('CROSS_CONTAINER_OPTS', () => {
  test('split like a shell, quotes keep spaces, placed right before the image', async () => {
    const { splitUserArgs } = await import('../../runtimes/user-args');
    assert.deepEqual(splitUserArgs(`--env A=1  -e "B=two words" --label='x y' --cap-add=SYS_PTRACE`), [
      '--env',
      'A=1',
      '-e',
      'B=two words',
      '--label=x y',
      '--cap-add=SYS_PTRACE',
    ]);
    assert.deepEqual(splitUserArgs(undefined), []);
    assert.deepEqual(splitUserArgs('  '), []);
    const args = cliRunArgs(spec, {
      rootless: true,
      selinux: false,
      env: {},
      adaptation,
      userArgs: ['--cap-add=SYS_PTRACE'],
    });
    assert.deepEqual(args.slice(-4), ['--cap-add=SYS_PTRACE', 'img:1', 'cargo', 'build']);
  });
});

test('a mount path with a colon goes as --mount; with a colon and a comma it is one sentence', () => {
  const ctx = { rootless: true, selinux: true, env: {}, adaptation };
  const at = (source: string): ContainerSpec => ({
    ...spec,
    workdir: source,
    mounts: [{ source, target: source, readOnly: true }],
  });
  const args = cliRunArgs(at('/w/a:b'), ctx);
  assert.equal(
    args[args.indexOf('--mount') + 1],
    'type=bind,source=/w/a:b,destination=/w/a:b,readonly=true,relabel=shared',
  );
  assert.ok(cliRunArgs(at('/w/a,b'), ctx).includes('/w/a,b:/w/a,b:ro,z'));
  assert.throws(
    () => cliRunArgs(at('/w/a:b,c'), ctx),
    /^XcrossError: \/w\/a:b,c has both ':' and ',' in its path, which the engine's command line cannot mount$/,
  );
});
