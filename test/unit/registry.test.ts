// The target registry, read from images/targets.toml, and the nearest-name suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTarget, loadRegistry, parseRegistry, runsNatively } from '../../src/targets/registry';
import { hostCpu, hostTriple } from '../../src/targets/host-arch';
import { editDistance, nearest } from '../../src/targets/nearest';
import { XcrossError } from '../../src/base/errors';

test('the real registry: pinned versions, tools derived from the GNU prefix, layouts and runners', () => {
  const r = loadRegistry();
  const a = findTarget(r, 'aarch64-unknown-linux-gnu');
  assert.deepEqual(
    [a.debArch, a.linker, a.cc, a.cxx, a.ar, a.qemuBinary, a.qemuLdPrefix, a.arch],
    [
      'arm64',
      'aarch64-linux-gnu-gcc',
      'aarch64-linux-gnu-gcc',
      'aarch64-linux-gnu-g++',
      'aarch64-linux-gnu-ar',
      'qemu-aarch64-static',
      '/',
      'aarch64',
    ],
  );
  // Every pin is a version; only OpenSSL may be "none".
  for (const t of r.targets)
    for (const [k, v] of Object.entries(t.pins))
      assert.match(v, k === 'openssl' ? /^(\d+(\.\d+)+|none)$/ : /^\d+(\.\d+)+$/, `${t.triple} pin ${k} ${v}`);
  // The two targets users deploy today keep glibc 2.36 and OpenSSL 3.0.
  for (const t of ['aarch64-unknown-linux-gnu', 'x86_64-unknown-linux-gnu']) {
    assert.deepEqual(
      [
        findTarget(r, t).pins.libc,
        findTarget(r, t).pins.openssl.split('.').slice(0, 2).join('.'),
        findTarget(r, t).libs,
      ],
      ['2.36', '3.0', 'multiarch'],
      t,
    );
  }
  const m = findTarget(r, 'mips-unknown-linux-gnu');
  assert.deepEqual(
    [m.libs, m.rustStd, m.rustupStd, m.pins.openssl, m.qemuLdPrefix, m.cc],
    ['sysroot', false, false, 'none', '/usr/mips-linux-gnu', 'mips-linux-gnu-gcc'],
  );
  const s = findTarget(r, 's390x-unknown-linux-gnu');
  assert.deepEqual(
    [s.libs, s.std, s.rustStd, s.qemuLdPrefix, s.arch],
    ['sysroot', { kind: 'suite', suite: 'trixie' }, true, '/usr/s390x-linux-gnu', 's390x'],
  );
  const w = findTarget(r, 'x86_64-pc-windows-gnu');
  assert.deepEqual(
    [
      w.runner,
      w.qemuBinary,
      w.cc,
      w.toolchain.name,
      w.toolchain.rustc,
      w.pins.rustc,
      w.pins.wine,
      w.libcName,
      w.std.kind,
    ],
    ['wine', undefined, 'x86_64-w64-mingw32-gcc', 'bookworm', '1.63.0', '1.63.0', '8.0', 'mingw-w64', 'packages'],
  );
  const musl = findTarget(r, 'aarch64-unknown-linux-musl');
  assert.deepEqual(
    [musl.cc, musl.ar, musl.gnu, musl.libcName, musl.rustStd, musl.rustupStd],
    ['aarch64-linux-musl-gcc', 'aarch64-linux-musl-ar', 'aarch64-linux-gnu', 'musl', false, true],
  );
  const i686 = findTarget(r, 'i686-unknown-linux-gnu');
  assert.deepEqual(
    [
      runsNatively(i686, 'x86_64'),
      runsNatively(i686, 'aarch64'),
      runsNatively(a, 'aarch64'),
      runsNatively(a, 'x86_64'),
      runsNatively(w, 'x86_64'),
    ],
    [true, false, true, false, false],
  );
  assert.equal(findTarget(r, 'x86_64-unknown-linux-gnu').imageName, 'localhost/xcross/x86_64-unknown-linux-gnu');
  assert.deepEqual(
    r.toolchains.map((t) => t.name),
    ['web', 'bookworm'],
  );
});

const base = { suite: 's', registry: 'r', offline: 'o', 'offline-tarball': 't', 'image-prefix': 'p', qemu: '4' };
const toolchain = { web: { packages: ['rustc-web'], 'std-package': 'libstd-rust-web-dev', rustc: '5' } };
const row = { 'deb-arch': 'x', gnu: 'a-c', 'qemu-binary': 'qemu-q-static' };
const defaults = {
  toolchain: 'web',
  libs: 'multiarch',
  'libc-name': 'glibc',
  std: 'multiarch',
  runner: 'qemu',
  gcc: '1',
  libc: '2.1',
  openssl: '3',
};
const glibc = { '2.1': { suite: 's', glibcxx: '3.4.1', cxxabi: '1.3.1', 'openssl-runtime': 'libssl3' } };

test('a target inherits [defaults] and may override them', () => {
  const r = parseRegistry(
    { base, toolchain, glibc, defaults, target: { 'a-b-c': { ...row, gcc: '9', libs: 'sysroot', std: 'host' } } },
    'f.toml',
  );
  assert.deepEqual(r.targets[0].pins, { gcc: '9', libc: '2.1', openssl: '3', qemu: '4', rustc: '5' });
  assert.deepEqual(
    [r.targets[0].rustStd, r.targets[0].qemuLdPrefix, r.targets[0].arch, r.targets[0].nativeOn],
    [false, '/usr/a-c', 'q', ['q']],
  );
  assert.equal(r.targets[0].imageName, 'p/a-b-c');
});

