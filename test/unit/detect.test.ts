// Engine detection as a chain, and each engine's quirks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeRuntimes, createRuntime } from '../../runtimes/detect';
import { fakeLibpod } from './fake-libpod';
import { recordRefusal } from '../../runtimes/podman-api/refusal';
import { dockerFlavor, nerdctlFlavor, podmanFlavor } from '../../runtimes/cli/flavor';
import { XcrossError } from '../../src/base/errors';
import { minimalSpec, recordingLogger, tempDir, writeTree } from './helpers';

function binDir(scripts: Record<string, string>): string {
  const d = tempDir();
  for (const [name, body] of Object.entries(scripts)) {
    writeTree(d, { [name]: `#!/bin/sh\n${body}\n` });
    fs.chmodSync(path.join(d, name), 0o755);
  }
  return d;
}

const ctx = (PATH: string, env: Record<string, string> = {}) => ({
  env: { PATH, ...env },
  uid: 1000,
  cacheDir: tempDir(),
  log: recordingLogger(1),
});

describe('the detection chain', () => {
  test('podman first, then nerdctl, then docker; each "not me" is said with -v', async () => {
    const c = ctx(binDir({ nerdctl: 'exit 0', docker: 'echo 20.10' }));
    const r = await createRuntime(undefined, c);
    assert.equal(r.name, 'nerdctl');
    assert.deepEqual(
      c.log.lines.filter((l) => l.startsWith('debug: runtime')).map((l) => l.replace(/ \[\d+ ms\]$/, '')),
      [
        `debug: runtime: not a podman socket: no podman API socket is listening (looked at /run/podman/podman.sock)`,
        `debug: runtime: not podman: podman is not on PATH`,
        `debug: runtime: nerdctl (${c.env.PATH}/nerdctl) (before it: no podman API socket is listening (looked at /run/podman/podman.sock); podman is not on PATH)`,
      ],
    );
  });

  test('a docker client without a daemon is "not me", with the daemon\'s own words', async () => {
    const d = binDir({
      docker:
        'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1',
    });
    await assert.rejects(
      createRuntime(undefined, ctx(d)),
      (e: unknown) =>
        e instanceof XcrossError &&
        e.message ===
          `no container engine found: no podman API socket is listening (looked at /run/podman/podman.sock); podman is not on PATH; nerdctl is not on PATH; ${d}/docker is there but its daemon does not answer (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)` &&
        /install podman/.test(e.fix ?? ''),
    );
  });

  test('a docker daemon that answers is used', async () => {
    const r = await createRuntime(undefined, ctx(binDir({ docker: 'echo 20.10.24' })));
    assert.equal(r.name, 'docker');
  });

  test('a named engine: by name, by path; absent or unknown is an error naming what to install', async () => {
    const d = binDir({ nerdctl: 'exit 0', podman: 'exit 0' });
    assert.equal((await createRuntime(path.join(d, 'nerdctl'), ctx('/nonexistent'))).name, 'nerdctl');
    assert.equal((await createRuntime('podman', ctx(d))).name, 'podman');
    await assert.rejects(createRuntime('docker', ctx(d)), /docker is not installed \(not found on PATH\)/);
    await assert.rejects(
      createRuntime('/opt/none/nerdctl', ctx(d)),
      (e: unknown) =>
        e instanceof XcrossError &&
        /\/opt\/none\/nerdctl does not exist/.test(e.message) &&
        /containerd/.test(e.fix ?? ''),
    );
    await assert.rejects(createRuntime('lxc', ctx(d)), /unknown container runtime 'lxc'/);
  });
});

