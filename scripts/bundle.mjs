#!/usr/bin/env node
// Bundles the compiled program (dist/src/app.js and what it imports, with @iarna/toml)
// into dist/src/app.bundle.js, one file that main.js loads with V8's code cache. Dependencies that
// only some commands need stay outside and load on demand. Also writes dist/image-tags.json.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
await build({
  entryPoints: [path.join(root, 'dist/src/app.js')],
  outfile: path.join(root, 'dist/src/app.bundle.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['yargs', 'undici', '@lydell/node-pty', 'tar-stream'],
  logLevel: 'warning',
});

// The part of undici the podman-api runtime uses (a Client with request and upgrade), as a bundle of
// its own, loaded with the code cache only when that runtime runs: `require('undici')` whole costs
// ~90 ms here, this ~30. Deep paths are undici 6's layout; a new undici that moves them fails here.
await build({
  stdin: {
    contents: [
      "const Client = require('undici/lib/dispatcher/client.js');",
      "const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');",
      "Dispatcher.prototype.request = require('undici/lib/api/api-request.js');",
      "Dispatcher.prototype.upgrade = require('undici/lib/api/api-upgrade.js');",
      'module.exports = { Client };',
    ].join('\n'),
    resolveDir: root,
  },
  outfile: path.join(root, 'dist/src/undici.bundle.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  plugins: [lazyModules()],
});

// Two modules undici loads at start that a plain-HTTP client over a Unix socket never (or only on a
// failure) runs, and that cost ~15 ms of every start here: its HTTP/2 half (node:http2 pulls in tls
// and crypto), needed only after a TLS handshake agrees on h2, and node:assert, which undici calls
// only as `assert(condition)`. Both load for real the first time they are actually needed.
function lazyModules() {
  const shims = {
    h2: "module.exports = function connectH2(...args) { return require('undici/lib/dispatcher/client-h2.js')(...args); };",
    assert: "module.exports = function assert(value, message) { if (!value) require('node:assert')(value, message); };",
  };
  return {
    name: 'lazy-modules',
    setup(b) {
      b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (a) =>
        a.importer.endsWith('dispatcher/client.js') ? { path: 'h2', namespace: 'lazy' } : undefined,
      );
      b.onResolve({ filter: /^node:assert$/ }, (a) =>
        a.namespace === 'lazy' ? { path: 'node:assert', external: true } : { path: 'assert', namespace: 'lazy' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy' }, (a) => ({
        contents: shims[a.path],
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

// The image tags of the shipped images/ files, so that a build need not hash them (src/images/tag.ts).
const require = createRequire(import.meta.url);
const { loadRegistry } = require(path.join(root, 'dist/src/targets/registry.js'));
const { computeTags, PRECOMPUTED_TAGS } = require(path.join(root, 'dist/src/images/tag.js'));
const registry = loadRegistry();
const { everyImageTarget } = require(path.join(root, 'dist/src/targets/floor-select.js'));
fs.writeFileSync(
  PRECOMPUTED_TAGS,
  JSON.stringify(computeTags(registry.base, registry.rust, everyImageTarget(registry))),
);
