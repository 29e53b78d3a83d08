// The image build plan: what each target's layer installs, for an amd64 and an arm64 build host. No
// image is built here; these are the decisions Containerfile.target only carries out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTargetImage } from '../../src/images/target-plan';
import { debianArch } from '../../src/targets/host-arch';
import { targetBuildArgs } from '../../src/images/build-args';
import { findTarget, loadRegistry } from '../../src/targets/registry';

const registry = loadRegistry();
const plan = (triple: string, host: string) => planTargetImage(findTarget(registry, triple), host);

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
  assert.deepEqual(foreign.addArchs, ['arm64']);
  assert.deepEqual(foreign.aptPackages, [
    'gcc-aarch64-linux-gnu',
    'g++-aarch64-linux-gnu',
    'libc6-dev:arm64',
    'libssl-dev:arm64',
    'libstd-rust-web-dev:arm64',
  ]);
  assert.deepEqual(foreign.libcFrom, ['libc6:arm64', 'libc6-dev-arm64-cross']);
  assert.deepEqual(foreign.excludePaths, [
    '/usr/lib/aarch64-linux-gnu/librustc_driver-*',
    '/usr/lib/aarch64-linux-gnu/libLLVM*',
  ]);
  const own = plan('aarch64-unknown-linux-gnu', 'arm64');
  assert.equal(own.native, true);
  assert.deepEqual(own.addArchs, []);
  assert.deepEqual(
    own.aptPackages,
    ['gcc', 'g++', 'libc6-dev', 'libssl-dev'],
    'the host std comes with rustc-web itself',
  );
  assert.deepEqual([own.libcFrom, own.opensslFrom, own.stdFrom], [['libc6'], ['libssl-dev'], []]);
});

test('i686: Debian keeps i386 libraries in /usr/lib/i386-linux-gnu, though its compiler is i686-linux-gnu-gcc', () => {
  const p = plan('i686-unknown-linux-gnu', 'amd64');
  assert.deepEqual([p.libDir, p.pkgConfigDir], ['/usr/lib/i386-linux-gnu', '/usr/lib/i386-linux-gnu/pkgconfig']);
  assert.deepEqual(p.excludePaths, ['/usr/lib/i386-linux-gnu/librustc_driver-*', '/usr/lib/i386-linux-gnu/libLLVM*']);
  assert.deepEqual(p.aptPackages.slice(0, 2), ['gcc-i686-linux-gnu', 'g++-i686-linux-gnu']);
});

test('x86_64 on an arm64 host is a cross target like any other (Debian spells the package x86-64)', () => {
  const p = plan('x86_64-unknown-linux-gnu', 'arm64');
  assert.equal(p.native, false);
  assert.deepEqual(p.addArchs, ['amd64']);
  assert.deepEqual(p.aptPackages.slice(0, 3), ['gcc-x86-64-linux-gnu', 'g++-x86-64-linux-gnu', 'libc6-dev:amd64']);
  assert.ok(p.aptPackages.includes('libstd-rust-web-dev:amd64'));
  assert.equal(plan('x86_64-unknown-linux-gnu', 'amd64').native, true);
});

test('a sysroot target: the cross libc, OpenSSL unpacked into /usr/<gnu>, the std of another suite unpacked', () => {
  const s = plan('s390x-unknown-linux-gnu', 'amd64');
  assert.deepEqual(s.addArchs, [], 'no dpkg architecture: nothing Multi-Arch can conflict');
  assert.deepEqual(s.aptPackages, ['gcc-s390x-linux-gnu', 'g++-s390x-linux-gnu', 'libc6-dev-s390x-cross']);
  assert.deepEqual(s.sysroot, {
    suite: 'base',
    arch: 's390x',
    packages: ['libssl-dev', 'libssl3'],
    dir: '/usr/s390x-linux-gnu',
  });
  assert.deepEqual(s.std, { suite: 'trixie', arch: 's390x', packages: ['libstd-rust-web-dev'] });
  assert.equal(s.pkgConfigDir, '/usr/s390x-linux-gnu/lib/pkgconfig');
  assert.deepEqual(
    [s.libcFrom, s.opensslFrom, s.stdFrom],
    [['libc6-dev-s390x-cross'], ['libssl-dev:s390x'], ['libstd-rust-web-dev:s390x']],
  );
  const rv = plan('riscv64gc-unknown-linux-gnu', 'arm64');
  assert.equal(rv.sysroot, undefined, 'openssl = "none": nothing to unpack');
  assert.deepEqual(rv.std, { suite: 'trixie', arch: 'riscv64', packages: ['libstd-rust-web-dev'] });
  assert.deepEqual(
    plan('riscv64gc-unknown-linux-gnu', 'amd64'),
    { ...rv, buildArch: 'amd64' },
    'the same on either host',
  );
  const armel = plan('armv5te-unknown-linux-gnueabi', 'arm64');
  assert.equal(armel.std, undefined, 'std = "host": nothing in the image');
  assert.deepEqual(armel.sysroot?.packages, ['libssl-dev', 'libssl3']);
});

