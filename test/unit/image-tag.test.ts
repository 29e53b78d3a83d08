// Image tags: digests of the image inputs; the build's precomputed copy must equal them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_FILES, PRECOMPUTED_TAGS, TARGET_FILES, baseTag, computeTags, inputsSignature, targetTag } from '../../src/images/tag';
import { IMAGES_DIR } from '../../src/package-root';
import { loadRegistry } from '../../src/targets/registry';
import { tempDir } from './helpers';

const registry = loadRegistry();

function copyImages(): string {
  const d = tempDir();
  for (const f of [...BASE_FILES, ...TARGET_FILES, 'targets.toml']) fs.copyFileSync(path.join(IMAGES_DIR, f), path.join(d, f));
  return d;
}

test('the precomputed tags written by the build equal the digests, and hold for the current files', () => {
  const pre = JSON.parse(fs.readFileSync(PRECOMPUTED_TAGS, 'utf8')) as { signature: string; tags: Record<string, string> };
  assert.equal(pre.signature, inputsSignature());
  const copy = copyImages();
  for (const t of registry.targets) {
    assert.equal(pre.tags[JSON.stringify([registry.base, t])], targetTag(registry.base, t, copy), t.triple);
  }
  assert.deepEqual(computeTags(registry.base, registry.targets), pre);
});

test('tags change with a Containerfile, a pin, or the base; stay the same otherwise', () => {
  const d = copyImages();
  const t = registry.targets[0];
  const before = targetTag(registry.base, t, d);
  assert.equal(targetTag(registry.base, t, d), before);
  assert.notEqual(targetTag(registry.base, { ...t, pins: { ...t.pins, gcc: '99' } }, d), before);
  const base0 = baseTag(registry.base, d);
  fs.appendFileSync(path.join(d, 'Containerfile.base'), '# changed\n');
  assert.notEqual(baseTag(registry.base, d), base0);
  assert.notEqual(targetTag(registry.base, t, d), before, 'a new base makes new target tags');
  fs.appendFileSync(path.join(d, 'Containerfile.target'), '# changed\n');
  assert.notEqual(targetTag(registry.base, t, d), before);
});

test('the inputs signature follows the files\' contents, not their times (npm dates every installed file alike)', () => {
  const dir = tempDir();
  for (const n of [...BASE_FILES, ...TARGET_FILES, 'targets.toml']) fs.copyFileSync(path.join(IMAGES_DIR, n), path.join(dir, n));
  const before = inputsSignature(dir);
  assert.equal(before, inputsSignature(), 'a copy has the signature of the originals');
  const old = new Date('1985-10-26T08:15:00Z');
  for (const n of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, n), old, old);
  assert.equal(inputsSignature(dir), before, 'new times, same signature');
  const file = path.join(dir, 'verify-pins.sh');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('#', '$'));
  assert.equal(fs.readFileSync(file, 'utf8').length, text.length);
  assert.notEqual(inputsSignature(dir), before, 'an edit of the same length changes it');
});
