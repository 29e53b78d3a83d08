// glibc floors: how they are asked for (flags, zigbuild's --target spelling, XCROSS_GLIBC, Cross.toml),
// which targets offer which, the errors when one cannot be had, and the image a floor gets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseCargoInvocation, cargoArgv } from '../../src/cli/cargo-args';
import { loadCrossConfig } from '../../src/config/cross-config';
import { resolveConfig } from '../../src/config/resolve';
import { compareVersions, splitTargetFloor } from '../../src/targets/glibc-floor';
import { everyImageTarget, targetForFloor } from '../../src/targets/floor-select';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { targetImageRef } from '../../src/images/tag';
import { targetLabels } from '../../src/images/labels';
import type { Step } from '../../src/images/steps';
import { planTargetImage, type TargetImagePlan } from '../../src/images/target-plan';
import { isXcrossError } from '../../src/base/errors';
import { tempDir, writeTree } from './helpers';

const registry = loadRegistry();
const A64 = 'aarch64-unknown-linux-gnu';
const X64 = 'x86_64-unknown-linux-gnu';
const floor = (triple: string, version?: string, explicit = true) => {
  const warnings: string[] = [];
  const t = targetForFloor(
    registry,
    findTarget(registry, triple),
    version === undefined ? undefined : { version, from: 'the command line', explicit },
    (w) => warnings.push(w),
  );
  return { t, warnings };
};
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(isXcrossError(e), String(e));
    return `${e.message} | ${e.fix ?? ''}`;
  }
  return assert.fail('no error');
};

describe('asking for a floor on the command line', () => {
  const parse = (argv: string[]) => parseCargoInvocation(argv)!;
  test("--glibc is xcross's: cargo never sees it", () => {
    const inv = parse(['build', '--glibc', '2.31', '--target', A64, '--release']);
    assert.equal(inv.xcross.glibc, '2.31');
    assert.deepEqual(inv.cargoArgs, ['--target', A64, '--release']);
    assert.equal(parse(['build', '--glibc=2.31']).xcross.glibc, '2.31');
  });
  test("cargo-zigbuild's --target <triple>.2.31: cargo gets the plain triple, so target/<triple>/ stays", () => {
    for (const argv of [
      ['test', '--target', `${A64}.2.31`, '--', '--nocapture'],
      ['test', `--target=${A64}.2.31`, '--', '--nocapture'],
    ]) {
      const inv = parse(argv);
      assert.equal(inv.target, A64);
      assert.equal(inv.xcross.glibc, '2.31');
      assert.deepEqual(cargoArgv(inv, A64), ['test', '--target', A64, '--', '--nocapture']);
    }
  });
  test('two different floors, or a floor that is no version: one sentence', () => {
    assert.match(
      errorOf(() => parse(['build', '--glibc', '2.36', '--target', `${A64}.2.31`])),
      /asks for glibc 2\.31, but an earlier flag asked for 2\.36/,
    );
    assert.match(
      errorOf(() => parse(['build', '--glibc', 'bullseye'])),
      /--glibc needs a glibc version such as 2\.31, not 'bullseye'/,
    );
    assert.equal(
      parse(['build', '--glibc', '2.31', '--target', `${A64}.2.31`]).xcross.glibc,
      '2.31',
      'the same floor twice is fine',
    );
  });
  test('the suffix is split only when it is a version', () => {
    assert.deepEqual(splitTargetFloor(`${A64}.2.17`), { triple: A64, glibc: '2.17' });
    assert.deepEqual(splitTargetFloor(A64), { triple: A64 });
    assert.deepEqual(splitTargetFloor('thumbv7em-none-eabihf'), { triple: 'thumbv7em-none-eabihf' });
    assert.ok(
      compareVersions('2.9', '2.31') < 0 &&
        compareVersions('2.31', '2.31.0') === 0 &&
        compareVersions('3.4.30', '3.4.28') > 0,
    );
  });
});