test('musl: musl-dev for the target and the specs the gcc wrappers use', () => {
  const own = plan('x86_64-unknown-linux-musl', 'amd64');
  assert.deepEqual(
    [own.native, own.addArchs, own.aptPackages, own.muslSpecs, own.libDir],
    [true, [], ['gcc', 'musl-dev'], '/usr/lib/x86_64-linux-musl/musl-gcc.specs', '/usr/lib/x86_64-linux-musl'],
  );
  const cross = plan('x86_64-unknown-linux-musl', 'arm64');
  assert.deepEqual(
    [cross.native, cross.addArchs, cross.aptPackages],
    [false, ['amd64'], ['gcc-x86-64-linux-gnu', 'musl-dev:amd64']],
  );
  const a = plan('aarch64-unknown-linux-musl', 'amd64');
  assert.deepEqual(
    [a.aptPackages, a.muslSpecs, a.libcFrom],
    [['gcc-aarch64-linux-gnu', 'musl-dev:arm64'], '/usr/lib/aarch64-linux-musl/musl-gcc.specs', ['musl-dev:arm64']],
  );
});

test('Windows: mingw-w64 and its std everywhere; wine (and a prefix) only where an x86_64 CPU runs it', () => {
  const amd = plan('x86_64-pc-windows-gnu', 'amd64');
  assert.equal(amd.native, false, 'no Linux libc to install natively');
  assert.deepEqual(amd.aptPackages, [
    'wine64',
    'gcc-mingw-w64-x86-64-win32',
    'g++-mingw-w64-x86-64-win32',
    'libstd-rust-dev-windows',
  ]);
  assert.deepEqual(
    [amd.wine, amd.libcFrom, amd.stdFrom],
    [true, ['mingw-w64-x86-64-dev'], ['libstd-rust-dev-windows']],
  );
  const arm = plan('x86_64-pc-windows-gnu', 'arm64');
  assert.equal(arm.wine, false);
  assert.ok(!arm.aptPackages.includes('wine64'));
});

test('every target has a plan on both hosts, and build arguments with no hole', () => {
  for (const host of ['amd64', 'arm64']) {
    for (const t of registry.targets) {
      const p = planTargetImage(t, host);
      const args = targetBuildArgs(t, p, 'localhost/xcross/rust-web:0');
      for (const k of [
        'TRIPLE',
        'GNU',
        'CC_PREFIX',
        'WINE',
        'RUNNER',
        'QEMU_LD_PREFIX',
        'NATIVE_ON',
        'LIB_DIR',
        'PKG_CONFIG_DIR',
        'LIBC_FROM',
        'PIN_GCC',
        'PIN_LIBC',
        'PIN_OPENSSL',
        'PIN_QEMU',
        'PIN_RUSTC',
        'PIN_WINE',
      ]) {
        assert.ok(args[k], `${t.triple} on ${host}: ${k} is empty`);
      }
      // Nothing installs an amd64 package by name unless the target is amd64.
      if (t.debArch !== 'amd64') assert.ok(!p.aptPackages.some((x) => x.endsWith(':amd64')), `${t.triple} on ${host}`);
      // OpenSSL pinned means something provides it; "none" means nothing does.
      assert.equal(t.pins.openssl === 'none', p.opensslFrom.length === 0, `${t.triple} on ${host}`);
      // A std in the image means verify-pins has a package to check it against.
      if (t.rustStd && !p.native) assert.ok(p.stdFrom.length > 0, `${t.triple} on ${host}`);
    }
  }
});
