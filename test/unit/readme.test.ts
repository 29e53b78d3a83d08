// The README's targets table is generated from images/targets.toml; this fails when it is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderTargets } from '../../src/commands/targets';
import { loadRegistry } from '../../src/targets/registry';

const ROOT = path.resolve(__dirname, '..', '..', '..');

test('README targets table matches images/targets.toml (run `node scripts/update-readme.mjs`)', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- targets:begin -->\n([\s\S]*?)<!-- targets:end -->/.exec(readme);
  assert.ok(m, 'README.md has no targets markers');
  assert.equal(m[1], renderTargets('markdown'));
  for (const t of loadRegistry().targets) assert.ok(m[1].includes(`\`${t.triple}\``), t.triple);
});
