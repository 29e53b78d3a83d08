// The image build plan: what each target's layer does, step by step, for an amd64 and an arm64 build
// host, and the Containerfile it renders to. No image is built here; these are the decisions the
// step scripts of images/steps/ only carry out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTargetImage, stdRecipe, targetRecipe, type TargetImagePlan } from '../../src/images/target-plan';
import { commandOf, renderContainerfile, shellWords, type Step } from '../../src/images/steps';
import { debianArch } from '../../src/targets/host-arch';
import { findTarget, imageHasStd, loadRegistry } from '../../src/targets/registry';
import { targetPins } from '../../src/targets/pins';

const registry = loadRegistry();
const plan = (triple: string, host: string) => planTargetImage(findTarget(registry, triple), host);

/** The steps of one kind, without their kind. */
function stepsOf<K extends Step['kind']>(p: TargetImagePlan, kind: K): Extract<Step, { kind: K }>[] {
  return p.steps.filter((s): s is Extract<Step, { kind: K }> => s.kind === kind);
}
const apt = (p: TargetImagePlan) => stepsOf(p, 'apt')[0] ?? { addArchs: [], packages: [], exclude: [] };
const tools = (p: TargetImagePlan) =>
  Object.fromEntries(
    stepsOf(p, 'tools').flatMap((s) => s.tools.map((t) => [t.name, 'exec' in t ? t.exec : `!${t.refuse}`])),
  );
const reads = (p: TargetImagePlan, name: string) =>
  p.pins.find((x) => x.name === name)?.reads.map((r) => `${r.kind} ${r.arg}`);

test('Debian architecture names of the hosts Node runs on', () => {
  assert.deepEqual(['x64', 'arm64', 'ppc64', 's390x', 'riscv64'].map(debianArch), [
    'amd64',
    'arm64',
    'ppc64el',
    's390x',
    'riscv64',
  ]);
});

test('a multiarch target: the cross gcc and :arch libraries on another host, native packages on its own', () => {
  const foreign = plan('aarch64-unknown-linux-gnu', 'amd64');
  assert.deepEqual(apt(foreign), {
    kind: 'apt',
    addArchs: ['arm64'],
    packages: [
      'gcc-aarch64-linux-gnu',
      'g++-aarch64-linux-gnu',
      'libc6-dev:arm64',
      'libssl-dev:arm64',
      'libstd-rust-web-dev:arm64',
    ],
    exclude: ['/usr/lib/aarch64-linux-gnu/librustc_driver-*', '/usr/lib/aarch64-linux-gnu/libLLVM*'],
  });
  assert.deepEqual(reads(foreign, 'libc'), ['deb libc6:arm64 libc6-dev-arm64-cross']);
  assert.deepEqual(reads(foreign, 'rustc'), ['command rustc --version', 'deb libstd-rust-web-dev:arm64']);
  assert.deepEqual(
    foreign.steps.map((s) => s.kind),
    ['apt', 'verify-pins', 'smoke-test'],
  );
  const own = plan('aarch64-unknown-linux-gnu', 'arm64');
  assert.equal(own.native, true);
  assert.deepEqual(
    apt(own).packages,
    ['gcc', 'g++', 'libc6-dev', 'libssl-dev'],
    'the host std comes with rustc-web itself',
  );
  assert.deepEqual(
    [reads(own, 'libc'), reads(own, 'openssl'), reads(own, 'rustc')],
    [['deb libc6'], ['deb libssl-dev'], ['command rustc --version']],
  );
});

test('i686: Debian keeps i386 libraries in /usr/lib/i386-linux-gnu; a probe tells whether the kernel runs them', () => {
  const p = plan('i686-unknown-linux-gnu', 'amd64');
  assert.deepEqual([p.libDir, p.pkgConfigDir], ['/usr/lib/i386-linux-gnu', '/usr/lib/i386-linux-gnu/pkgconfig']);
  assert.deepEqual(apt(p).exclude, ['/usr/lib/i386-linux-gnu/librustc_driver-*', '/usr/lib/i386-linux-gnu/libLLVM*']);
  assert.deepEqual(apt(p).packages.slice(0, 2), ['gcc-i686-linux-gnu', 'g++-i686-linux-gnu']);
  assert.deepEqual(stepsOf(p, 'native-probe'), [{ kind: 'native-probe', cc: 'i686-linux-gnu-gcc' }]);
  assert.deepEqual(stepsOf(plan('aarch64-unknown-linux-gnu', 'amd64'), 'native-probe'), [], 'only for another CPU');
});

