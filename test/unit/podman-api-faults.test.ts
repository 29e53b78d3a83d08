// Bad input and faults of the podman-api runtime, against real Unix sockets: a path with nothing
// there, a listener that accepts and hangs up, a Docker daemon or an old podman behind the socket,
// engine error bodies, a service that dies in the middle of a build. One clear sentence each, the
// container not left behind, and never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { ApiClient } from '../../runtimes/podman-api/client';
import { connect } from '../../runtimes/podman-api/connect';
import { runContainer } from '../../runtimes/podman-api/run-session';
import { buildImage } from '../../runtimes/podman-api/build';
import { specGenerator } from '../../runtimes/podman-api/spec-json';
import { XcrossError } from '../../src/base/errors';
import { errorBody, fakeLibpod, json } from './fake-libpod';
import { buildIn, minimalSpec, recordingLogger, tempDir, writeTree } from './helpers';

const log = recordingLogger();
const spec = minimalSpec('xcross-unit-c', ['true']);
const body = specGenerator(spec, {
  rootless: true,
  selinux: false,
  adaptation: { global: [], run: ['--init'], notes: [] },
});

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<XcrossError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(e instanceof XcrossError, `expected an XcrossError, got ${String(e)}`);
  assert.match(e.message, re);
  return e;
}

test('CONTAINER_HOST naming a path with no socket: one sentence that names it', async () => {
  const missing = path.join(tempDir(), 'nope.sock');
  const e = await rejectsWith(
    connect({ env: { CONTAINER_HOST: `unix://${missing}` }, uid: 1000, log }),
    /CONTAINER_HOST names .*nope\.sock, but there is no socket there/,
  );
  assert.match(e.fix ?? '', /podman system service/);
});

test('CONTAINER_HOST that is not a Unix socket is refused before anything is tried', async () => {
  await rejectsWith(
    connect({ env: { CONTAINER_HOST: 'ssh://core@host/run/podman/podman.sock' }, uid: 1000, log }),
    /not a Unix socket/,
  );
});

test('a listener that accepts and closes at once: said so, no hang', async () => {
  const sock = path.join(tempDir(), 'rude.sock');
  const server = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await rejectsWith(
      connect({ env: { CONTAINER_HOST: `unix://${sock}` }, uid: 1000, log }),
      /closed the connection or did not answer during the version check/,
    );
  } finally {
    server.close();
  }
});

test('a stale socket file that nobody listens on', async () => {
  const sock = path.join(tempDir(), 'stale.sock');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  // Closing the server removes the file; a crashed service leaves it: put one back.
  await new Promise<void>((r) => server.close(() => r()));
  const s2 = net.createServer();
  await new Promise<void>((r) => s2.listen(sock, r));
  (s2 as unknown as { _handle: { close(): void } })._handle.close();
  if (!fs.existsSync(sock)) return; // the platform removed it: nothing left to test
  await rejectsWith(
    connect({ env: { CONTAINER_HOST: `unix://${sock}` }, uid: 1000, log }),
    /nothing listens on the podman API socket/,
  );
});

test('permission denied is one sentence with a fix (mapped from EACCES)', () => {
  const api = new ApiClient('/run/podman/podman.sock', log);
  const e = api.transportError(Object.assign(new Error('connect EACCES'), { code: 'EACCES' }), 'GET /_ping');
  assert.match(e.message, /permission denied on the podman API socket \/run\/podman\/podman\.sock/);
  assert.match(e.fix ?? '', /rootless socket/);
  void api.close();
});

test('a Docker daemon behind the socket (no Libpod-Api-Version) and a podman older than v4', async () => {
  const docker = await fakeLibpod({}, null);
  const old = await fakeLibpod({}, '3.4.4');
  try {
    await rejectsWith(
      connect({ env: { CONTAINER_HOST: `unix://${docker.socket}` }, uid: 1000, log }),
      /is not podman .*Docker/,
    );
    await rejectsWith(
      connect({ env: { CONTAINER_HOST: `unix://${old.socket}` }, uid: 1000, log }),
      /libpod API 3\.4\.4, older than the v4/,
    );
  } finally {
    await docker.close();
    await old.close();
  }
});

test('create answering "image not known" (404 or 4.3\'s 500) is a missing image, nothing created', async () => {
  for (const status of [404, 500]) {
    const f = await fakeLibpod({
      'POST /containers/create': (_q, res) => errorBody(res, status, 'localhost/xcross/x:1: image not known'),
    });
    const api = new ApiClient(f.socket, log);
    try {
      assert.deepEqual(await runContainer(api, spec, body, log), { code: 125, imageMissing: true });
      assert.equal(f.seen.filter((s) => s.method === 'DELETE').length, 0);
    } finally {
      await api.close();
      await f.close();
    }
  }
});

