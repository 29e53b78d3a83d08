// podman inside a job container: what it says when the container withholds something, turned into
// one sentence with the flag; what the probe adapts by itself there; the doctor's container checks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerRefusal, refusalError } from '../../runtimes/adaptation/refusals';
import { probeAdaptation } from '../../runtimes/adaptation/probe';
import { specGenerator } from '../../runtimes/podman-api/spec-json';
import { idsInNamespace, subidChecks } from '../../src/doctor/host-checks';
import { containerChecks, type ContainerProbe } from '../../src/doctor/container-checks';
import type { Host } from '../../src/host';
import { XcrossError } from '../../src/base/errors';
import { minimalSpec, recordingLogger, tempDir, writeTree } from './helpers';
import * as path from 'node:path';

// podman 4.3's own words, as seen in job containers on this project's machines.
const STORE = '/var/lib/containers/user-1000/storage';
const LAYER = 'bc4482c0ad4a85d67276058a1bc3cc9a5f380c3674ba1bae48bf3cfbbdbd6e1a';
const FUSE = `time="2026-12-02T18:51:09Z" level=error msg="Unmounting ${STORE}/overlay/${LAYER}/merged: invalid argument"
Error: mounting storage for container dd8d: creating overlay mount to ${STORE}/overlay/${LAYER}/merged, mount_data="lowerdir=${STORE}/overlay/l/7ZAM,upperdir=${STORE}/overlay/${LAYER}/diff,workdir=${STORE}/overlay/${LAYER}/work,,volatile": using mount program /usr/bin/fuse-overlayfs: unknown argument ignored: lazytime
unknown argument ignored: 
fuse: failed to open /dev/fuse: Permission denied
fuse-overlayfs: cannot mount: Permission denied
: exit status 1`;
const NEWUIDMAP = `time="2026-12-02T18:19:05Z" level=error msg="running \`/usr/bin/newuidmap 16 0 1000 1 1 1 999 1000 1001 64535\`: newuidmap: write to uid_map failed: Operation not permitted\\n"
Error: cannot set up namespace using "/usr/bin/newuidmap": exit status 1`;
const PROC =
  'Error: runc: runc create failed: unable to start container process: error during container init: error mounting "proc" to rootfs at "/proc": mount proc:/proc (via /proc/self/fd/6), flags: 0xe: operation not permitted: OCI permission denied';
const HOSTNAME =
  'Error: runc: runc create failed: unable to start container process: error during container init: sethostname: operation not permitted: OCI permission denied';
const OVERLAY_EINVAL = `Error: mounting storage for container 5a36: creating overlay mount to /var/lib/containers/storage/overlay/${LAYER}/merged, mount_data="lowerdir=/var/lib/containers/storage/overlay/l/ED45,upperdir=x,workdir=y,nodev,fsync=0,userxattr,volatile": invalid argument`;