test("i586: Pentium code from the i686 compiler through wrappers, i386's libraries, a std built in the image", () => {
  const t = findTarget(registry, 'i586-unknown-linux-gnu');
  assert.deepEqual(
    [t.cc, t.cxx, t.ar, t.linker],
    ['i586-linux-gnu-gcc', 'i586-linux-gnu-g++', 'i586-linux-gnu-ar', 'i586-linux-gnu-gcc'],
  );
  const p = plan(t.triple, 'amd64');
  assert.deepEqual(tools(p), {
    'i586-linux-gnu-gcc': 'i686-linux-gnu-gcc -march=pentium',
    'i586-linux-gnu-g++': 'i686-linux-gnu-g++ -march=pentium',
    'i586-linux-gnu-ar': 'i686-linux-gnu-ar',
  });
  assert.deepEqual(apt(p).packages, ['gcc-i686-linux-gnu', 'g++-i686-linux-gnu', 'libc6-dev:i386', 'libssl-dev:i386']);
  assert.deepEqual(reads(p, 'rustc'), [
    'command rustc --version',
    `command cat "$(rustc --print sysroot)"/lib/rustlib/${t.triple}/xcross-std`,
  ]);
  assert.deepEqual(stdRecipe(t, 'R')?.steps, [
    { kind: 'build-std', triple: t.triple, crates: ['std', 'panic_unwind', 'panic_abort', 'test', 'proc_macro'] },
  ]);
});

test('x86_64 on an arm64 host is a cross target like any other (Debian spells the package x86-64)', () => {
  const p = plan('x86_64-unknown-linux-gnu', 'arm64');
  assert.equal(p.native, false);
  assert.deepEqual(apt(p).addArchs, ['amd64']);
  assert.deepEqual(apt(p).packages.slice(0, 3), ['gcc-x86-64-linux-gnu', 'g++-x86-64-linux-gnu', 'libc6-dev:amd64']);
  assert.ok(apt(p).packages.includes('libstd-rust-web-dev:amd64'));
  assert.equal(plan('x86_64-unknown-linux-gnu', 'amd64').native, true);
});

test("a sysroot target with a Debian OpenSSL and another suite's std: both unpacked, nothing Multi-Arch", () => {
  const s = plan('s390x-unknown-linux-gnu', 'amd64');
  assert.deepEqual(apt(s), {
    kind: 'apt',
    addArchs: [],
    packages: ['gcc-s390x-linux-gnu', 'g++-s390x-linux-gnu', 'libc6-dev-s390x-cross'],
    exclude: [],
  });
  assert.deepEqual(stepsOf(s, 'unpack'), [
    {
      kind: 'unpack',
      suite: 'base',
      releaseOnly: false,
      arch: 's390x',
      packages: ['libssl-dev', 'libssl3'],
      into: { kind: 'sysroot', dir: '/usr/s390x-linux-gnu', multiarch: 's390x-linux-gnu' },
    },
    {
      kind: 'unpack',
      suite: 'trixie',
      releaseOnly: false,
      arch: 's390x',
      packages: ['libstd-rust-web-dev'],
      into: { kind: 'rustlib' },
    },
  ]);
  assert.equal(s.pkgConfigDir, '/usr/s390x-linux-gnu/lib/pkgconfig');
  assert.deepEqual(
    [reads(s, 'libc'), reads(s, 'openssl'), reads(s, 'rustc')],
    [
      ['deb libc6-dev-s390x-cross'],
      ['deb libssl-dev:s390x'],
      ['command rustc --version', 'deb libstd-rust-web-dev:s390x'],
    ],
  );
  assert.deepEqual(plan('s390x-unknown-linux-gnu', 'arm64').steps, s.steps, 'the same on either host');
});