describe('engine quirks', () => {
  test('removing a container and asking for an image', () => {
    assert.deepEqual(podmanFlavor.removeContainerArgs('c'), ['rm', '--force', '--time', '0', '--ignore', 'c']);
    assert.deepEqual(dockerFlavor.removeContainerArgs('c'), ['rm', '--force', 'c']);
    assert.deepEqual(nerdctlFlavor.removeContainerArgs('c'), ['rm', '--force', 'c']);
    assert.deepEqual(podmanFlavor.imageExistsArgs('i'), ['image', 'exists', 'i']);
    assert.deepEqual(nerdctlFlavor.imageExistsArgs('i'), ['image', 'inspect', '--format', '{{.ID}}', 'i']);
    assert.equal(podmanFlavor.ignoreFileFlag, '--ignorefile');
    assert.equal(dockerFlavor.ignoreFileFlag, undefined);
  });

  test('their words for a missing image and a missing command', () => {
    assert.ok(podmanFlavor.imageUnknown.test('Error: localhost/x:1: image not known'));
    assert.ok(dockerFlavor.imageUnknown.test('docker: Error response from daemon: No such image: localhost/nope:1.'));
    for (const f of [podmanFlavor, dockerFlavor, nerdctlFlavor]) {
      assert.ok(f.commandNotFound.test('ERROR (catatonit:6): failed to exec pid1: No such file or directory'), f.name);
      assert.ok(f.commandNotFound.test('[FATAL tini (6)] exec no-such failed: No such file or directory'), f.name);
    }
    assert.ok(
      podmanFlavor.commandNotFound.test(
        'Error: runc: runc create failed: unable to start container process: exec: "x": executable file not found in $PATH: OCI runtime attempted',
      ),
    );
    assert.equal(podmanFlavor.commandNotFound.test('error: could not compile `foo`'), false);
  });

  test('rootless: podman and nerdctl by uid, docker by what its daemon says', async () => {
    const exec = (out: string) => async () => ({ code: 0, signal: null, stdout: out, stderr: '' });
    assert.equal(await podmanFlavor.rootless(exec(''), 1000, {}), true);
    assert.equal(await nerdctlFlavor.rootless(exec(''), 0, {}), false);
    assert.equal(await dockerFlavor.rootless(exec('["name=seccomp,profile=default","name=rootless"]'), 0, {}), true);
    assert.equal(await dockerFlavor.rootless(exec('["name=seccomp,profile=default"]'), 1000, {}), false);
  });

  test('podman as a client of a service that needs global flags: one sentence that says whose flags they are', async () => {
    const podman = binDir({
      podman:
        'case "$*" in *" run "*|run*) echo "Error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: OCI runtime error" >&2; exit 126;; esac; exit 0',
    });
    const c = ctx(podman, { CONTAINER_HOST: 'unix:///run/user/1000/podman/podman.sock' });
    const r = await createRuntime('podman', c);
    const spec = minimalSpec('xcross-unit-remote', ['true'], 'localhost/x:1');
    const e = await r.run(spec).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof XcrossError, String(e));
    assert.equal(
      e.message,
      'podman is a client of the service at unix:///run/user/1000/podman/podman.sock (CONTAINER_HOST), which cannot start containers on this host without the global flags --runtime runc --cgroup-manager cgroupfs',
    );
    assert.equal(
      e.fix,
      'restart that service as `podman --runtime runc --cgroup-manager cgroupfs system service`, or unset CONTAINER_HOST to use the local podman',
    );
  });

  test("podman as a client of a service (CONTAINER_HOST): rootless by the socket's owner, and named in -v", async () => {
    const exec = async () => ({ code: 0, signal: null, stdout: '', stderr: '' });
    const f = await fakeLibpod({});
    try {
      const mine = fs.statSync(f.socket).uid !== 0;
      assert.equal(
        await podmanFlavor.rootless(exec, 1000, { CONTAINER_HOST: `unix://${f.socket}` }),
        mine,
        "the socket's owner decides",
      );
      assert.equal(
        await podmanFlavor.rootless(exec, 1000, { CONTAINER_HOST: 'unix:///nowhere/podman.sock' }),
        true,
        'no socket: the uid',
      );
      assert.equal(await podmanFlavor.rootless(exec, 0, { CONTAINER_HOST: 'ssh://host/run/podman.sock' }), false);
      assert.equal(podmanFlavor.remote?.({ CONTAINER_HOST: ' unix:///x ' }), 'unix:///x');
      assert.equal(podmanFlavor.remote?.({}), undefined);
      assert.equal(podmanFlavor.remote?.({ CONTAINER_CONNECTION: 'vm' }), 'connection vm');
      const r = await createRuntime(
        'podman',
        ctx(binDir({ podman: 'exit 0' }), { CONTAINER_HOST: `unix://${f.socket}` }),
      );
      assert.match(r.describe(), /^podman \(.*\/podman, a client of the service at unix:\/\/.*podman\.sock\)$/);
    } finally {
      await f.close();
    }
  });

  test('nerdctl without BuildKit gets a hint', () => {
    assert.match(
      nerdctlFlavor.buildFailureHint!('ERROR: failed to dial "/run/buildkit/buildkitd.sock"') ?? '',
      /start buildkitd/,
    );
    assert.equal(nerdctlFlavor.buildFailureHint!('RUN false: exit 1'), undefined);
  });
});

