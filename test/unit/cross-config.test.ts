// Cross.toml, Cargo metadata and CROSS_* variables: parsing, precedence, warnings, error positions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCrossConfig, optionsFor } from '../../src/config/cross-config';
import { resolveConfig } from '../../src/config/resolve';
import { parseCargoInvocation } from '../../src/cli/cargo-args';
import { parseCrossToml } from '../../src/config/cross-parse';
import { TomlReader } from '../../src/config/toml';
import { XcrossError } from '../../src/base/errors';
import { tempDir, writeTree } from './helpers';

const T = 'aarch64-unknown-linux-gnu';
const KNOWN = [T, 'x86_64-unknown-linux-gnu'];

function load(files: Record<string, string>, env: Record<string, string> = {}) {
  const root = tempDir();
  writeTree(root, { 'Cargo.toml': '[package]\nname = "p"\nversion = "0.1.0"\n', ...files });
  const warnings: string[] = [];
  const config = loadCrossConfig({
    workspace: { root, manifest: path.join(root, 'Cargo.toml') },
    env,
    cwd: root,
    knownTargets: KNOWN,
    warn: (w) => warnings.push(w),
  });
  return { config, warnings, root };
}

describe('precedence: environment > Cross.toml > Cargo.toml metadata', () => {
  const meta =
    '[package]\nname = "p"\nversion = "0.1.0"\n[package.metadata.cross.target.aarch64-unknown-linux-gnu]\nrunner = "from-metadata"\n';
  const cases: {
    name: string;
    files: Record<string, string>;
    env?: Record<string, string>;
    runner: string | undefined;
  }[] = [
    { name: 'metadata alone', files: { 'Cargo.toml': meta }, runner: 'from-metadata' },
    {
      name: 'Cross.toml over metadata',
      files: { 'Cargo.toml': meta, 'Cross.toml': `[target.${T}]\nrunner = "from-cross-toml"\n` },
      runner: 'from-cross-toml',
    },
    {
      name: 'environment over both',
      files: { 'Cargo.toml': meta, 'Cross.toml': `[target.${T}]\nrunner = "from-cross-toml"\n` },
      env: { CROSS_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER: 'from-env' },
      runner: 'from-env',
    },
    {
      name: 'target over build in one file',
      files: { 'Cross.toml': `[build]\nrunner = "build-level"\n[target.${T}]\nrunner = "target-level"\n` },
      runner: 'target-level',
    },
    {
      name: 'build applies when the target says nothing',
      files: { 'Cross.toml': '[build]\nrunner = "build-level"\n' },
      runner: 'build-level',
    },
    {
      name: 'workspace metadata',
      files: {
        'Cargo.toml':
          '[package]\nname = "p"\nversion = "0.1.0"\n[workspace]\n[workspace.metadata.cross.build]\nrunner = "ws"\n',
      },
      runner: 'ws',
    },
    { name: 'nothing anywhere', files: {}, runner: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config } = load(c.files, c.env);
      assert.equal(optionsFor(config, T).runner, c.runner);
    });
  }

  test('passthrough and volumes add up across sources and levels', () => {
    const { config } = load(
      {
        'Cargo.toml':
          '[package]\nname = "p"\nversion = "0.1.0"\n[package.metadata.cross.build.env]\npassthrough = ["META"]\n',
        'Cross.toml': `[build.env]\npassthrough = ["BUILD"]\nvolumes = ["V1"]\n[target.${T}.env]\npassthrough = ["TARGET", "BUILD"]\n`,
      },
      { CROSS_BUILD_ENV_PASSTHROUGH: 'ENV1  ENV2', CROSS_TARGET_AARCH64_UNKNOWN_LINUX_GNU_ENV_VOLUMES: 'V2' },
    );
    const o = optionsFor(config, T);
    assert.deepEqual(o.passthrough, ['META', 'BUILD', 'ENV1', 'ENV2', 'TARGET']);
    assert.deepEqual(o.volumes, ['V1', 'V2']);
    assert.deepEqual(optionsFor(config, 'x86_64-unknown-linux-gnu').passthrough, ['META', 'BUILD', 'ENV1', 'ENV2']);
  });

  test('the default target: flag > CARGO_BUILD_TARGET > Cross.toml > host', () => {
    const { config } = load({ 'Cross.toml': '[build]\ndefault-target = "x86_64-unknown-linux-gnu"\n' });
    const inv = (args: string[]) => parseCargoInvocation(['build', ...args])!;
    assert.equal(resolveConfig(inv(['--target', T]), config, { CARGO_BUILD_TARGET: 'y' }, 'h').target, T);
    assert.equal(resolveConfig(inv([]), config, { CARGO_BUILD_TARGET: 'y' }, 'h').target, 'y');
    assert.equal(resolveConfig(inv([]), config, {}, 'h').target, 'x86_64-unknown-linux-gnu');
    assert.equal(resolveConfig(inv([]), {}, {}, 'h').target, 'h');
  });

  test("xcross keys live beside cross's: flag > XCROSS_* > CROSS_CONTAINER_ENGINE > [xcross] table", () => {
    const { config } = load({
      'Cross.toml': '[xcross]\nruntime = "from-file"\ntoolchain-source = "image"\nread-only-source = true\n',
    });
    const inv = (args: string[]) => parseCargoInvocation(['build', ...args])!;
    assert.equal(resolveConfig(inv([]), config, {}, 'h').runtime, 'from-file');
    assert.equal(resolveConfig(inv([]), config, { CROSS_CONTAINER_ENGINE: 'cce' }, 'h').runtime, 'cce');
    assert.equal(
      resolveConfig(inv([]), config, { CROSS_CONTAINER_ENGINE: 'cce', XCROSS_RUNTIME: 'xr' }, 'h').runtime,
      'xr',
    );
    assert.equal(resolveConfig(inv(['--runtime', 'flag']), config, { XCROSS_RUNTIME: 'xr' }, 'h').runtime, 'flag');
    assert.equal(resolveConfig(inv([]), config, {}, 'h').toolchainSource, 'image');
    assert.equal(resolveConfig(inv([]), config, { XCROSS_TOOLCHAIN_SOURCE: 'host' }, 'h').toolchainSource, 'host');
    assert.equal(resolveConfig(inv([]), config, {}, 'h').readOnlySource, true);
    assert.equal(resolveConfig(inv([]), config, { XCROSS_READ_ONLY_SOURCE: '0' }, 'h').readOnlySource, false);
  });
});

