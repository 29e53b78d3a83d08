// Image tags: digests of the image inputs, base -> Rust -> [std] -> target; the build's precomputed
// copy must equal them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BASE_FILES,
  PRECOMPUTED_TAGS,
  RUST_FILES,
  baseTag,
  computeTags,
  inputsSignature,
  rustImageRef,
  rustTag,
  stdImageRef,
  targetImageRef,
  targetTag,
} from '../../src/images/tag';
import { IMAGES_DIR } from '../../src/base/package-root';
import { everyImageTarget } from '../../src/targets/floor-select';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { tempDir } from './helpers';

const registry = loadRegistry();

function copyImages(): string {
  const d = tempDir();
  fs.cpSync(IMAGES_DIR, d, { recursive: true });
  for (const f of [...BASE_FILES, ...RUST_FILES, 'targets.toml']) assert.ok(fs.existsSync(path.join(d, f)), f);
  return d;
}

test('the precomputed tags written by the build equal the digests, and hold for the current files', () => {
  const pre = JSON.parse(fs.readFileSync(PRECOMPUTED_TAGS, 'utf8')) as {
    signature: string;
    tags: Record<string, string>;
  };
  assert.equal(pre.signature, inputsSignature());
  const copy = copyImages();
  assert.equal(rustImageRef(registry.base, registry.rust), rustImageRef(registry.base, registry.rust, copy));
  const images = everyImageTarget(registry);
  for (const t of images) {
    assert.equal(targetImageRef(registry.base, t), targetImageRef(registry.base, t, copy), t.imageName);
    assert.equal(stdImageRef(registry.base, t), stdImageRef(registry.base, t, copy), t.imageName);
  }
  assert.deepEqual(computeTags(registry.base, registry.rust, images), pre);
  // base, Rust, every std layer, every target at every floor: nothing left to hash on the way to a build.
  const stds = new Set(images.filter((t) => t.std.kind === 'build').map((t) => t.triple)).size;
  assert.equal(Object.keys(pre.tags).length, 2 + stds + images.length);
});

test('tags change with a recipe, a pin, a step script, the Rust layer, the base or the build host; stay the same otherwise', () => {
  const d = copyImages();
  const t = findTarget(registry, 'aarch64-unknown-linux-gnu');
  const w = findTarget(registry, 'x86_64-pc-windows-gnu');
  const before = targetTag(registry.base, t, d);
  assert.equal(targetTag(registry.base, t, d), before);
  assert.notEqual(targetTag(registry.base, { ...t, pins: { ...t.pins, gcc: '99' } }, d), before);
  assert.notEqual(targetTag(registry.base, t, d, 'arm64'), before, 'an arm64 host builds another image');
  assert.equal(
    targetTag(registry.base, { ...t, family: 'renamed' }, d),
    before,
    'what only messages read changes no tag',
  );
  const rust = rustTag(registry.base, registry.rust, d);
  fs.appendFileSync(path.join(d, 'Containerfile.rust'), '# changed\n');
  assert.notEqual(rustTag(registry.base, registry.rust, d), rust);
  const after = targetTag(registry.base, t, d);
  assert.notEqual(after, before, 'a new Rust layer makes new target tags');
  const base0 = baseTag(registry.base, d);
  fs.appendFileSync(path.join(d, 'Containerfile.base'), '# changed\n');
  assert.notEqual(baseTag(registry.base, d), base0);
  assert.notEqual(targetTag(registry.base, t, d), after, 'a new base makes new target tags');
  const wineBefore = targetTag(registry.base, w, d);
  const aarch64Before = targetTag(registry.base, t, d);
  fs.appendFileSync(path.join(d, 'steps', 'wine-prefix.sh'), '# changed\n');
  assert.notEqual(targetTag(registry.base, w, d), wineBefore, 'a script the recipe runs');
  assert.equal(targetTag(registry.base, t, d), aarch64Before, 'a script the recipe does not run');
});

test('the std layer is keyed by the Rust layer and what it builds: a target layer change does not rebuild it', () => {
  const d = copyImages();
  const m = findTarget(registry, 'mips-unknown-linux-gnu');
  const std = stdImageRef(registry.base, m, d)!;
  assert.match(std, /^localhost\/xcross\/std\/mips-unknown-linux-gnu:[0-9a-f]{12}$/);
  assert.equal(stdImageRef(registry.base, findTarget(registry, 'aarch64-unknown-linux-gnu'), d), undefined);
  const target = targetTag(registry.base, m, d);
  fs.appendFileSync(path.join(d, 'steps', 'smoke-test.sh'), '# changed\n');
  fs.appendFileSync(path.join(d, 'steps', 'build-openssl.sh'), '# changed\n');
  assert.notEqual(targetTag(registry.base, m, d), target);
  assert.equal(stdImageRef(registry.base, { ...m, pins: { ...m.pins, gcc: '13.1.0', openssl: '3.5.0' } }, d), std);
  assert.notEqual(stdImageRef(registry.base, { ...m, std: { kind: 'build', crates: ['core'] } }, d), std);
  fs.appendFileSync(path.join(d, 'steps', 'build-std.sh'), '# changed\n');
  assert.notEqual(stdImageRef(registry.base, m, d), std);
});

test("the inputs signature follows the files' contents, not their times (npm dates every installed file alike)", () => {
  const dir = copyImages();
  const before = inputsSignature(dir);
  assert.equal(before, inputsSignature(), 'a copy has the signature of the originals');
  const old = new Date('1985-10-26T08:15:00Z');
  for (const n of fs.readdirSync(dir, { recursive: true }) as string[]) fs.utimesSync(path.join(dir, n), old, old);
  assert.equal(inputsSignature(dir), before, 'new times, same signature');
  const file = path.join(dir, 'steps', 'verify-pins.sh');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('#', '$'));
  assert.equal(fs.readFileSync(file, 'utf8').length, text.length);
  assert.notEqual(inputsSignature(dir), before, 'an edit of the same length changes it');
});