describe('the podman socket step', () => {
  test('a libpod socket that answers at $XDG_RUNTIME_DIR/podman wins over podman on PATH, and -v says why', async () => {
    const runtimeDir = tempDir();
    const f = await fakeLibpod({});
    fs.mkdirSync(path.join(runtimeDir, 'podman'));
    fs.symlinkSync(f.socket, path.join(runtimeDir, 'podman', 'podman.sock'));
    const c = ctx(binDir({ podman: 'exit 0' }), { XDG_RUNTIME_DIR: runtimeDir });
    try {
      const r = await createRuntime(undefined, c);
      assert.equal(r.name, 'podman-api');
      assert.ok(
        c.log.lines.some((l) =>
          /runtime: podman-api, because .*podman\.sock answers and the benchmark measured the API faster/.test(l),
        ),
        c.log.lines.join('\n'),
      );
      await closeRuntimes();
    } finally {
      await f.close();
    }
  });

  test('a socket whose service was seen unable to start containers is passed over for podman on PATH, until it is started again', async () => {
    const runtimeDir = tempDir();
    const f = await fakeLibpod({});
    fs.mkdirSync(path.join(runtimeDir, 'podman'));
    const sock = path.join(runtimeDir, 'podman', 'podman.sock');
    fs.symlinkSync(f.socket, sock);
    const c = ctx(binDir({ podman: 'exit 0' }), { XDG_RUNTIME_DIR: runtimeDir });
    recordRefusal(
      c.cacheDir,
      c.uid,
      sock,
      `the podman service on ${sock} cannot start containers on this host without the global flags --runtime runc`,
    );
    try {
      const r = await createRuntime(undefined, c);
      assert.equal(r.name, 'podman');
      assert.ok(
        c.log.lines.some((l) =>
          /runtime: not a podman socket: the podman service on .* cannot start containers .*\(seen before; restarting that service makes xcross try it again\)/.test(
            l,
          ),
        ),
        c.log.lines.join('\n'),
      );
      // Another service behind that path (a new socket file): tried again.
      const g = await fakeLibpod({});
      fs.rmSync(sock);
      fs.symlinkSync(g.socket, sock);
      const again = await createRuntime(undefined, { ...c, log: recordingLogger(1) });
      assert.equal(again.name, 'podman-api');
      await closeRuntimes();
      await g.close();
    } finally {
      await f.close();
    }
  });

  test('a socket that is not podman (a Docker daemon) is "not me", and podman on PATH is used', async () => {
    const runtimeDir = tempDir();
    const f = await fakeLibpod({}, null);
    fs.mkdirSync(path.join(runtimeDir, 'podman'));
    fs.symlinkSync(f.socket, path.join(runtimeDir, 'podman', 'podman.sock'));
    const c = ctx(binDir({ podman: 'exit 0' }), { XDG_RUNTIME_DIR: runtimeDir });
    try {
      const r = await createRuntime(undefined, c);
      assert.equal(r.name, 'podman');
      assert.ok(
        c.log.lines.some((l) => /runtime: not a podman socket: .*is not podman/.test(l)),
        c.log.lines.join('\n'),
      );
    } finally {
      await f.close();
    }
  });
});