describe('XCROSS_GLIBC and Cross.toml: flags win, then the variable, then [xcross.target.<triple>], then [xcross]', () => {
  const resolve = (argv: string[], files: Record<string, string>, env: Record<string, string> = {}) => {
    const root = tempDir();
    writeTree(root, { 'Cargo.toml': '[package]\nname = "p"\nversion = "0.1.0"\n', ...files });
    const warnings: string[] = [];
    const cross = loadCrossConfig({
      workspace: { root, manifest: path.join(root, 'Cargo.toml') },
      env,
      cwd: root,
      knownTargets: [A64, X64],
      warn: (w) => warnings.push(w),
    });
    return { glibc: resolveConfig(parseCargoInvocation(argv)!, cross, env, X64).glibc, warnings };
  };
  const toml = `[xcross]\nglibc = "2.36"\n[xcross.target.${A64}]\nglibc = "2.31"\n`;
  test('per target over the general key; the general key for other targets', () => {
    assert.deepEqual(resolve(['build', '--target', A64], { 'Cross.toml': toml }).glibc, {
      version: '2.31',
      from: `xcross.target.${A64}.glibc`,
      explicit: true,
    });
    assert.deepEqual(resolve(['build', '--target', X64], { 'Cross.toml': toml }).glibc, {
      version: '2.36',
      from: '[xcross] glibc',
      explicit: false,
    });
    assert.equal(resolve(['build', '--target', X64], {}).glibc, undefined);
  });
  test('XCROSS_GLIBC over the files, the flag over everything', () => {
    assert.equal(
      resolve(['build', '--target', A64], { 'Cross.toml': toml }, { XCROSS_GLIBC: '2.36' }).glibc?.version,
      '2.36',
    );
    assert.equal(
      resolve(['build', '--target', A64, '--glibc', '2.36'], { 'Cross.toml': toml }, { XCROSS_GLIBC: '2.31' }).glibc
        ?.version,
      '2.36',
    );
    assert.equal(resolve(['build', '--target', `${A64}.2.36`], { 'Cross.toml': toml }).glibc?.from, 'the command line');
  });
  test('XCROSS_GLIBC_CHECK=0, and only that, turns the check off', () => {
    const check = (env: Record<string, string>) => {
      const root = tempDir();
      writeTree(root, { 'Cargo.toml': '[package]\nname = "p"\nversion = "0.1.0"\n' });
      const cross = loadCrossConfig({
        workspace: { root, manifest: path.join(root, 'Cargo.toml') },
        env,
        cwd: root,
        knownTargets: [A64],
        warn: () => {},
      });
      return resolveConfig(parseCargoInvocation(['build'])!, cross, env, X64).glibcCheck;
    };
    assert.deepEqual(
      [check({}), check({ XCROSS_GLIBC_CHECK: '0' }), check({ XCROSS_GLIBC_CHECK: '1' })],
      [true, false, true],
    );
  });
  test('CARGO_BUILD_TARGET may carry the suffix too', () => {
    const r = resolve(['build'], {}, { CARGO_BUILD_TARGET: `${A64}.2.31` });
    assert.deepEqual(r.glibc, { version: '2.31', from: 'CARGO_BUILD_TARGET', explicit: true });
  });
  test('a floor written as a TOML number, or XCROSS_GLIBC that is no version: an error naming where', () => {
    assert.match(
      errorOf(() => resolve(['build'], { 'Cross.toml': '[xcross]\nglibc = 2.31\n' })),
      /Cross\.toml:2:\d+: xcross\.glibc must be a glibc version in quotes, like "2\.31", not number 2\.31/,
    );
    assert.match(
      errorOf(() => resolve(['build'], {}, { XCROSS_GLIBC: 'old' })),
      /XCROSS_GLIBC needs a glibc version such as 2\.31, not 'old'/,
    );
  });
  test('an unknown key under [xcross.target.<triple>] is a warning with the nearest one', () => {
    assert.match(
      resolve(['build'], { 'Cross.toml': `[xcross.target.${A64}]\nglibcc = "2.31"\n` }).warnings.join('\n'),
      /unknown key xcross\.target\.aarch64-unknown-linux-gnu\.glibcc \(ignored\); did you mean glibc\?/,
    );
  });
});

