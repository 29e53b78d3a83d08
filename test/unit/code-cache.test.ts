// The code cache of the bundles (src/base/code-cache.ts), in fresh node processes: the first run
// writes a cache, the next uses it, and a cache of another build of the same bundle is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writeTree } from './helpers';

const LOADER = path.join(__dirname, '..', '..', 'src', 'base', 'code-cache.js');

function load(bundle: string, cacheHome: string): string {
  const js = `const r = require(${JSON.stringify(LOADER)}).requireWithCodeCache(${JSON.stringify(bundle)}); process.stdout.write(String(r.answer));`;
  return execFileSync(process.execPath, ['-e', js], {
    env: { ...process.env, XDG_CACHE_HOME: cacheHome },
    encoding: 'utf8',
  });
}

test('a bundle loads, leaves a cache named for it and the package version, and a rebuilt bundle replaces that cache', () => {
  const pkg = tempDir();
  writeTree(pkg, {
    'package.json': JSON.stringify({ name: 'x', version: '1.2.3' }),
    'dist/src/demo.bundle.js': '#!/usr/bin/env node\nexports.answer = [1, 2, 3].map((x) => x * 14)[2];\n',
  });
  const bundle = path.join(pkg, 'dist/src/demo.bundle.js');
  const cacheHome = tempDir();
  const cacheDir = path.join(cacheHome, 'xcross', 'code-cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(path.join(cacheDir, 'other.bundle-9.9.9-x.bin'), "another bundle's cache");

  assert.equal(load(bundle, cacheHome), '42');
  const first = fs.readdirSync(cacheDir).filter((f) => f.startsWith('demo.bundle-'));
  assert.equal(first.length, 1);
  assert.match(
    first[0],
    new RegExp(`^demo\\.bundle-1\\.2\\.3-${process.version.replace(/\./g, '\\.')}-${process.arch}-\\d+-\\d+\\.bin$`),
  );
  const written = fs.statSync(path.join(cacheDir, first[0])).mtimeMs;

  assert.equal(load(bundle, cacheHome), '42', 'loads again from the cache');
  assert.equal(fs.statSync(path.join(cacheDir, first[0])).mtimeMs, written, 'a cache that fits is not written again');

  fs.appendFileSync(bundle, 'exports.answer += 0;\n');
  assert.equal(load(bundle, cacheHome), '42');
  const after = fs.readdirSync(cacheDir).sort();
  assert.equal(
    after.filter((f) => f.startsWith('demo.bundle-')).length,
    1,
    `the old cache is gone: ${after.join(' ')}`,
  );
  assert.notEqual(
    after.find((f) => f.startsWith('demo.bundle-')),
    first[0],
  );
  assert.ok(after.includes('other.bundle-9.9.9-x.bin'), "another bundle's cache is left alone");
});
