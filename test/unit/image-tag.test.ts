// Image tags: digests of the image inputs, base -> Rust toolchain -> target; the build's precomputed
// copy must equal them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BASE_FILES,
  PRECOMPUTED_TAGS,
  TARGET_FILES,
  TOOLCHAIN_FILES,
  baseTag,
  computeTags,
  inputsSignature,
  targetImageRef,
  targetTag,
  toolchainImageRef,
  toolchainTag,
} from '../../src/images/tag';
import { IMAGES_DIR } from '../../src/base/package-root';
import { everyImageTarget } from '../../src/targets/floor-select';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { tempDir } from './helpers';

const registry = loadRegistry();
const ALL = [...BASE_FILES, ...TOOLCHAIN_FILES, ...TARGET_FILES, 'targets.toml'];

function copyImages(): string {
  const d = tempDir();
  for (const f of ALL) fs.copyFileSync(path.join(IMAGES_DIR, f), path.join(d, f));
  return d;
}

test('the precomputed tags written by the build equal the digests, and hold for the current files', () => {
  const pre = JSON.parse(fs.readFileSync(PRECOMPUTED_TAGS, 'utf8')) as {
    signature: string;
    tags: Record<string, string>;
  };
  assert.equal(pre.signature, inputsSignature());
  const copy = copyImages();
  for (const t of registry.targets)
    assert.equal(targetImageRef(registry.base, t), targetImageRef(registry.base, t, copy), t.triple);
  for (const tc of registry.toolchains)
    assert.equal(toolchainImageRef(registry.base, tc), toolchainImageRef(registry.base, tc, copy), tc.name);
  const images = everyImageTarget(registry);
  for (const t of images)
    assert.equal(targetImageRef(registry.base, t), targetImageRef(registry.base, t, copy), t.imageName);
  assert.deepEqual(computeTags(registry.base, registry.toolchains, images), pre);
  // base, two toolchains, every target at every floor: nothing left to hash on the way to a build.
  assert.equal(Object.keys(pre.tags).length, 1 + registry.toolchains.length + images.length);
});

test('tags change with a Containerfile, a pin, the toolchain, the base or the build host; stay the same otherwise', () => {
  const d = copyImages();
  const t = findTarget(registry, 'aarch64-unknown-linux-gnu');
  const w = findTarget(registry, 'x86_64-pc-windows-gnu');
  const before = targetTag(registry.base, t, d);
  assert.equal(targetTag(registry.base, t, d), before);
  assert.notEqual(targetTag(registry.base, { ...t, pins: { ...t.pins, gcc: '99' } }, d), before);
  assert.notEqual(targetTag(registry.base, t, d, 'arm64'), before, 'an arm64 host builds another image');
  const web = toolchainTag(registry.base, t.toolchain, d);
  assert.notEqual(toolchainTag(registry.base, w.toolchain, d), web, 'one toolchain image each');
  fs.appendFileSync(path.join(d, 'Containerfile.toolchain'), '# changed\n');
  assert.notEqual(toolchainTag(registry.base, t.toolchain, d), web);
  const after = targetTag(registry.base, t, d);
  assert.notEqual(after, before, 'a new toolchain image makes new target tags');
  const base0 = baseTag(registry.base, d);
  fs.appendFileSync(path.join(d, 'Containerfile.base'), '# changed\n');
  assert.notEqual(baseTag(registry.base, d), base0);
  assert.notEqual(targetTag(registry.base, t, d), after, 'a new base makes new target tags');
  const wineBefore = targetTag(registry.base, w, d);
  fs.appendFileSync(path.join(d, 'wine-prefix.sh'), '# changed\n');
  assert.notEqual(targetTag(registry.base, w, d), wineBefore);
});

test("the inputs signature follows the files' contents, not their times (npm dates every installed file alike)", () => {
  const dir = copyImages();
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
