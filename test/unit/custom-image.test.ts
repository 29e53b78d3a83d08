// Custom image tags: a digest of every input, so unchanged configurations never rebuild.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planCustomImage, preBuildContainerfile, type CustomImageInput } from '../../src/images/custom';
import { loadRegistry } from '../../src/targets/registry';
import { tempDir, writeTree } from './helpers';

const target = loadRegistry().targets.find((t) => t.triple === 'aarch64-unknown-linux-gnu')!;

function plan(root: string, over: Partial<CustomImageInput> = {}) {
  const p = planCustomImage({
    target,
    prefix: 'localhost/xcross',
    baseRef: 'localhost/xcross/aarch64:abc',
    baseId: 'sha256:1111',
    workspaceRoot: root,
    ...over,
  });
  for (const d of p.tempDirs) fs.rmSync(d, { recursive: true, force: true });
  return p;
}

describe('custom image digests', () => {
  const root = tempDir();
  writeTree(root, {
    Containerfile: 'ARG CROSS_BASE_IMAGE\nFROM $CROSS_BASE_IMAGE\nRUN true\n',
    'src/lib.rs': 'fn a() {}',
    'pre.sh': '#!/bin/sh\necho hi\n',
    'target/debug/big': 'x',
    '.git/HEAD': 'ref',
  });
  const lines = { kind: 'lines' as const, lines: ['apt-get update'] };

  test('the same inputs give the same tag', () => {
    assert.equal(plan(root, { preBuild: lines }).ref, plan(root, { preBuild: lines }).ref);
    assert.match(
      plan(root, { preBuild: lines }).ref,
      /^localhost\/xcross\/custom-aarch64-unknown-linux-gnu:[0-9a-f]{16}$/,
    );
  });

  test('each input changes the tag: pre-build lines, base image ID, script content, Containerfile, context, build args', () => {
    const base = plan(root, { preBuild: lines }).ref;
    assert.notEqual(plan(root, { preBuild: { kind: 'lines', lines: ['apt-get update', 'x'] } }).ref, base);
    assert.notEqual(plan(root, { preBuild: lines, baseId: 'sha256:2222' }).ref, base);
    const script = plan(root, { preBuild: { kind: 'script', path: 'pre.sh' } }).ref;
    fs.writeFileSync(path.join(root, 'pre.sh'), '#!/bin/sh\necho changed\n');
    assert.notEqual(plan(root, { preBuild: { kind: 'script', path: 'pre.sh' } }).ref, script);

    const df = { file: 'Containerfile', buildArgs: {} };
    const d0 = plan(root, { dockerfile: df }).ref;
    assert.notEqual(plan(root, { dockerfile: { ...df, buildArgs: { A: '1' } } }).ref, d0);
    fs.writeFileSync(path.join(root, 'src/lib.rs'), 'fn b() {}');
    const d1 = plan(root, { dockerfile: df }).ref;
    assert.notEqual(d1, d0, 'a context file changed');
    fs.appendFileSync(path.join(root, 'Containerfile'), 'RUN echo more\n');
    assert.notEqual(plan(root, { dockerfile: df }).ref, d1);
  });

  test('target/ and .git are not part of the context', () => {
    const df = { file: 'Containerfile', buildArgs: {} };
    const before = plan(root, { dockerfile: df }).ref;
    fs.writeFileSync(path.join(root, 'target/debug/big'), 'changed build output');
    fs.writeFileSync(path.join(root, '.git/HEAD'), 'other');
    assert.equal(plan(root, { dockerfile: df }).ref, before);
    const p = planCustomImage({ target, prefix: 'p', baseRef: 'b', baseId: 'i', workspaceRoot: root, dockerfile: df });
    assert.deepEqual(p.builds[0].excludes, ['/target', '/.git']);
  });

  test("dockerfile then pre-build: two builds, the second FROM the first, cross's build arguments given", () => {
    const p = planCustomImage({
      target,
      prefix: 'p',
      baseRef: 'base:1',
      baseId: 'i',
      workspaceRoot: root,
      dockerfile: { file: 'Containerfile', buildArgs: { X: 'y' } },
      preBuild: lines,
    });
    try {
      assert.equal(p.builds.length, 2);
      assert.equal(p.builds[0].tag, `${p.ref}-dockerfile`);
      assert.deepEqual(p.builds[0].buildArgs, {
        CROSS_BASE_IMAGE: 'base:1',
        CROSS_DEB_ARCH: 'arm64',
        CROSS_TARGET: 'aarch64-unknown-linux-gnu',
        X: 'y',
      });
      assert.equal(p.builds[1].tag, p.ref);
      assert.match(fs.readFileSync(p.builds[1].containerfile, 'utf8'), new RegExp(`^FROM ${p.ref}-dockerfile\n`));
      assert.equal(p.builds[1].labels['io.xcross.workspace'], root);
      // The pre-build is built without a step cache (a killed build then leaves nothing the sweep
      // cannot find); the user's own Containerfile keeps it.
      assert.equal(p.builds[1].layers, false);
      assert.equal(p.builds[0].layers, undefined);
    } finally {
      for (const d of p.tempDirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('pre-build Containerfile: commands run with CROSS_DEB_ARCH and CROSS_TARGET; a script gets the target', () => {
    assert.equal(
      preBuildContainerfile('b:1', lines),
      'FROM b:1\nARG CROSS_DEB_ARCH\nARG CROSS_TARGET\nENV CROSS_DEB_ARCH=${CROSS_DEB_ARCH} CROSS_TARGET=${CROSS_TARGET}\nRUN apt-get update\n',
    );
    assert.match(
      preBuildContainerfile('b:1', { kind: 'script', path: 'x.sh' }, 'pre-build-script'),
      /COPY pre-build-script \/xcross-pre-build\/\nRUN \/xcross-pre-build\/pre-build-script "\$CROSS_TARGET"\n$/,
    );
  });

  test('a missing Containerfile or script is a clear error', () => {
    assert.throws(
      () => plan(root, { dockerfile: { file: 'nope', buildArgs: {} } }),
      /dockerfile names .*nope, which cannot be read \(ENOENT\)/,
    );
    assert.throws(
      () => plan(root, { preBuild: { kind: 'script', path: 'missing.sh' } }),
      /pre-build names .*missing\.sh, which cannot be read/,
    );
  });
});