describe('every key cross has', () => {
  test('image as a string and as a table; pre-build as lines and as a script; dockerfile as a string and a table', () => {
    const { config } = load({
      'Cross.toml': [
        `[target.${T}]`,
        'image = { name = "my/image:1", toolchain = ["linux/arm64=aarch64-unknown-linux-gnu"] }',
        'pre-build = ["apt-get update", "echo hi"]',
        'dockerfile = { file = "Dockerfile.x", context = "ctx", build-args = { A = "1" } }',
        'build-std = ["core", "alloc"]',
        'zig = { enable = false, version = "2.17" }',
        'xargo = false',
        '[target.x86_64-unknown-linux-gnu]',
        'image = "plain:tag"',
        'pre-build = "scripts/pre.sh"',
        'dockerfile = "Containerfile"',
        'build-std = true',
        'zig = "2.17"',
        '',
      ].join('\n'),
    });
    const a = optionsFor(config, T);
    assert.deepEqual(a.image, { name: 'my/image:1', toolchain: ['linux/arm64=aarch64-unknown-linux-gnu'] });
    assert.deepEqual(a.preBuild, { kind: 'lines', lines: ['apt-get update', 'echo hi'] });
    assert.deepEqual(a.dockerfile, { file: 'Dockerfile.x', context: 'ctx', buildArgs: { A: '1' } });
    assert.deepEqual(a.buildStd, ['core', 'alloc']);
    assert.deepEqual(a.zig, { enable: false, version: '2.17', image: undefined });
    assert.equal(a.xargo, false);
    const x = optionsFor(config, 'x86_64-unknown-linux-gnu');
    assert.deepEqual(x.image, { name: 'plain:tag', toolchain: [] });
    assert.deepEqual(x.preBuild, { kind: 'script', path: 'scripts/pre.sh' });
    assert.deepEqual(x.dockerfile, { file: 'Containerfile', buildArgs: {} });
    assert.equal(x.buildStd, true);
    assert.equal(x.zig, '2.17');
  });

  test('environment mirrors: CROSS_TARGET_<T>_IMAGE, _PRE_BUILD, _DOCKERFILE(_CONTEXT), CROSS_BUILD_XARGO, _ZIG, _STD', () => {
    const { config } = load(
      {},
      {
        CROSS_TARGET_AARCH64_UNKNOWN_LINUX_GNU_IMAGE: 'env/image:2',
        CROSS_TARGET_AARCH64_UNKNOWN_LINUX_GNU_PRE_BUILD: 'apt-get install -y foo',
        CROSS_TARGET_AARCH64_UNKNOWN_LINUX_GNU_DOCKERFILE: 'Dockerfile.env',
        CROSS_TARGET_AARCH64_UNKNOWN_LINUX_GNU_DOCKERFILE_CONTEXT: 'c',
        CROSS_BUILD_XARGO: 'true',
        CROSS_BUILD_ZIG: '0',
        CROSS_BUILD_STD: 'core,alloc',
      },
    );
    const o = optionsFor(config, T);
    assert.deepEqual(o.image, { name: 'env/image:2', toolchain: [] });
    assert.deepEqual(o.preBuild, { kind: 'lines', lines: ['apt-get install -y foo'] });
    assert.deepEqual(o.dockerfile, { file: 'Dockerfile.env', context: 'c', buildArgs: {} });
    assert.equal(o.xargo, true);
    assert.equal(o.zig, false);
    assert.deepEqual(o.buildStd, ['core', 'alloc']);
  });

  test('a non-boolean where cross wants one is an error naming the variable', () => {
    assert.throws(
      () => load({}, { CROSS_BUILD_XARGO: 'maybe' }),
      /CROSS_BUILD_XARGO is 'maybe', which is not a boolean/,
    );
  });
});

