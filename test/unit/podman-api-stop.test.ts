// The podman-api runtime and the app's stop, and a service that dies mid-run or mid-build: an error
// within 5 s that says what happened, and what the run started removed by the local podman
// (the watchdog's cleanup, run at once), not left for later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { ApiClient } from '../../runtimes/podman-api/client';
import { runContainer } from '../../runtimes/podman-api/run-session';
import { buildImage } from '../../runtimes/podman-api/build';
import { specGenerator } from '../../runtimes/podman-api/spec-json';
import { startWatchdog } from '../../runtimes/watchdog';
import { Interrupted } from '../../runtimes/stop';
import { StopController } from '../../src/stop';
import { XcrossError } from '../../src/base/errors';
import { fakeLibpod, json, type FakeLibpod } from './fake-libpod';
import { buildIn, minimalSpec, recordingLogger, tempDir, writeTree } from './helpers';

const log = recordingLogger();
const spec = minimalSpec('xcross-unit-gone', ['sleep']);
const body = specGenerator(spec, {
  rootless: true,
  selinux: false,
  adaptation: { global: [], run: ['--init'], notes: [] },
});
const connection = (socket: string, api: ApiClient) => ({
  api,
  socket,
  source: 'CONTAINER_HOST',
  version: '4.3.1',
  rootless: true,
});

/** A stand-in for the local podman that records what the watchdog asked of it. */
function recorder(): { cmd: string[]; calls: () => string } {
  const file = path.join(tempDir(), 'calls');
  return {
    cmd: ['sh', '-c', `echo "$*" >> ${file}`, 'podman'],
    calls: () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''),
  };
}

/** A container that runs until the test says; `die` ends the service (connections and socket) at once. */
async function runningService(): Promise<{ f: FakeLibpod; started: Promise<void>; die: () => Promise<void> }> {
  let started!: () => void;
  const seen = new Promise<void>((r) => {
    started = r;
  });
  let attach: Duplex | undefined;
  const f = await fakeLibpod(
    {
      'POST /containers/create': (_q, res) => json(res, 201, { Id: 'c0ffee', Warnings: [] }),
      'POST /containers/c0ffee/start': (_q, res) => {
        res.writeHead(204);
        res.end();
        started();
      },
      'POST /containers/c0ffee/(init|kill)': (_q, res) => {
        res.writeHead(204);
        res.end();
      },
      'DELETE /containers/c0ffee': (_q, res) => {
        attach?.destroy();
        json(res, 200, []);
      },
    },
    '4.3.1',
    {
      '/containers/c0ffee/attach': (_q, socket: Duplex) => {
        attach = socket;
        socket.write(
          'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
        );
      },
    },
  );
  return {
    f,
    started: seen,
    die: async () => {
      attach?.destroy();
      await f.close();
    },
  };
}

test('the service dies mid-run: an error within 5 s naming it, and the container removed with the local podman', async () => {
  const { f, started, die } = await runningService();
  const api = new ApiClient(f.socket, log);
  const rec = recorder();
  try {
    const run = runContainer(api, spec, body, log, {
      watchdog: (name) => startWatchdog([...rec.cmd, 'rm', '--force', name], process.env),
    });
    await started;
    const died = Date.now();
    await die();
    const e = await run.then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof XcrossError, `expected an XcrossError, got ${String(e)}`);
    assert.match(
      e.message,
      /the podman service on .* went away while sleep ran in xcross-unit-gone; the container was removed with the podman CLI/,
    );
    assert.ok(Date.now() - died < 5_000, `took ${Date.now() - died} ms`);
    assert.match(rec.calls(), /rm --force xcross-unit-gone/);
  } finally {
    await api.close();
  }
});

test("the app's stop during an API run: the program gets the signal, then the container goes; 143", async () => {
  const { f, started, die } = await runningService();
  const api = new ApiClient(f.socket, log);
  const stop = new StopController(60_000, 60_000);
  try {
    const run = runContainer(api, spec, body, log, { stop });
    await started;
    stop.stop('SIGTERM');
    // The fake's container does not end on its signal: the second stop removes it.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      f.seen.some((s) => s.method === 'POST' && /\/kill\?signal=SIGTERM/.test(s.url)),
      JSON.stringify(f.seen),
    );
    stop.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(f.seen.some((s) => s.method === 'DELETE'));
    assert.deepEqual(await run, { code: 143, interrupted: 'SIGTERM' });
    await die();
  } finally {
    await api.close();
  }
});

test("the app's stop during an API build: Interrupted, thrown (no process.exit), the connection dropped", async () => {
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM scratch\n' });
  const f = await fakeLibpod({
    'POST /build': (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ stream: 'STEP 1/2: FROM scratch\n' })}\n`);
    },
  });
  const api = new ApiClient(f.socket, log);
  const stop = new StopController(60_000, 60_000);
  try {
    const lines: string[] = [];
    const build = buildImage(
      connection(f.socket, api),
      buildIn(ctx, 'localhost/xcross/t:1'),
      { global: [], run: [], notes: [] },
      (l) => lines.push(l),
      { stop },
    );
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
    stop.stop('SIGINT');
    await assert.rejects(build, (e: unknown) => e instanceof Interrupted && e.signal === 'SIGINT');
  } finally {
    await api.close();
    await f.close();
  }
});

test('the service dies mid-build: the error says so and that the build containers were removed (the sweep ran)', async () => {
  const ctx = tempDir();
  writeTree(ctx, { Containerfile: 'FROM localhost/xcross/base:1\nRUN sleep 9\n' });
  const f = await fakeLibpod({
    'POST /build': (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ stream: 'STEP 2/2: RUN sleep 9\n' })}\n`);
      setTimeout(() => res.socket?.destroy(), 50);
    },
  });
  const api = new ApiClient(f.socket, log);
  let swept = false;
  try {
    const started = Date.now();
    const e = await buildImage(
      connection(f.socket, api),
      buildIn(ctx, 'localhost/xcross/t:1'),
      { global: [], run: [], notes: [] },
      () => {},
      {
        sweep: async () => {
          swept = true;
        },
      },
    ).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof XcrossError, String(e));
    assert.match(e.message, /went away during the build; its build containers were removed/);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(swept, true);
  } finally {
    await api.close();
    await f.close();
  }
});