test('an unknown key suggests the nearest; a missing or contradictory one is named', () => {
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { 'deb-arc': 'x' } } }, 'f.toml'),
    (e: unknown) =>
      e instanceof XcrossError &&
      /target\.t\.deb-arc is not a known key/.test(e.message) &&
      e.fix === 'did you mean deb-arch?',
  );
  assert.throws(
    () =>
      parseRegistry(
        { base, toolchain, glibc, defaults: { ...defaults, gcc: undefined }, target: { t: row } },
        'f.toml',
      ),
    /target\.t\.gcc is missing and \[defaults\] has none/,
  );
  assert.equal(
    parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, openssl: 'none' } } }, 'f.toml').targets[0]
      .pins.openssl,
    'none',
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, libc: 'none' } } }, 'f.toml'),
    /target\.t\.libc cannot be "none"/,
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, libs: 'static' } } }, 'f.toml'),
    /target\.t\.libs is "static", not one of multiarch, sysroot, musl, mingw/,
  );
  assert.throws(
    () =>
      parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, toolchain: 'nightly' } } }, 'f.toml'),
    /names "nightly", which has no \[toolchain\.nightly\] table/,
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, libs: 'sysroot' } } }, 'f.toml'),
    /std = "multiarch" needs libs = "multiarch"/,
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, runner: 'wine' } } }, 'f.toml'),
    /wine is missing/,
  );
  assert.throws(
    () =>
      parseRegistry(
        { base, toolchain, glibc, defaults, target: { t: { ...row, 'qemu-binary': undefined } } },
        'f.toml',
      ),
    /qemu-binary is missing/,
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, std: 'Trixie!' } } }, 'f.toml'),
    /std is "Trixie!"/,
  );
  assert.throws(
    () =>
      parseRegistry(
        { base, toolchain, glibc, defaults: { ...defaults, 'deb-arch': 'x' }, target: { t: row } },
        'f.toml',
      ),
    /defaults\.deb-arch is not a known key/,
  );
});

test("glibc floors: one for the base suite; a target's libc must be it; other floors only where their suite has the architecture", () => {
  const old = {
    '1.5': {
      suite: 'o',
      gcc: '7',
      glibcxx: '3.4.0',
      cxxabi: '1.3.0',
      openssl: '1',
      'openssl-runtime': 'libssl1',
      'deb-archs': ['x'],
    },
  };
  const r = parseRegistry(
    {
      base,
      toolchain,
      glibc: { ...glibc, ...old },
      defaults,
      target: { t: row, u: { ...row, 'deb-arch': 'y' }, m: { ...row, 'libc-name': 'musl' } },
    },
    'f.toml',
  );
  assert.deepEqual(
    r.floors.map((f) => [f.version, f.isDefault]),
    [
      ['1.5', false],
      ['2.1', true],
    ],
  );
  assert.deepEqual(
    r.targets.map((t) => t.glibcFloors),
    [['1.5', '2.1'], ['2.1'], []],
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, defaults, target: { t: row } }, 'f.toml'),
    /the \[glibc\] tables are missing/,
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc: old, defaults, target: { t: row } }, 'f.toml'),
    /exactly one \[glibc\."X\.Y"\] table must have suite = "s"/,
  );
  assert.throws(
    () => parseRegistry({ base, toolchain, glibc, defaults, target: { t: { ...row, libc: '3' } } }, 'f.toml'),
    /target\.t\.libc is 3, but the s floor is glibc\."2\.1"/,
  );
  assert.throws(
    () =>
      parseRegistry(
        { base, toolchain, glibc: { ...glibc, bullseye: old['1.5'] }, defaults, target: { t: row } },
        'f.toml',
      ),
    /a floor is named by its glibc version/,
  );
});

test('an unknown triple suggests the nearest registered one', () => {
  const r = loadRegistry();
  for (const typo of ['aarch64-linux-gnu', 'aarch64-unknown-linux-gn', 'Aarch64-Unknown-Linux-Gnu']) {
    assert.throws(
      () => findTarget(r, typo),
      (e: unknown) =>
        e instanceof XcrossError &&
        /^unknown target/.test(e.message) &&
        /did you mean 'aarch64-unknown-linux-gnu'/.test(e.fix ?? ''),
      typo,
    );
  }
  assert.throws(
    () => findTarget(r, 'sparc-sun-solaris'),
    (e: unknown) => e instanceof XcrossError && /xcross targets/.test(e.fix ?? '') && !/did you mean/.test(e.fix ?? ''),
  );
});

test("host triple from Node's arch; edit distance", () => {
  assert.equal(hostTriple('x64'), 'x86_64-unknown-linux-gnu');
  assert.equal(hostTriple('arm64'), 'aarch64-unknown-linux-gnu');
  assert.equal(hostTriple('riscv64'), 'riscv64gc-unknown-linux-gnu');
  assert.deepEqual(
    ['x64', 'arm64', 'ppc64', 'riscv64'].map((a) => hostCpu(a)),
    ['x86_64', 'aarch64', 'ppc64le', 'riscv64'],
  );
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(nearest('biuld', ['build', 'bench']), 'build');
  assert.equal(nearest('zzzzzz', ['build']), undefined);
});