describe('which floors a target has', () => {
  test('no floor asked: the target as it is, its image unchanged', () => {
    const { t } = floor(A64);
    assert.equal(t, findTarget(registry, A64));
    assert.equal(floor(A64, '2.36').t, t, 'the default floor named explicitly is the same image');
  });
  test("2.31 on aarch64: bullseye's gcc 10, glibc 2.31 and OpenSSL 1.1.1 in an image of its own", () => {
    const { t } = floor(A64, '2.31');
    const plain = findTarget(registry, A64);
    assert.deepEqual(t.pins, { ...plain.pins, gcc: '10.2.1', libc: '2.31', openssl: '1.1.1' });
    assert.deepEqual(
      [t.linker, t.cc, t.cxx, t.ar],
      ['aarch64-linux-gnu-gcc-10', 'aarch64-linux-gnu-gcc-10', 'aarch64-linux-gnu-g++-10', 'aarch64-linux-gnu-ar'],
    );
    assert.equal(
      t.runner.kind === 'qemu-user' && t.runner.ldPrefix,
      '/usr/aarch64-linux-gnu',
      "qemu loads the floor's libc",
    );
    assert.equal(t.pins.rustc, plain.pins.rustc, 'the same Rust compiler');
    assert.match(
      targetImageRef(registry.base, t),
      /^localhost\/xcross\/aarch64-unknown-linux-gnu-glibc2\.31:[0-9a-f]{12}$/,
    );
    assert.notEqual(targetImageRef(registry.base, t).split(':')[1], targetImageRef(registry.base, plain).split(':')[1]);
    assert.deepEqual(
      [targetLabels(t)['io.xcross.libc'], targetLabels(t)['io.xcross.openssl'], targetLabels(t)['io.xcross.glibcxx']],
      ['2.31', '1.1.1', '3.4.28'],
    );
  });
  test('an unknown floor lists the floors there are', () => {
    assert.equal(
      errorOf(() => floor(A64, '2.28')),
      'there is no glibc 2.28 floor (from the command line): xcross offers 2.31 (Debian bullseye), 2.36 (Debian bookworm, the default) | pick one of those; `xcross targets` shows the floors of each target',
    );
  });
  test('riscv64 before trixie, ppc64el without bullseye files: a clear error', () => {
    assert.match(
      errorOf(() => floor('riscv64gc-unknown-linux-gnu', '2.31')),
      /^riscv64gc-unknown-linux-gnu has no glibc 2\.31 floor: Debian bullseye has no riscv64 libraries on this mirror, so its floors are 2\.36 \|/,
    );
    assert.match(
      errorOf(() => floor('powerpc64le-unknown-linux-gnu', '2.31')),
      /Debian bullseye has no ppc64el libraries/,
    );
  });
  test('musl and Windows have no glibc: an error when asked for them, a warning when asked for every target', () => {
    assert.match(
      errorOf(() => floor('x86_64-unknown-linux-musl', '2.31')),
      /x86_64-unknown-linux-musl links against musl, not glibc, so a glibc floor does not apply .*\| drop the floor: musl programs are static/,
    );
    const { t, warnings } = floor('x86_64-pc-windows-gnu', '2.31', false);
    assert.equal(t, findTarget(registry, 'x86_64-pc-windows-gnu'));
    assert.match(warnings[0], /links against mingw-w64, not glibc.*glibc 2\.31 from the command line ignored/);
  });
  test('every image the registry describes: the targets plus the 2.31 floor of five', () => {
    const all = everyImageTarget(registry);
    assert.equal(all.length, registry.targets.length + 5);
    assert.deepEqual(
      all.filter((t) => t.glibc && !t.glibc.isDefault).map((t) => t.triple),
      [A64, X64, 'armv7-unknown-linux-gnueabihf', 'i686-unknown-linux-gnu', 'i586-unknown-linux-gnu'],
    );
  });
});