test('gnu-cross: OpenSSL built from source with the cross compiler, the std in a layer of its own', () => {
  for (const [triple, configure] of [
    ['mips-unknown-linux-gnu', 'linux-mips32'],
    ['mips64-unknown-linux-gnuabi64', 'linux64-mips64'],
    ['powerpc-unknown-linux-gnu', 'linux-ppc'],
    ['sparc64-unknown-linux-gnu', 'linux64-sparcv9'],
    ['riscv64gc-unknown-linux-gnu', 'linux64-riscv64'],
  ]) {
    const t = findTarget(registry, triple);
    const p = plan(triple, 'amd64');
    assert.deepEqual(
      stepsOf(p, 'build-openssl'),
      [
        {
          kind: 'build-openssl',
          version: t.pins.openssl,
          configure,
          crossPrefix: `${t.gnu}-`,
          prefix: `/usr/${t.gnu}`,
        },
      ],
      triple,
    );
    assert.deepEqual(reads(p, 'openssl'), [
      `command PKG_CONFIG_LIBDIR=/usr/${t.gnu}/lib/pkgconfig pkg-config --modversion openssl`,
    ]);
    assert.equal(p.env.QEMU_LD_PREFIX, `/usr/${t.gnu}`, triple);
    assert.deepEqual(stepsOf(p, 'smoke-test'), [{ kind: 'smoke-test', triple, openssl: true, rust: true }]);
  }
  const mips = findTarget(registry, 'mips-unknown-linux-gnu');
  assert.equal(
    targetRecipe(mips, plan(mips.triple, 'amd64'), 'localhost/xcross/std/mips:1').from,
    'localhost/xcross/std/mips:1',
  );
  // Debian's own OpenSSL where the architecture has one (it lags amd64's, so unpacked).
  assert.deepEqual(stepsOf(plan('mips64el-unknown-linux-gnuabi64', 'amd64'), 'build-openssl'), []);
  assert.deepEqual(stepsOf(plan('armv5te-unknown-linux-gnueabi', 'amd64'), 'unpack')[0].packages, [
    'libssl-dev',
    'libssl3',
  ]);
});

test('musl: musl-dev for the target and gcc wrappers that use its specs', () => {
  const own = plan('x86_64-unknown-linux-musl', 'amd64');
  assert.deepEqual(
    [own.native, apt(own).addArchs, apt(own).packages, own.libDir],
    [true, [], ['gcc', 'musl-dev'], '/usr/lib/x86_64-linux-musl'],
  );
  assert.equal(
    tools(own)['x86_64-linux-musl-gcc'],
    'x86_64-linux-gnu-gcc -specs /usr/lib/x86_64-linux-musl/musl-gcc.specs',
  );
  assert.match(
    tools(own)['x86_64-linux-musl-g++'],
    /^!x86_64-linux-musl-g\+\+: Debian has no C\+\+ standard library built for musl/,
  );
  const cross = plan('x86_64-unknown-linux-musl', 'arm64');
  assert.deepEqual(
    [cross.native, apt(cross).addArchs, apt(cross).packages],
    [false, ['amd64'], ['gcc-x86-64-linux-gnu', 'musl-dev:amd64']],
  );
  const a = plan('aarch64-unknown-linux-musl', 'amd64');
  assert.deepEqual(
    [apt(a).packages, reads(a, 'libc')],
    [['gcc-aarch64-linux-gnu', 'musl-dev:arm64'], ['deb musl-dev:arm64']],
  );
  assert.deepEqual(reads(a, 'rustc'), [
    'command rustc --version',
    'command cat "$(rustc --print sysroot)"/lib/rustlib/aarch64-unknown-linux-musl/xcross-std',
  ]);
  // The std is built in its own layer; the target layer adds Rust's self-contained link files, with
  // LLVM's libunwind unpacked from Debian, or (ARM) gcc's own unwinder.
  assert.equal(stdRecipe(findTarget(registry, 'aarch64-unknown-linux-musl'), 'R')?.steps[0].kind, 'build-std');
  assert.deepEqual(stepsOf(a, 'unpack'), [
    {
      kind: 'unpack',
      suite: 'base',
      releaseOnly: false,
      arch: 'arm64',
      packages: ['libunwind-14-dev'],
      into: { kind: 'root', dir: '/usr/local/lib/xcross/unwind' },
    },
  ]);
  assert.deepEqual(stepsOf(a, 'self-contained'), [
    {
      kind: 'self-contained',
      triple: 'aarch64-unknown-linux-musl',
      libDir: '/usr/lib/aarch64-linux-musl',
      gcc: 'aarch64-linux-gnu-gcc',
      unwind: '/usr/local/lib/xcross/unwind',
      cc: 'aarch64-linux-musl-gcc',
    },
  ]);
  assert.equal(a.env.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER, 'aarch64-linux-gnu-gcc');
  assert.deepEqual(reads(a, 'unwinder'), ['deb libunwind-14-dev:arm64']);
  const hf = plan('armv7-unknown-linux-musleabihf', 'amd64');
  assert.deepEqual(
    [apt(hf).packages, hf.libDir, stepsOf(hf, 'unpack'), stepsOf(hf, 'self-contained').map((x) => x.unwind)],
    [['gcc-arm-linux-gnueabihf', 'musl-dev:armhf'], '/usr/lib/arm-linux-musleabihf', [], ['libgcc']],
  );
  const el = plan('arm-unknown-linux-musleabi', 'amd64');
  assert.deepEqual([apt(el).addArchs, el.libDir], [['armel'], '/usr/lib/arm-linux-musleabi']);
  const x86 = plan('i686-unknown-linux-musl', 'amd64');
  assert.deepEqual(
    [apt(x86).packages, x86.libDir, stepsOf(x86, 'native-probe').length],
    [['gcc-i686-linux-gnu', 'musl-dev:i386'], '/usr/lib/i386-linux-musl', 1],
  );
});