describe('warnings and errors say where', () => {
  test('unknown keys and misspelled targets warn with the nearest known name and the line', () => {
    const { warnings, root } = load({
      'Cross.toml':
        '[build]\ndefault-targte = "x"\n\n[target.aarch64-linux-gnu]\nrunner = "r"\n[target.aarch64-unknown-linux-gnu.env]\npasthrough = []\n',
    });
    const file = path.join(root, 'Cross.toml');
    assert.deepEqual(warnings, [
      `${file}:2:1: unknown key build.default-targte (ignored); did you mean default-target?`,
      `${file}:4:1: target.aarch64-linux-gnu names a target xcross has no image for (did you mean aarch64-unknown-linux-gnu?)`,
      `${file}:7:1: unknown key target.aarch64-unknown-linux-gnu.env.pasthrough (ignored); did you mean passthrough?`,
    ]);
  });

  test('Cargo.toml metadata keys are named with their full path', () => {
    const { warnings, root } = load({
      'Cargo.toml': '[package]\nname = "p"\nversion = "0.1.0"\n\n[package.metadata.cross.build]\nxarg = true\n',
    });
    assert.deepEqual(warnings, [
      `${path.join(root, 'Cargo.toml')}:6:1: unknown key package.metadata.cross.build.xarg (ignored); did you mean xargo?`,
    ]);
  });

  const typeErrors: [string, string, RegExp][] = [
    [
      'default-target',
      '[build]\ndefault-target = 5\n',
      /Cross\.toml:2:1: build\.default-target must be a string, not number 5/,
    ],
    [
      'passthrough',
      '[build]\n[build.env]\npassthrough = "A"\n',
      /Cross\.toml:3:1: build\.env\.passthrough must be an array of strings, not string "A"/,
    ],
    [
      'image table without name',
      `[target.${T}]\nimage = { toolchain = [] }\n`,
      /Cross\.toml:2:1: target\.aarch64-unknown-linux-gnu\.image\.name must be a string \(the image name\), not missing/,
    ],
    [
      'xargo',
      `\n\n[target.${T}]\nxargo = "yes"\n`,
      /Cross\.toml:4:1: target\.aarch64-unknown-linux-gnu\.xargo must be true or false/,
    ],
    ['a target that is not a table', 'target = 3\n', /Cross\.toml:1:1: target must be a table, not number 3/],
  ];
  for (const [name, text, want] of typeErrors) {
    test(`wrong type: ${name}`, () => assert.throws(() => load({ 'Cross.toml': text }), want));
  }

  test('a syntax error names the file, line and column', () => {
    assert.throws(() => load({ 'Cross.toml': '[build]\nx = 1\n[target.a\n' }), /Cross\.toml:3:\d+: invalid TOML/);
  });

  test('CROSS_CONFIG points at another file; one that cannot be read is a warning', () => {
    const other = tempDir();
    writeTree(other, { 'my-cross.toml': `[target.${T}]\nrunner = "elsewhere"\n` });
    const { config } = load(
      { 'Cross.toml': `[target.${T}]\nrunner = "here"\n` },
      { CROSS_CONFIG: path.join(other, 'my-cross.toml') },
    );
    assert.equal(optionsFor(config, T).runner, 'elsewhere');
    assert.equal(config.file, path.join(other, 'my-cross.toml'));
    const missing = load({}, { CROSS_CONFIG: '/nonexistent/Cross.toml' });
    assert.match(missing.warnings[0], /CROSS_CONFIG names \/nonexistent\/Cross\.toml, which cannot be read/);
  });
});

