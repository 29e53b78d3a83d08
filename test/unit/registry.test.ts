// The target registry, read from images/targets.toml, and the nearest-name suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTarget, imageHasStd, loadRegistry, qemuBinary, runsNatively } from '../../src/targets/registry';
import { parseRegistry } from '../../src/targets/parse-registry';
import { hostCpu, hostTriple } from '../../src/targets/host-arch';
import { editDistance, nearest } from '../../src/targets/nearest';
import { XcrossError } from '../../src/base/errors';

test('the real registry: pinned versions, tools derived from the GNU prefix, layouts and runners', () => {
  const r = loadRegistry();
  const a = findTarget(r, 'aarch64-unknown-linux-gnu');
  assert.deepEqual(
    [a.debArch, a.linker, a.cc, a.cxx, a.ar, qemuBinary(a), a.cpu.name, a.family],
    [
      'arm64',
      'aarch64-linux-gnu-gcc',
      'aarch64-linux-gnu-gcc',
      'aarch64-linux-gnu-g++',
      'aarch64-linux-gnu-ar',
      'qemu-aarch64-static',
      'aarch64',
      'gnu',
    ],
  );
  assert.deepEqual(a.runner, {
    kind: 'qemu-user',
    binary: 'qemu-aarch64-static',
    ldPrefix: '/',
    nativeOn: ['aarch64'],
  });
  // Every pin is a version; only OpenSSL may be "none".
  for (const t of r.targets)
    for (const [k, v] of Object.entries(t.pins))
      assert.match(v, k === 'openssl' ? /^(\d+(\.\d+)+|none)$/ : /^\d+(\.\d+)+$/, `${t.triple} pin ${k} ${v}`);
  // The two targets users deploy today keep glibc 2.36 and OpenSSL 3.0 from Debian.
  for (const t of ['aarch64-unknown-linux-gnu', 'x86_64-unknown-linux-gnu']) {
    const x = findTarget(r, t);
    assert.deepEqual(
      [x.pins.libc, x.pins.openssl.split('.').slice(0, 2).join('.'), x.libc, x.openssl, x.std],
      ['2.36', '3.0', { kind: 'glibc', layout: 'multiarch' }, { kind: 'deb' }, { kind: 'deb' }],
      t,
    );
  }
  const m = findTarget(r, 'mips-unknown-linux-gnu');
  assert.deepEqual(
    [
      m.libc,
      m.std.kind,
      imageHasStd(m),
      m.rustupStd,
      m.openssl,
      m.runner.kind === 'qemu-user' && m.runner.ldPrefix,
      m.cc,
    ],
    [
      { kind: 'glibc', layout: 'sysroot' },
      'build',
      true,
      false,
      { kind: 'source' },
      '/usr/mips-linux-gnu',
      'mips-linux-gnu-gcc',
    ],
  );
  assert.deepEqual(m.cpu, {
    name: 'mips',
    rustArch: 'mips',
    elf: { machine: 8, bits: 32, endian: 'big' },
    opensslConfigure: 'linux-mips32',
  });
  const s = findTarget(r, 's390x-unknown-linux-gnu');
  assert.deepEqual([s.std, s.openssl, imageHasStd(s)], [{ kind: 'deb-suite', suite: 'trixie' }, { kind: 'deb' }, true]);
  const w = findTarget(r, 'x86_64-pc-windows-gnu');
  assert.deepEqual(
    [w.runner, qemuBinary(w), w.cc, w.pins.rustc, w.pins.wine, w.libc.kind, w.std.kind, w.openssl.kind],
    [{ kind: 'wine', bits: 64 }, undefined, 'x86_64-w64-mingw32-gcc', '1.96.0', '8.0', 'mingw-w64', 'build', 'none'],
  );
  const w32 = findTarget(r, 'i686-pc-windows-gnu');
  assert.deepEqual(
    [w32.runner, w32.cc, w32.linker, w32.std.kind, w32.cpu.name],
    [{ kind: 'wine', bits: 32 }, 'i686-w64-mingw32-gcc', 'i686-w64-mingw32-gcc', 'build', 'i386'],
  );
  const musl = findTarget(r, 'aarch64-unknown-linux-musl');
  assert.deepEqual(
    [musl.cc, musl.ar, musl.gnu, musl.libc.kind, imageHasStd(musl), musl.rustupStd, musl.std.kind],
    ['aarch64-linux-musl-gcc', 'aarch64-linux-musl-ar', 'aarch64-linux-gnu', 'musl', true, true, 'build'],
  );
  // musl programs are linked by the plain <gnu>-gcc with Rust's self-contained files (static), the C
  // through the musl wrappers; the unwinder is LLVM's from Debian, or gcc's on ARM.
  const links = [
    'x86_64-unknown-linux-musl',
    'aarch64-unknown-linux-musl',
    'armv7-unknown-linux-musleabihf',
    'arm-unknown-linux-musleabi',
    'i686-unknown-linux-musl',
  ].map((n) => {
    const t = findTarget(r, n);
    return [t.linker, t.cc, t.link, qemuBinary(t), t.debArch];
  });
  const llvm = { kind: 'self-contained', unwinder: { kind: 'deb', package: 'libunwind-14-dev' } };
  const gcc = { kind: 'self-contained', unwinder: { kind: 'libgcc' } };
  assert.deepEqual(links, [
    ['x86_64-linux-gnu-gcc', 'x86_64-linux-musl-gcc', llvm, 'qemu-x86_64-static', 'amd64'],
    ['aarch64-linux-gnu-gcc', 'aarch64-linux-musl-gcc', llvm, 'qemu-aarch64-static', 'arm64'],
    ['arm-linux-gnueabihf-gcc', 'arm-linux-musleabihf-gcc', gcc, 'qemu-arm-static', 'armhf'],
    ['arm-linux-gnueabi-gcc', 'arm-linux-musleabi-gcc', gcc, 'qemu-arm-static', 'armel'],
    ['i686-linux-gnu-gcc', 'i686-linux-musl-gcc', llvm, 'qemu-i386-static', 'i386'],
  ]);
  assert.deepEqual(a.link, { kind: 'cc' });
  // LLVM's libunwind is pinned (a label); gcc's own unwinder is the gcc pin's.
  assert.deepEqual(
    ['x86_64-unknown-linux-musl', 'armv7-unknown-linux-musleabihf'].map((n) => findTarget(r, n).pins.unwinder),
    ['14.0.6', undefined],
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
  assert.deepEqual([r.rust.name, r.rust.srcPackage], ['web', 'rust-web-src']);
  // The seed's targets that Debian's compilers reach are here.
  for (const t of [
    'mips-unknown-linux-gnu',
    'mipsel-unknown-linux-gnu',
    'mips64-unknown-linux-gnuabi64',
    'mips64el-unknown-linux-gnuabi64',
    'powerpc-unknown-linux-gnu',
    'powerpc64-unknown-linux-gnu',
    'sparc64-unknown-linux-gnu',
    'arm-unknown-linux-gnueabi',
    'armv5te-unknown-linux-gnueabi',
    'i586-unknown-linux-gnu',
  ])
    assert.equal(findTarget(r, t).std.kind, 'build', t);
});

const base = { suite: 's', registry: 'r', offline: 'o', 'offline-tarball': 't', 'image-prefix': 'p', qemu: '4' };
const rust = {
  name: 'web',
  packages: ['rustc-web'],
  'std-package': 'libstd-rust-web-dev',
  'src-package': 'src',
  rustc: '5',
};
const cpu = {
  q: { 'rust-arch': 'q', elf: { machine: 1, bits: 64, endian: 'little' }, 'openssl-configure': 'linux-q' },
};
const row = { family: 'f', cpu: 'q', 'deb-arch': 'x', gnu: 'a-c' };
const family = {
  libc: 'glibc',
  libs: 'multiarch',
  std: 'deb',
  openssl: 'deb',
  runner: 'qemu-user',
  linker: 'cc',
  gcc: '1',
  'libc-version': '2.1',
  'openssl-version': '3',
};
const glibc = { '2.1': { suite: 's', glibcxx: '3.4.1', cxxabi: '1.3.1', 'openssl-runtime': 'libssl3' } };
const reg = (target: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  parseRegistry({ base, rust, glibc, cpu, family: { f: family }, target, ...more } as never, 'f.toml');
const fails = (target: Record<string, unknown>, pattern: RegExp, more: Record<string, unknown> = {}) =>
  assert.throws(() => reg(target, more), pattern);

test('a target inherits its family and may override it', () => {
  const r = reg({ 'a-b-c': { ...row, gcc: '9', libs: 'sysroot', std: 'build', openssl: 'source' } });
  assert.deepEqual(r.targets[0].pins, { gcc: '9', libc: '2.1', openssl: '3', qemu: '4', rustc: '5' });
  const t = r.targets[0];
  assert.deepEqual(
    [imageHasStd(t), t.runner, t.cpu.name, t.std, t.openssl],
    [
      true,
      { kind: 'qemu-user', binary: 'qemu-q-static', ldPrefix: '/usr/a-c', nativeOn: ['q'] },
      'q',
      { kind: 'build', crates: ['std', 'panic_unwind', 'panic_abort', 'test', 'proc_macro'] },
      { kind: 'source' },
    ],
  );
  assert.equal(t.imageName, 'p/a-b-c');
  const core = reg({ t: { ...row, libs: 'sysroot', std: 'build', 'std-crates': ['core', 'alloc'], openssl: 'none' } })
    .targets[0];
  assert.deepEqual([core.std, core.pins.openssl], [{ kind: 'build', crates: ['core', 'alloc'] }, 'none']);
});

test('every key and word is checked: unknown ones suggest the nearest, contradictions say why', () => {
  assert.throws(
    () => reg({ t: { ...row, 'deb-arc': 'x' } }),
    (e: unknown) =>
      e instanceof XcrossError &&
      /target\.t\.deb-arc is not a known key/.test(e.message) &&
      e.fix === 'did you mean deb-arch?',
  );
  fails({ t: row }, /target\.t\.gcc is missing, and family\.f has none/, {
    family: { f: { ...family, gcc: undefined } },
  });
  fails({ t: { ...row, libs: 'static' } }, /target\.t\.libs is "static", not one of multiarch, sysroot/);
  fails({ t: { ...row, libc: 'bionic' } }, /target\.t\.libc is "bionic", not one of glibc, musl, mingw-w64/);
  fails({ t: { ...row, openssl: 'vendored' } }, /openssl is "vendored", not one of deb, source, none/);
  fails({ t: { ...row, runner: 'qemu' } }, /runner is "qemu", not one of qemu-user, wine/);
  fails({ t: { ...row, family: 'gnuu' } }, /target\.t\.family is "gnuu", not one of f/);
  fails({ t: { ...row, cpu: 'z80' } }, /target\.t\.cpu is "z80", not one of q/);
  fails({ t: { ...row, libs: 'sysroot' } }, /std = "deb" needs libs = "multiarch"/);
  fails({ t: { ...row, std: 'Trixie!' } }, /std is "Trixie!": it must be deb, deb:<Debian suite>/);
  fails({ t: { ...row, 'std-crates': ['core'] } }, /std-crates is set, but std is "deb"/);
  fails(
    { t: { ...row, openssl: 'none', 'openssl-version': '3' } },
    /target\.t\.openssl-version is set, but openssl is "none"/,
  );
  assert.equal(
    reg({ t: { ...row, openssl: 'none' } }).targets[0].pins.openssl,
    'none',
    "the row's choice makes the family's version moot",
  );
  fails(
    { t: { ...row, libc: 'musl', libs: 'multiarch', std: 'host', openssl: 'none' } },
    /target\.t\.libs is set, but libc is "musl"/,
  );
  fails({ t: row }, /family\.f\.openssl-version is set, but openssl is "none"/, {
    family: { f: { ...family, openssl: 'none' } },
  });
  fails({ t: { ...row, runner: 'wine' } }, /target\.t\.wine is missing, and family\.f has none/);
  fails({ t: { ...row, wine: '8.0' } }, /wine is set, but its programs do not run under wine/);
  fails({ t: { ...row, 'cc-flags': ['-m32'] } }, /cc-flags needs a cc-prefix of its own/);
  fails({ t: { ...row, gcc: 'twelve' } }, /the gcc pin is "twelve", not a version/);
  fails({ t: row }, /family\.f\.deb-arch is not a known key/, { family: { f: { ...family, 'deb-arch': 'x' } } });
  fails({ t: row }, /cpu\.q\.elf\.bits must be 32 or 64, not number 16/, {
    cpu: { q: { ...cpu.q, elf: { machine: 1, bits: 16, endian: 'little' } } },
  });
  fails({ t: row }, /toolchain is not a known key/, { toolchain: {} });
  // linker and unwinder: self-contained links are musl's, and say where their unwinder comes from.
  const musl = { ...row, libc: 'musl', std: 'build', openssl: 'none', linker: 'self-contained' };
  fails({ t: { ...row, linker: 'lld' } }, /target\.t\.linker is "lld", not one of cc, self-contained/);
  fails(
    { t: { ...row, linker: 'self-contained', unwinder: 'libgcc' } },
    /linker = "self-contained" needs libc = "musl"/,
  );
  fails({ t: { ...row, unwinder: 'libgcc' } }, /target\.t\.unwinder is set, but linker is "cc"/);
  fails({ t: musl }, /target\.t\.unwinder is missing, and family\.f has none/);
  fails({ t: { ...musl, unwinder: 'llvm' } }, /unwinder is "llvm": it must be libgcc or deb:<Debian package/);
  fails({ t: { ...musl, unwinder: 'deb:libunwind-14-dev' } }, /target\.t\.unwinder-version is missing/);
  fails(
    { t: { ...musl, unwinder: 'libgcc', 'unwinder-version': '14' } },
    /unwinder-version is set, but unwinder is "libgcc"/,
  );
  const llvm = reg({ t: { ...musl, unwinder: 'deb:libunwind-14-dev', 'unwinder-version': '14.0.6' } }).targets[0];
  assert.deepEqual(
    [reg({ t: { ...musl, unwinder: 'libgcc' } }).targets[0].link, llvm.linker, llvm.pins.unwinder],
    [{ kind: 'self-contained', unwinder: { kind: 'libgcc' } }, 'a-c-gcc', '14.0.6'],
  );
  assert.equal(reg({ t: { ...row, std: 'deb:trixie' } }).targets[0].std.kind, 'deb-suite');
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
  const musl = { ...row, libc: 'musl', std: 'host', openssl: 'none' };
  const r = reg({ t: row, u: { ...row, 'deb-arch': 'y' }, m: musl }, { glibc: { ...glibc, ...old } });
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
  assert.throws(() => reg({ t: row }, { glibc: undefined }), /the \[glibc\] tables are missing/);
  assert.throws(() => reg({ t: row }, { glibc: old }), /exactly one \[glibc\."X\.Y"\] table must have suite = "s"/);
  assert.throws(
    () => reg({ t: { ...row, 'libc-version': '3' } }),
    /target\.t: libc-version is 3, but the s floor is glibc\."2\.1"/,
  );
  assert.throws(
    () => reg({ t: row }, { glibc: { ...glibc, bullseye: old['1.5'] } }),
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

test('bare metal: newlib, no Debian architecture, rust-lld pinned, a board and a CPU for qemu-system', () => {
  const bare = {
    family: 'f',
    cpu: 'q',
    gnu: 'arm-none-eabi',
    libc: 'newlib',
    std: 'build',
    'std-crates': ['core', 'alloc'],
    openssl: 'none',
    runner: 'qemu-system',
    linker: 'rust-lld',
    'lld-version': '14.0.6',
    machine: 'lm3s6965evb',
    'qemu-cpu': 'cortex-m3',
  };
  const t = reg({ 'thumbv7m-none-eabi': bare }).targets[0];
  assert.deepEqual(
    [t.libc, t.debArch, t.link, t.linker, t.runner, t.pins.lld, t.cc, t.glibcFloors],
    [
      { kind: 'newlib' },
      '',
      { kind: 'rust-lld' },
      'rust-lld',
      { kind: 'qemu-system', binary: 'qemu-system-q', machine: 'lm3s6965evb', cpu: 'cortex-m3' },
      '14.0.6',
      'arm-none-eabi-gcc',
      [],
    ],
  );
  fails({ t: { ...bare, 'deb-arch': 'armhf' } }, /deb-arch is set, but libc is "newlib"/);
  fails({ t: { ...bare, machine: 'lm3s; rm -rf /' } }, /machine is "lm3s; rm -rf \/", not a qemu name/);
  fails({ t: { ...bare, 'qemu-cpu': undefined } }, /target\.t\.qemu-cpu is missing/);
  fails({ t: { ...bare, 'lld-version': undefined } }, /target\.t\.lld-version is missing/);
  fails({ t: { ...row, machine: 'virt' } }, /machine is set, but its programs do not run under qemu-system/);
  fails({ t: { ...row, 'lld-version': '14' } }, /lld-version is set, but linker is not "rust-lld"/);
  fails(
    { t: { ...row, runner: 'qemu-system', machine: 'm', 'qemu-cpu': 'c' } },
    /runner = "qemu-system" needs libc = "newlib"/,
  );
});

test('the real registry: every thumb target runs on a board of its own CPU, core and alloc built in the image', () => {
  const r = loadRegistry();
  const boards = Object.fromEntries(
    r.targets
      .filter((t) => t.runner.kind === 'qemu-system')
      .map((t) => [t.triple, t.runner.kind === 'qemu-system' && `${t.runner.machine} ${t.runner.cpu}`]),
  );
  assert.deepEqual(boards, {
    'thumbv6m-none-eabi': 'microbit cortex-m0',
    'thumbv7m-none-eabi': 'lm3s6965evb cortex-m3',
    'thumbv7em-none-eabi': 'mps2-an386 cortex-m4',
    'thumbv7em-none-eabihf': 'mps2-an386 cortex-m4',
    'thumbv8m.main-none-eabihf': 'mps2-an505 cortex-m33',
  });
  for (const triple of Object.keys(boards)) {
    const t = findTarget(r, triple);
    assert.deepEqual(
      [t.std, t.link.kind, t.openssl.kind, t.libc.kind],
      [{ kind: 'build', crates: ['core', 'alloc'] }, 'rust-lld', 'none', 'newlib'],
      triple,
    );
  }
});