describe('the image plan of a floor', () => {
  const steps = <K extends Step['kind']>(p: TargetImagePlan, kind: K) =>
    p.steps.filter((x): x is Extract<Step, { kind: K }> => x.kind === kind);
  const tools = (p: TargetImagePlan) =>
    Object.fromEntries(steps(p, 'tools').flatMap((x) => x.tools.map((t) => [t.name, 'exec' in t ? t.exec : ''])));
  const reads = (p: TargetImagePlan, name: string) => p.pins.find((x) => x.name === name)?.reads.map((r) => r.arg);
  test("a cross target: the floor suite's cross gcc unpacked into /, binutils from the base suite", () => {
    const t = floor(A64, '2.31').t;
    const p = planTargetImage(t, 'amd64');
    assert.deepEqual(steps(p, 'apt')[0].packages, ['binutils-aarch64-linux-gnu']);
    assert.deepEqual(steps(p, 'apt')[0].addArchs, [], 'no multiarch: dpkg must not see an older libc6');
    const [root, ssl, std] = steps(p, 'unpack');
    assert.deepEqual([root.into, root.suite, root.releaseOnly], [{ kind: 'root', dir: '/' }, 'bullseye', true]);
    assert.deepEqual(root.packages.slice(0, 3), [
      'gcc-10-aarch64-linux-gnu',
      'cpp-10-aarch64-linux-gnu',
      'g++-10-aarch64-linux-gnu',
    ]);
    assert.ok(root.packages.includes('libc6-dev-arm64-cross'));
    assert.deepEqual(ssl, {
      kind: 'unpack',
      suite: 'bullseye',
      releaseOnly: true,
      arch: 'arm64',
      packages: ['libssl-dev', 'libssl1.1'],
      into: { kind: 'sysroot', dir: '/usr/aarch64-linux-gnu', multiarch: 'aarch64-linux-gnu' },
    });
    assert.deepEqual(
      [std.suite, std.arch, std.packages, std.into],
      ['bookworm', 'arm64', ['libstd-rust-web-dev'], { kind: 'rustlib' }],
      'the std of the same rustc, unpacked',
    );
    assert.equal(tools(p)['aarch64-linux-gnu-gcc'], '/usr/bin/aarch64-linux-gnu-gcc-10');
    assert.deepEqual([reads(p, 'libc'), reads(p, 'openssl')], [['libc6-dev-arm64-cross:all'], ['libssl-dev:arm64']]);
    assert.deepEqual(
      [
        p.env.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER,
        p.pins.find((x) => x.name === 'glibcxx')?.want,
        p.pins.find((x) => x.name === 'cxxabi')?.want,
      ],
      ['aarch64-linux-gnu-gcc-10', '3.4.28', '1.3.12'],
    );
  });
  test("the build host's own architecture: the floor suite's native gcc in a root of its own, run with --sysroot", () => {
    const t = floor(X64, '2.31').t;
    const p = planTargetImage(t, 'amd64');
    assert.equal(p.native, true);
    assert.deepEqual(steps(p, 'apt'), []);
    const [root] = steps(p, 'unpack');
    assert.deepEqual(root.into, { kind: 'root', dir: '/opt/xcross/glibc-2.31' });
    assert.ok(
      ['gcc-10', 'libc6-dev', 'libstdc++-10-dev', 'libssl-dev', 'libssl1.1'].every((x) => root.packages.includes(x)),
    );
    assert.equal(
      tools(p)['x86_64-linux-gnu-gcc-10'],
      '/opt/xcross/glibc-2.31/usr/bin/x86_64-linux-gnu-gcc-10 --sysroot=/opt/xcross/glibc-2.31',
    );
    assert.equal(p.pkgConfigDir, '/opt/xcross/glibc-2.31/usr/lib/x86_64-linux-gnu/pkgconfig');
    assert.deepEqual(steps(p, 'runtime-libs')[0].globs, [
      '/opt/xcross/glibc-2.31/usr/lib/x86_64-linux-gnu/libssl.so.*',
      '/opt/xcross/glibc-2.31/usr/lib/x86_64-linux-gnu/libcrypto.so.*',
    ]);
    assert.equal(steps(p, 'unpack').length, 1, 'the host std comes with the compiler');
    // On an arm64 build host the two swap: x86_64 is the cross one.
    assert.deepEqual(steps(planTargetImage(t, 'arm64'), 'unpack')[0].into, { kind: 'root', dir: '/' });
    assert.deepEqual(steps(planTargetImage(floor(A64, '2.31').t, 'arm64'), 'unpack')[0].into, {
      kind: 'root',
      dir: '/opt/xcross/glibc-2.31',
    });
  });
  test("i686's floor libraries come from Debian's i386 packages; i586's floor keeps its Pentium flags", () => {
    const p = planTargetImage(floor('i686-unknown-linux-gnu', '2.31').t, 'amd64');
    const [root, ssl] = steps(p, 'unpack');
    assert.ok(root.packages.includes('gcc-10-i686-linux-gnu') && root.packages.includes('libc6-dev-i386-cross'));
    assert.deepEqual(
      [ssl.arch, ssl.into],
      ['i386', { kind: 'sysroot', dir: '/usr/i686-linux-gnu', multiarch: 'i386-linux-gnu' }],
    );
    const i586 = floor('i586-unknown-linux-gnu', '2.31').t;
    assert.deepEqual([i586.cc, i586.linker], ['i586-linux-gnu-gcc-10', 'i586-linux-gnu-gcc-10']);
    assert.equal(
      tools(planTargetImage(i586, 'amd64'))['i586-linux-gnu-gcc-10'],
      'i686-linux-gnu-gcc-10 -march=pentium',
    );
  });
});