describe('what a container withholds, in one sentence', () => {
  test('/dev/fuse: names the device, the flag, and the storage a volume would take', () => {
    const e = refusalError(FUSE)!;
    assert.equal(
      e.message,
      'podman cannot start containers here: podman mounts image layers with fuse-overlayfs here, which cannot open /dev/fuse (Permission denied)',
    );
    assert.match(
      e.fix!,
      /^give podman a \/dev\/fuse this user may open \(a job container: --device \/dev\/fuse; .*or keep podman's storage \(\/var\/lib\/containers\/user-1000\/storage\) off overlayfs \(in a container: on a volume\)/,
    );
    assert.doesNotMatch(e.message, /mount_data|lowerdir/);
  });

  test("newuidmap's id map: file capabilities or CAP_SYS_ADMIN", () => {
    const r = containerRefusal(NEWUIDMAP)!;
    assert.match(r.message, /^newuidmap cannot write a new user namespace's id map \(Operation not permitted\)$/);
    assert.match(r.fix, /setcap cap_setuid=ep \/usr\/bin\/newuidmap/);
    assert.match(r.fix, /--cap-add SYS_ADMIN$/);
  });

  test('/proc, the hostname, an overlay option the kernel refuses, subordinate ids, unshare', () => {
    assert.match(containerRefusal(PROC)!.fix, /volumes = \["\/proc:\/proc"\].*--security-opt unmask=\/proc\/\*/);
    assert.match(containerRefusal(HOSTNAME)!.fix, /utsns = "host"/);
    const einval = containerRefusal(OVERLAY_EINVAL)!;
    assert.match(
      einval.message,
      /^the kernel will not mount podman's overlay storage \/var\/lib\/containers\/storage \(invalid argument\)/,
    );
    assert.match(einval.fix, /mountopt = "nodev"/);
    assert.match(
      containerRefusal(
        'Error: potentially insufficient UIDs or GIDs available in user namespace (requested 0:42 for /etc/shadow)',
      )!.message,
      /too few subordinate ids/,
    );
    assert.match(
      containerRefusal('Error: cannot clone: Operation not permitted\nError: cannot re-exec process')!.fix,
      /--security-opt seccomp=unconfined .*--security-opt apparmor=unconfined/,
    );
  });

  test("what is not a container refusal stays the engine's own (no false sentence)", () => {
    for (const text of [
      'Error: localhost/x:1: image not known',
      'crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2',
      'open("/dev/net/tun"): No such file or directory',
      'Error: no container with name or ID "vm" found: no such container',
    ])
      assert.equal(containerRefusal(text), undefined, text);
  });
});

describe('the probe in a job container', () => {
  test('containers.conf\'s cgroups = "disabled" with runc: cgroups asked for again; sysfs refused: the container\'s network', async () => {
    const calls: string[][] = [];
    const a = await probeAdaptation(
      async (x) => {
        calls.push([...x.global, ...x.run]);
        const fail = (stderr: string) => ({ code: 126, signal: null, stdout: '', stderr });
        if (!x.global.includes('runc'))
          return fail('crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2');
        if (!x.run.includes('--cgroups=enabled'))
          return fail('Error: requested OCI runtime runc is not compatible with NoCgroups: invalid argument');
        if (!x.run.includes('--network=host'))
          return fail(
            'Error: runc: error mounting "sysfs" to rootfs at "/sys": mount sysfs:/sys, flags: 0xf: operation not permitted',
          );
        return { code: 0, signal: null, stdout: '', stderr: '' };
      },
      { nofile: 1024, nproc: 4096 },
    );
    assert.deepEqual(a.run, ['--init', '--cgroups=enabled', '--network=host']);
    assert.equal(calls.length, 4);
    assert.deepEqual(
      specGenerator(minimalSpec('x'), { rootless: true, selinux: false, adaptation: a }).cgroups_mode,
      'enabled',
    );
  });

  test('a refusal ends the probe at once with its sentence, not the generic fix', async () => {
    await assert.rejects(
      probeAdaptation(async () => ({ code: 126, signal: null, stdout: '', stderr: FUSE }), { nofile: 1, nproc: 1 }),
      (e: unknown) =>
        e instanceof XcrossError &&
        /cannot open \/dev\/fuse/.test(e.message) &&
        /--device \/dev\/fuse/.test(e.fix ?? ''),
    );
  });
});

describe('subordinate ids in a container', () => {
  const host = { uid: 1000, env: { PATH: '/nonexistent' } } as unknown as Host;
  test("a rootless container's 65536 ids: podman:1:999 and podman:1001:64535 are all it can give", () => {
    const d = tempDir();
    writeTree(d, {
      subuid: 'podman:1:999\npodman:1001:64535\n',
      subgid: 'podman:1:999\n',
      uid_map: '         0       1006          1\n         1     427680      65536\n',
    });
    const f = (n: string) => path.join(d, n);
    const checks = subidChecks(host, 'podman', { subuid: f('subuid'), subgid: f('subgid'), uidMap: f('uid_map') });
    assert.deepEqual(
      checks.slice(0, 2).map((c) => c.status),
      ['ok', 'warn'],
    );
    assert.match(checks[0].message, /65534 subordinate user ids .*this container's user namespace has 65537 ids/);
    assert.match(checks[1].fix!, /podman:1:999 and podman:1001:64535/);
    assert.equal(idsInNamespace('         0          0 4294967295\n'), undefined);
  });
});

function probe(over: Partial<ContainerProbe> = {}): ContainerProbe & { unshared: string[][] } {
  const unshared: string[][] = [];
  return {
    unshared,
    clues: () => ({ signs: ['/run/.containerenv (podman)'], refs: [] }),
    openDevice: (dev) => `${dev} is there but cannot be opened (EACCES)`,
    fsType: (p) => (p.startsWith('/var/lib/containers') ? 'ext4' : 'overlay'),
    unshare: (args) => {
      unshared.push(args);
      return undefined;
    },
    confinement: () => [],
    ...over,
  };
}

describe("doctor's container checks", () => {
  const dir = tempDir();
  // A podman that answers `info` with its storage, so that the fuse check knows where images live.
  writeTree(
    dir,
    {
      podman: `#!/bin/sh
if [ "$1" = version ]; then echo '{"Client":{"Version":"4.3.1"}}'; exit 0; fi
echo '{"host":{"ociRuntime":{"name":"crun"},"cgroupManager":"cgroupfs","cgroupVersion":"v1","security":{"rootless":true}},"store":{"graphDriverName":"overlay","graphRoot":"'"$GRAPHROOT"'"}}'
`,
    },
    0o755,
  );
  const settings = (graphRoot: string, uid = 1000) => ({
    host: {
      uid,
      gid: uid,
      env: { PATH: dir, GRAPHROOT: graphRoot, XCROSS_RUNTIME: 'podman' },
      cacheDir: tempDir(),
    } as unknown as Host,
    log: recordingLogger(),
    runtime: { name: 'podman', from: 'XCROSS_RUNTIME' } as never,
  });

  test('no sign of a container: no container checks at all', async () => {
    assert.deepEqual(await containerChecks(settings('/x'), probe({ clues: () => ({ signs: [], refs: [] }) })), []);
  });

  test('a podman of its own, storage on a volume: /dev/fuse not needed; no /dev/net/tun is a warning with its flag', async () => {
    const checks = await containerChecks(settings(`${STORE}`), probe());
    const by = Object.fromEntries(checks.map((c) => [c.id, c]));
    assert.equal(by.container.status, 'ok');
    assert.match(by.container.message, /podman runs in it too/);
    assert.equal(by.fuse.status, 'ok');
    assert.match(
      by.fuse.message,
      /none is needed: podman's storage \/var\/lib\/containers\/user-1000\/storage is on ext4/,
    );
    assert.equal(by.tun.status, 'warn');
    assert.match(by.tun.fix!, /--device \/dev\/net\/tun/);
    assert.deepEqual([by.userns.status, by.mount.status], ['ok', 'ok']);
  });

  test("storage on the container's overlay and /dev/fuse closed: FAIL naming /dev/fuse and the flag", async () => {
    const checks = await containerChecks(settings('/home/podman/.local/share/containers/storage'), probe());
    const fuse = checks.find((c) => c.id === 'fuse')!;
    assert.equal(fuse.status, 'fail');
    assert.match(
      fuse.message,
      /^\/dev\/fuse is there but cannot be opened \(EACCES\), and podman's storage \S+ is on overlay, where only fuse-overlayfs mounts layers$/,
    );
    assert.match(fuse.fix!, /^start the job container with --device \/dev\/fuse/);
  });

  test('unshare refused (a seccomp filter): FAIL with the security flags; mount refused: its own FAIL', async () => {
    const refused = await containerChecks(
      settings(STORE),
      probe({
        unshare: (args) => (args.includes('--mount') ? undefined : 'unshare: unshare failed: Operation not permitted'),
        confinement: () => ['a seccomp filter is in force', 'AppArmor profile docker-default (enforce)'],
      }),
    );
    const userns = refused.find((c) => c.id === 'userns')!;
    assert.equal(userns.status, 'fail');
    assert.match(
      userns.message,
      /may not make user namespaces \(a seccomp filter is in force, AppArmor profile docker-default \(enforce\)\)/,
    );
    assert.match(userns.fix!, /--security-opt seccomp=unconfined .*--security-opt apparmor=unconfined/);
    const mount = await containerChecks(
      settings(STORE),
      probe({ unshare: (args) => (args.includes('--mount') ? 'mount: /tmp: permission denied.' : undefined) }),
    );
    assert.equal(mount.find((c) => c.id === 'mount')!.status, 'fail');
    // Root's podman needs no /dev/net/tun: no tun line.
    const root = await containerChecks(settings(STORE, 0), probe());
    assert.equal(
      root.find((c) => c.id === 'tun'),
      undefined,
    );
  });
});