test('Windows: mingw-w64 everywhere, its std built in the image; wine and a prefix where an x86_64 CPU runs it', () => {
  const amd = plan('x86_64-pc-windows-gnu', 'amd64');
  assert.equal(amd.native, false, 'no Linux libc to install natively');
  assert.deepEqual(apt(amd).packages, ['gcc-mingw-w64-x86-64-win32', 'g++-mingw-w64-x86-64-win32', 'wine64']);
  assert.deepEqual(stepsOf(amd, 'wine-prefix'), [{ kind: 'wine-prefix', dir: '/opt/xcross/wine', bits: 64 }]);
  assert.equal(amd.env.XCROSS_WINE, '/usr/lib/wine/wine64');
  assert.deepEqual(
    [reads(amd, 'libc'), reads(amd, 'gcc'), reads(amd, 'wine')],
    [['deb mingw-w64-x86-64-dev'], ['deb gcc-mingw-w64-x86-64-win32'], ['command /usr/lib/wine/wine64 --version']],
  );
  const arm = plan('x86_64-pc-windows-gnu', 'arm64');
  assert.deepEqual(stepsOf(arm, 'wine-prefix'), []);
  assert.ok(!apt(arm).packages.includes('wine64'));
  // Windows' std imports its DLLs with dlltool (raw-dylib): the std layer installs mingw's binutils first.
  assert.deepEqual(
    stdRecipe(findTarget(registry, 'x86_64-pc-windows-gnu'), 'R')?.steps.map((x) => x.kind),
    ['apt', 'build-std'],
  );
  const tools = stdRecipe(findTarget(registry, 'x86_64-pc-windows-gnu'), 'R')!.steps[0];
  assert.deepEqual(tools.kind === 'apt' && tools.packages, ['binutils-mingw-w64-x86-64']);
  // 32-bit: i686 mingw-w64, Debian's i386 wine (multiarch) and a 32-bit prefix.
  const w32 = plan('i686-pc-windows-gnu', 'amd64');
  assert.deepEqual(
    [apt(w32).addArchs, apt(w32).packages, stepsOf(w32, 'wine-prefix'), reads(w32, 'wine'), w32.env.XCROSS_WINE],
    [
      ['i386'],
      ['gcc-mingw-w64-i686-win32', 'g++-mingw-w64-i686-win32', 'wine32:i386'],
      [{ kind: 'wine-prefix', dir: '/opt/xcross/wine', bits: 32 }],
      ['command /usr/lib/wine/wine --version'],
      '/usr/lib/wine/wine',
    ],
  );
  assert.deepEqual(
    [stepsOf(w32, 'rtstartup'), stepsOf(amd, 'rtstartup')],
    [[{ kind: 'rtstartup', triple: 'i686-pc-windows-gnu' }], []],
  );
  const w32arm = plan('i686-pc-windows-gnu', 'arm64');
  assert.deepEqual([apt(w32arm).addArchs, stepsOf(w32arm, 'wine-prefix')], [[], []]);
  const std32 = stdRecipe(findTarget(registry, 'i686-pc-windows-gnu'), 'R')!.steps;
  assert.deepEqual(
    std32.map((x) => (x.kind === 'apt' ? x.packages : x.kind)),
    [['binutils-mingw-w64-i686'], 'build-std'],
  );
});