test('Cargo.toml metadata in quoted or inline spelling is read, not skipped (a fuzzer counterexample)', () => {
  const head = '[package]\nname = "p"\nversion = "0.1.0"\n';
  assert.throws(
    () => load({ 'Cargo.toml': `${head}["package"."metadata"."cross".build]\nxargo = 1\n` }),
    /package\.metadata\.cross\.build\.xargo must be true or false/,
  );
  const { config } = load({ 'Cargo.toml': `${head}metadata = { cross = { build = { runner = "inline" } } }\n` });
  assert.equal(optionsFor(config, T).runner, 'inline');
});

describe('one typed TOML reader for Cross.toml and the target registry', () => {
  test('parseCrossToml: the entry point for a Cross.toml text', () => {
    const warnings: string[] = [];
    const layer = parseCrossToml(
      `[xcross]\nruntime = "podman-api"\n[target.${T}]\nrunner = "qemu-user"\n[target.sparc]\n[target.armv7-unknown-linux-gnueabi]\ndockerfile = "armv7.Containerfile"\n`,
      'C.toml',
      { knownTargets: KNOWN, warn: (w) => warnings.push(w) },
    );
    assert.deepEqual([layer.xcross.runtime, layer.targets[T].runner], ['podman-api', 'qemu-user']);
    // A triple xcross lacks, in a table that gives it an image, is no mistake (src/targets/custom-target.ts).
    assert.deepEqual(warnings, ['C.toml:5:1: target.sparc names a target xcross has no image for']);
    assert.throws(
      () => parseCrossToml('\n[xcross]\nread-only-source = "yes"\n', 'C.toml', { knownTargets: KNOWN, warn: () => {} }),
      (e: unknown) =>
        e instanceof XcrossError &&
        e.message === 'C.toml:3:1: xcross.read-only-source must be true or false, not string "yes"' &&
        e.fix === 'correct that value in C.toml',
    );
  });

  test('without the text (the registry, parsed from a table) the same sentence names the file', () => {
    const r = new TomlReader({ target: { t: { gnu: 3 } } }, 'targets.toml');
    assert.throws(
      () => r.optTable('target')!.optTable('t')!.string('gnu'),
      /^XcrossError: targets\.toml: target\.t\.gnu must be a string, not number 3$/,
    );
    assert.throws(
      () => r.optTable('target')!.optTable('t')!.string('deb-arch'),
      /^XcrossError: targets\.toml: target\.t\.deb-arch is missing$/,
    );
  });
});
