// The podman-api runtime learning what a service needs, against a fake libpod on a real socket: a
// cached adaptation the service no longer agrees with is learnt again, and a service that needs flags
// only its owner can give makes way for the CLI that detection offered, remembered per socket file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type * as http from 'node:http';
import { tryConnect, type Connection } from '../../runtimes/podman-api/connect';
import { PodmanApi } from '../../runtimes/podman-api/runtime';
import { knownRefusal, recordRefusal } from '../../runtimes/podman-api/refusal';
import type { Runtime } from '../../runtimes/runtime';
import type { ContainerSpec } from '../../runtimes/spec';
import { XcrossError } from '../../src/base/errors';
import { attachEnded, errorBody, fakeLibpod, json, type FakeLibpod } from './fake-libpod';
import { minimalSpec, recordingLogger, tempDir } from './helpers';

const spec = minimalSpec('xcross-unit-adapt', ['true']);

interface Service extends FakeLibpod {
  /** The reason init refuses a container made from this create body, or undefined to accept it. */
  refuse: (body: { init?: boolean }) => string | undefined;
  bodies: { init?: boolean }[];
  removed: string[];
}

/** A libpod that runs every container it accepts to exit code 0 at once, with nothing printed. */
async function service(): Promise<Service> {
  const bodies: { init?: boolean }[] = [];
  const removed: string[] = [];
  const s = { bodies, removed, refuse: () => undefined } as unknown as Service;
  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve) => {
      let b = '';
      req.on('data', (d: Buffer) => {
        b += d;
      });
      req.on('end', () => resolve(b));
    });
  const f = await fakeLibpod(
    {
      'POST /containers/create': (req, res) =>
        void readBody(req).then((b) => {
          bodies.push(JSON.parse(b) as { init?: boolean });
          json(res, 201, { Id: `c${bodies.length - 1}`, Warnings: [] });
        }),
      'POST /containers/c\\d+/init': (req, res) => {
        const why = s.refuse(bodies[Number(/c(\d+)/.exec(req.url ?? '')![1])]);
        if (why) errorBody(res, 500, why);
        else res.writeHead(204).end();
      },
      'POST /containers/c\\d+/start': (_req, res) => res.writeHead(204).end(),
      'GET /containers/c\\d+/json': (_req, res) => json(res, 200, { State: { Status: 'exited', ExitCode: 0 } }),
      'DELETE /containers/c\\d+': (req, res) => {
        removed.push(/(c\d+)/.exec(req.url ?? '')![1]);
        json(res, 200, []);
      },
      'GET /images/.*/exists': (_req, res) => res.writeHead(204).end(),
    },
    '4.3.1',
    { '/containers/c\\d+/attach': attachEnded },
  );
  return Object.assign(s, f);
}

async function connected(f: FakeLibpod): Promise<Connection> {
  const c = await tryConnect({ path: f.socket, source: 'rootless default' }, recordingLogger());
  assert.ok(typeof c !== 'string', String(c));
  return c;
}

test('a cached adaptation the service now refuses is learnt again, and the run made with what was learnt', async () => {
  const f = await service();
  const cacheDir = tempDir();
  try {
    const first = new PodmanApi({
      uid: 1000,
      env: {},
      cacheDir,
      log: recordingLogger(1),
      connection: await connected(f),
    });
    assert.equal((await first.run(spec)).code, 0);
    await first.close();
    assert.ok(
      f.bodies.every((b) => b.init === true),
      'learnt: with --init',
    );

    // The service was restarted without an init binary since.
    f.refuse = (b) => (b.init ? 'container create failed: could not find init binary catatonit' : undefined);
    f.bodies.length = 0;
    f.removed.length = 0;
    const log = recordingLogger(1);
    const second = new PodmanApi({ uid: 1000, env: {}, cacheDir, log, connection: await connected(f) });
    assert.equal((await second.run(spec)).code, 0);
    await second.close();
    assert.deepEqual(
      f.bodies.map((b) => b.init === true),
      [true, true, false, false],
      'cached try, probe with init, probe without, the run',
    );
    assert.ok(
      log.lines.some((l) => /podman-api: preparing the container: .*catatonit; probing the service again/.test(l)),
      log.lines.join('\n'),
    );
    assert.deepEqual(f.removed, ['c0', 'c1', 'c2', 'c3'], 'every container removed');
  } finally {
    await f.close();
  }
});

test('a service that needs global flags it was not started with: the CLI detection offered runs instead, and the socket is remembered', async () => {
  const f = await service();
  f.refuse = () => 'crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: OCI runtime error';
  const cacheDir = tempDir();
  const ran: ContainerSpec[] = [];
  const cli = {
    name: 'podman',
    describe: () => 'podman (stand-in)',
    run: async (s: ContainerSpec) => {
      ran.push(s);
      return { code: 7 };
    },
  } as unknown as Runtime;
  try {
    const log = recordingLogger(1);
    const api = new PodmanApi({
      uid: 1000,
      env: {},
      cacheDir,
      log,
      connection: await connected(f),
      fallback: () => cli,
    });
    assert.equal(api.fallsBackToCli, true);
    assert.equal((await api.run(spec)).code, 7);
    assert.deepEqual(ran, [spec]);
    assert.equal((await api.run(spec)).code, 7, 'and stays with it');
    assert.equal(ran.length, 2);
    assert.match(
      api.describe(),
      /^podman \(stand-in\), instead of the podman service on .*podman\.sock, which cannot start containers here$/,
    );
    assert.match(
      knownRefusal(cacheDir, 1000, f.socket) ?? '',
      /cannot start containers on this host without the global flags --runtime runc --cgroup-manager cgroupfs$/,
    );
    assert.deepEqual([...f.removed].sort(), f.bodies.map((_, i) => `c${i}`).sort(), 'the probe containers are removed');
    await api.close();

    // Asked for by name, there is nothing to fall back to: one sentence and what to do.
    const named = new PodmanApi({
      uid: 1000,
      env: {},
      cacheDir: tempDir(),
      log: recordingLogger(),
      connection: await connected(f),
    });
    const e = await named.run(spec).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof XcrossError);
    assert.match(
      e.message,
      /^the podman service on .*podman\.sock cannot start containers on this host without the global flags --runtime runc --cgroup-manager cgroupfs$/,
    );
    assert.equal(
      e.fix,
      'restart that service as `podman --runtime runc --cgroup-manager cgroupfs system service`, or use `--runtime podman`',
    );
    await named.close();
  } finally {
    await f.close();
  }
});

test('a refusal is remembered for that socket file only: a service started again is tried again', async () => {
  const sock = path.join(tempDir(), 'podman.sock');
  const listen = async () => {
    const server = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => server.listen(sock, r));
    return server;
  };
  const first = await listen();
  const cacheDir = tempDir();
  recordRefusal(cacheDir, 1000, sock, 'it cannot');
  assert.equal(knownRefusal(cacheDir, 1000, sock), 'it cannot');
  assert.equal(knownRefusal(cacheDir, 1001, sock), undefined, 'another user');
  assert.equal(knownRefusal(tempDir(), 1000, sock), undefined, 'another cache');
  await new Promise((r) => first.close(r));
  fs.rmSync(sock, { force: true });
  assert.equal(knownRefusal(cacheDir, 1000, sock), undefined, 'no socket, nothing known');
  const second = await listen();
  try {
    assert.equal(knownRefusal(cacheDir, 1000, sock), undefined, 'a new socket file at the same path');
  } finally {
    await new Promise((r) => second.close(r));
  }
});
