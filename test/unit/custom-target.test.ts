// A triple the registry lacks, given an image by Cross.toml (src/targets/custom-target.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customTarget, resolveTarget } from '../../src/targets/custom-target';
import { loadRegistry } from '../../src/targets/registry';
import { shellTools } from '../../src/plan/shell-spec';
import { planTargetImage } from '../../src/images/target-plan';
import type { TargetOptions } from '../../src/config/cross-options';

const registry = loadRegistry();
const none = { passthrough: [], volumes: [] } as unknown as TargetOptions;

test("a row's triple is the row, whatever Cross.toml says", () => {
  const t = resolveTarget(registry, 'aarch64-unknown-linux-gnu', {
    ...none,
    dockerfile: { file: 'x' },
  } as TargetOptions);
  assert.equal(t.custom, undefined);
  assert.equal(t.runner.kind, 'qemu-user');
});

test('a triple without a row: custom with an image, dockerfile or pre-build; its runner and tools are the image’s', () => {
  for (const [options, via] of [
    [{ ...none, image: { name: 'ghcr.io/me/x:1' } }, 'image'],
    [{ ...none, dockerfile: { file: 'Containerfile' } }, 'dockerfile'],
    [{ ...none, preBuild: { kind: 'lines', lines: ['true'] } }, 'pre-build'],
  ] as const) {
    const t = resolveTarget(registry, 'armv7-unknown-linux-gnueabi', options as unknown as TargetOptions);
    assert.deepEqual(t.custom, { via });
    assert.equal(t.runner.kind, 'image');
    assert.equal(t.glibc, undefined);
    assert.deepEqual(t.glibcFloors, []);
    // The CPU of the row with the same arch (armv7-unknown-linux-gnueabihf's).
    assert.equal(t.cpu.rustArch, 'arm');
    // xcross sets no CC in a shell there: it would name a compiler the image may not have.
    assert.deepEqual(shellTools(t), {});
    assert.throws(() => planTargetImage(t, 'amd64'), /no image plan|without a row/);
  }
});

test('a triple without a row and no image: unknown, the fix naming Cross.toml; a malformed one is not a triple', () => {
  assert.throws(
    () => resolveTarget(registry, 'loongarch64-unknown-linux-gnu', none),
    (e: Error & { fix?: string }) =>
      /^unknown target 'loongarch64-unknown-linux-gnu'/.test(e.message) &&
      /\[target\.loongarch64-unknown-linux-gnu\] dockerfile = "\.\.\." in Cross\.toml/.test(e.fix ?? ''),
  );
  assert.throws(
    () => resolveTarget(registry, 'Not/A-Triple', { ...none, image: { name: 'x' } } as TargetOptions),
    /is not a target triple/,
  );
  // An arch no row has: a CPU named for it.
  assert.equal(customTarget(registry, 'loongarch64-unknown-linux-gnu', 'image').cpu.name, 'loongarch64');
});
