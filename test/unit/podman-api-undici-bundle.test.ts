// The slim undici bundle (scripts/bundle.mjs) answers plain HTTP over a Unix socket without loading
// undici's HTTP/2 half or node:assert, which cost ~15 ms of every start of the podman-api runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../src/base/package-root';
import { fakeLibpod } from './fake-libpod';

const BUNDLE = path.join(PACKAGE_ROOT, 'dist', 'src', 'undici.bundle.js');

// Runs in a fresh node: records every module the bundle asks Node for, then makes one request.
const CHILD = `
const Module = require('node:module');
const loaded = [];
const load = Module._load;
Module._load = function (request) { loaded.push(request); return load.apply(this, arguments); };
const { Client } = require(process.argv[1]);
const client = new Client('http://podman', { socketPath: process.argv[2] });
client.request({ method: 'GET', path: '/v4.0.0/libpod/_ping' }).then(async (r) => {
  const body = await r.body.text();
  await client.close();
  process.stdout.write(JSON.stringify({ loaded, status: r.statusCode, version: r.headers['libpod-api-version'], body }));
});
`;

test(
  'the undici bundle makes a request without loading node:http2 or node:assert',
  { skip: !fs.existsSync(BUNDLE) && 'no bundle (run npm run build)' },
  async () => {
    const fake = await fakeLibpod({});
    try {
      // Not spawnSync: the fake service answers from this process's event loop.
      const r = await promisify(execFile)(process.execPath, ['-e', CHILD, BUNDLE, fake.socket], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      const out = JSON.parse(r.stdout) as { loaded: string[]; status: number; version: string; body: string };
      assert.deepEqual([out.status, out.version, out.body], [200, '4.3.1', 'OK']);
      assert.ok(out.loaded.includes('node:net'), `the bundle should load node:net, loaded: ${out.loaded.join(' ')}`);
      for (const lazy of ['node:http2', 'http2', 'node:assert', 'assert', 'node:tls', 'node:crypto']) {
        assert.ok(!out.loaded.includes(lazy), `${lazy} was loaded: ${out.loaded.join(' ')}`);
      }
    } finally {
      await fake.close();
    }
  },
);