test('create answering 409 (name in use): the engine sentence, nothing removed that is not ours', async () => {
  const f = await fakeLibpod({
    'POST /containers/create': (_q, res) => errorBody(res, 409, 'the container name "xcross-unit-c" is already in use'),
  });
  const api = new ApiClient(f.socket, log);
  try {
    await rejectsWith(
      runContainer(api, spec, body, log),
      /creating the container from localhost\/xcross\/x:1: .*already in use/,
    );
    assert.equal(f.seen.filter((s) => s.method === 'DELETE').length, 0);
  } finally {
    await api.close();
    await f.close();
  }
});

test('a 500 when the container starts: the engine sentence, and the container is removed', async () => {
  const f = await fakeLibpod({
    'POST /containers/create': (_q, res) => json(res, 201, { Id: 'abc123', Warnings: [] }),
    'POST /containers/abc123/init': (_q, res) =>
      errorBody(res, 500, 'crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted: OCI permission denied'),
    'DELETE /containers/abc123': (_q, res) => json(res, 200, [{ Id: 'abc123' }]),
  });
  const api = new ApiClient(f.socket, log);
  try {
    await rejectsWith(runContainer(api, spec, body, log), /preparing the container: crun: setrlimit/);
    assert.deepEqual(
      f.seen.filter((s) => s.method === 'DELETE').map((s) => s.url.split('?')[0]),
      ['/v4.0.0/libpod/containers/abc123'],
    );
  } finally {
    await api.close();
    await f.close();
  }
});

test("a command missing from the image: xcross's sentence, exit code 127, container removed", async () => {
  const f = await fakeLibpod({
    'POST /containers/create': (_q, res) => json(res, 201, { Id: 'abc124', Warnings: [] }),
    'POST /containers/abc124/init': (_q, res) =>
      errorBody(
        res,
        500,
        'runc: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found',
      ),
    'DELETE /containers/abc124': (_q, res) => json(res, 200, []),
  });
  const api = new ApiClient(f.socket, log);
  try {
    const e = await rejectsWith(
      runContainer(api, { ...spec, command: ['nope'] }, body, log),
      /^nope: no such command in localhost\/xcross\/x:1$/,
    );
    assert.equal(e.exitCode, 127);
    assert.equal(f.seen.filter((s) => s.method === 'DELETE').length, 1);
  } finally {
    await api.close();
    await f.close();
  }
});

test('the service dies in the middle of a build: an error that says so, not a hang', async () => {
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM scratch\n', 'a.txt': 'a\n' });
  const f = await fakeLibpod({
    'POST /build': (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ stream: 'STEP 1/2: FROM scratch\n' })}\n`);
      setTimeout(() => res.socket?.destroy(), 50);
    },
  });
  const api = new ApiClient(f.socket, log);
  const lines: string[] = [];
  try {
    const started = Date.now();
    await rejectsWith(
      buildImage(
        { api, socket: f.socket, source: 'CONTAINER_HOST', version: '4.3.1', rootless: true },
        buildIn(ctx, 'localhost/xcross/t:1'),
        { global: [], run: [], notes: [] },
        (l) => lines.push(l),
      ),
      /building localhost\/xcross\/t:1 failed: the podman service on .* went away during the build/,
    );
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(lines, ['STEP 1/2: FROM scratch']);
  } finally {
    await api.close();
    await f.close();
  }
});

/** A libpod build that reads the whole context, then answers with these JSON lines, one write each. */
function buildAnswering(...lines: object[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
      res.end();
    });
  };
}

test('a build the engine reports as failed: its error and the last lines', async () => {
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM scratch\n' });
  const f = await fakeLibpod({
    'POST /build': buildAnswering(
      { stream: 'STEP 1/1: RUN false\n' },
      { error: 'building at STEP "RUN false": exit status 1' },
    ),
  });
  const api = new ApiClient(f.socket, log);
  try {
    await rejectsWith(
      buildImage(
        { api, socket: f.socket, source: 'CONTAINER_HOST', version: '4.3.1', rootless: true },
        buildIn(ctx, 'localhost/xcross/t:2'),
        { global: [], run: [], notes: [] },
        () => {},
      ),
      /failed: building at STEP "RUN false": exit status 1; its last lines:\nSTEP 1\/1: RUN false/,
    );
  } finally {
    await api.close();
    await f.close();
  }
});

test('the build query keeps the step cache, also for a request without one (a pre-build)', async () => {
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM scratch\n' });
  const f = await fakeLibpod({
    'POST /build': buildAnswering({ stream: 'Successfully tagged localhost/xcross/t:3\n' }),
  });
  const api = new ApiClient(f.socket, log);
  const conn = { api, socket: f.socket, source: 'CONTAINER_HOST' as const, version: '4.3.1', rootless: true };
  try {
    for (const layers of [undefined, false]) {
      await buildImage(
        conn,
        { ...buildIn(ctx, 'localhost/xcross/t:3'), layers },
        { global: [], run: [], notes: [] },
        () => {},
      );
    }
    const builds = f.seen.filter((s) => s.method === 'POST' && s.url.includes('/build'));
    assert.deepEqual(
      builds.map((b) => new URL(b.url, 'http://x').searchParams.get('layers')),
      ['true', 'true'],
    );
  } finally {
    await api.close();
    await f.close();
  }
});