test('every target has a plan on both hosts that reads back every pin; nothing foreign installed by name', () => {
  for (const host of ['amd64', 'arm64']) {
    for (const t of registry.targets) {
      const p = planTargetImage(t, host);
      const where = `${t.triple} on ${host}`;
      assert.deepEqual(
        p.pins.map((x) => [x.name, x.want]),
        targetPins(t).map((x) => [x.name, x.want]),
        `${where}: the labels' list`,
      );
      for (const pin of p.pins) {
        if (pin.name === 'wine' && host !== 'amd64') continue;
        assert.ok(pin.reads.length > 0, `${where}: nothing reads ${pin.name}`);
        if (pin.want === 'none')
          assert.ok(
            pin.reads.every((r) => r.kind === 'absent'),
            `${where}: ${pin.name}`,
          );
      }
      if (t.debArch !== 'amd64') assert.ok(!apt(p).packages.some((x) => x.endsWith(':amd64')), where);
      // A std in the image means verify-pins has something that proves it is this rustc's.
      if (imageHasStd(t) && !p.native) assert.ok(reads(p, 'rustc')!.length > 1, where);
      assert.equal(p.steps.at(-1)?.kind, t.runner.kind === 'qemu-system' ? 'smoke-bare-metal' : 'smoke-test', where);
      const linker = `CARGO_TARGET_${t.triple.replace(/[-.]/g, '_').toUpperCase()}_LINKER`;
      // rust-lld is rustc's own default for the target: the image leaves it unset.
      assert.equal(p.env[linker], t.link.kind === 'rust-lld' ? undefined : t.linker, `${where}: ${linker}`);
      for (const k of ['XCROSS_TARGET', 'XCROSS_RUNNER']) assert.ok(p.env[k], `${where}: ${k}`);
    }
  }
});

test("the Containerfile: wine's prefix is made in the RUN that installs wine, so its stripped DLLs replace the originals", () => {
  const t = findTarget(registry, 'x86_64-pc-windows-gnu');
  const text = renderContainerfile(targetRecipe(t, planTargetImage(t, 'amd64'), 'X'));
  assert.match(
    text,
    /^RUN sh \/usr\/local\/lib\/xcross\/steps\/apt\.sh [^\n]*wine64 \\\n {4}&& sh \/usr\/local\/lib\/xcross\/steps\/wine-prefix\.sh /m,
  );
  assert.equal(text.split('\n').filter((l) => l.startsWith('RUN')).length, 3);
});

test('the Containerfile: one RUN a step, the scripts copied, the environment before the smoke test', () => {
  const t = findTarget(registry, 'mips-unknown-linux-gnu');
  const text = renderContainerfile(
    targetRecipe(t, planTargetImage(t, 'amd64'), 'localhost/xcross/std/mips-unknown-linux-gnu:abc'),
  );
  const lines = text.split('\n');
  assert.equal(
    lines.find((l) => l.startsWith('FROM')),
    'FROM localhost/xcross/std/mips-unknown-linux-gnu:abc',
  );
  assert.equal(
    lines.find((l) => l.startsWith('COPY')),
    'COPY steps/apt.sh steps/build-openssl.sh steps/verify-pins.sh steps/smoke-test.sh /usr/local/lib/xcross/steps/',
  );
  assert.equal(lines.filter((l) => l.startsWith('RUN')).length, 4);
  assert.ok(
    text.indexOf('ENV CARGO_TARGET_MIPS_UNKNOWN_LINUX_GNU_LINKER="mips-linux-gnu-gcc"') <
      text.indexOf('smoke-test.sh mips'),
  );
  assert.match(
    text,
    /RUN sh \/usr\/local\/lib\/xcross\/steps\/build-openssl\.sh --version 3\.0\.20 --configure linux-mips32 --cross-prefix mips-linux-gnu- --prefix \/usr\/mips-linux-gnu\n/,
  );
  // A command with quotes and pipes survives as one word for sh.
  const glibcxx = planTargetImage(t, 'amd64').pins.find((p) => p.name === 'glibcxx')!.reads[0].arg;
  assert.ok(text.includes(shellWords([glibcxx])));
  assert.deepEqual(commandOf({ kind: 'tools', tools: [{ name: 'a', refuse: "it's not" }] }).slice(2), [
    '--refuse',
    'a',
    "it's not",
  ]);
  assert.equal(shellWords(["it's", 'a b', 'plain-1.0:x']), `'it'\\''s' 'a b' plain-1.0:x`);
});

test('bare metal: arm-none-eabi gcc and newlib (M-profile multilibs only), qemu-system, rust-lld as Debian lld; no linker set', () => {
  for (const host of ['amd64', 'arm64']) {
    const p = plan('thumbv7m-none-eabi', host);
    const a = apt(p);
    assert.deepEqual(
      [a.addArchs, a.packages, p.native],
      [[], ['gcc-arm-none-eabi', 'libnewlib-arm-none-eabi', 'qemu-system-arm', 'lld-14'], false],
    );
    assert.ok(a.exclude.includes('/usr/lib/arm-none-eabi/newlib/thumb/v7-a*'), 'A-profile newlib left out');
    assert.ok(a.exclude.includes('/usr/lib/gcc/arm-none-eabi/*/arm/*'), 'Arm-state libgcc left out');
    assert.ok(!a.exclude.some((x) => /v6-m|v7-m|v7e-m|v8-m/.test(x)), 'every M-profile multilib kept');
    assert.deepEqual(tools(p), { 'rust-lld': '/usr/lib/llvm-14/bin/lld' });
    assert.deepEqual(
      [reads(p, 'lld'), reads(p, 'qemu'), reads(p, 'libc'), reads(p, 'gcc')],
      [
        ['command rust-lld -flavor gnu --version'],
        ['command qemu-system-arm --version'],
        ['deb libnewlib-arm-none-eabi'],
        ['command arm-none-eabi-gcc -dumpfullversion'],
      ],
    );
    assert.deepEqual(p.steps.at(-1), { kind: 'smoke-bare-metal', triple: 'thumbv7m-none-eabi' });
    assert.equal(p.env.CARGO_TARGET_THUMBV7M_NONE_EABI_LINKER, undefined, "rustc's own default (rust-lld) stays");
    assert.deepEqual(
      [p.env.CARGO_TARGET_THUMBV7M_NONE_EABI_RUNNER, p.env.CC_thumbv7m_none_eabi, p.env.XCROSS_RUNNER],
      ['xcross-runner', 'arm-none-eabi-gcc', 'qemu-system'],
    );
    assert.deepEqual(
      [p.env.XCROSS_QEMU, p.env.XCROSS_MACHINE, p.env.XCROSS_QEMU_CPU],
      ['qemu-system-arm', 'lm3s6965evb', 'cortex-m3'],
    );
  }
  // A dot in the triple is an underscore in cargo's variable, as cargo spells it.
  const v8 = plan('thumbv8m.main-none-eabihf', 'amd64');
  assert.ok('CARGO_TARGET_THUMBV8M_MAIN_NONE_EABIHF_RUNNER' in v8.env);
  assert.equal(v8.env.CC_thumbv8m_main_none_eabihf, 'arm-none-eabi-gcc');
  const std = stdRecipe(findTarget(registry, 'thumbv6m-none-eabi'), 'R')!.steps;
  assert.deepEqual(std, [{ kind: 'build-std', triple: 'thumbv6m-none-eabi', crates: ['core', 'alloc'] }]);
});
