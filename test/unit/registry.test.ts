// The target registry, read from images/targets.toml, and the nearest-name suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTarget, hostTriple, loadRegistry, parseRegistry } from '../../src/targets/registry';
import { editDistance, nearest } from '../../src/targets/nearest';
import { XcrossError } from '../../src/errors';

test('the real registry: both triples, pinned versions, tools derived from the GNU prefix', () => {
  const r = loadRegistry();
  const a = findTarget(r, 'aarch64-unknown-linux-gnu');
  assert.deepEqual([a.debArch, a.linker, a.cc, a.cxx, a.ar, a.qemuBinary, a.qemuLdPrefix, a.arch],
    ['arm64', 'aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-g++', 'aarch64-linux-gnu-ar', 'qemu-aarch64-static', '/', 'aarch64']);
  // Every pin is a version; only OpenSSL may be "none" (a target without it: mips has no multiarch libssl).
  for (const t of r.targets) for (const [k, v] of Object.entries(t.pins)) assert.match(v, k === 'openssl' ? /^(\d+(\.\d+)+|none)$/ : /^\d+(\.\d+)+$/, `${t.triple} pin ${k} ${v}`);
  const m = findTarget(r, 'mips-unknown-linux-gnu');
  assert.deepEqual([m.multiarch, m.rustStd, m.pins.openssl, m.qemuLdPrefix, m.cc], [false, false, 'none', '/usr/mips-linux-gnu', 'mips-linux-gnu-gcc']);
  assert.equal(a.multiarch, true);
  assert.equal(findTarget(r, 'x86_64-unknown-linux-gnu').imageName, 'localhost/xcross/x86_64-unknown-linux-gnu');
});

const base = { suite: 's', registry: 'r', offline: 'o', 'offline-tarball': 't', 'image-prefix': 'p' };

test('a target inherits [defaults] and may override them', () => {
  const r = parseRegistry({ base, defaults: { gcc: '1', libc: '2', openssl: '3', qemu: '4', rustc: '5', 'qemu-ld-prefix': '/' },
    target: { 'a-b-c': { 'deb-arch': 'x', gnu: 'a-c', 'qemu-binary': 'q', gcc: '9', 'rust-std': false } } }, 'f.toml');
  assert.deepEqual(r.targets[0].pins, { gcc: '9', libc: '2', openssl: '3', qemu: '4', rustc: '5' });
  assert.equal(r.targets[0].rustStd, false);
  assert.equal(r.targets[0].imageName, 'p/a-b-c');
});

test('an unknown key suggests the nearest; a missing one is named', () => {
  assert.throws(() => parseRegistry({ base, target: { t: { 'deb-arc': 'x' } } }, 'f.toml'),
    (e: unknown) => e instanceof XcrossError && /target\.t\.deb-arc is not a known key/.test(e.message) && e.fix === 'did you mean deb-arch?');
  assert.throws(() => parseRegistry({ base, target: { t: { 'deb-arch': 'x', gnu: 'g', 'qemu-binary': 'q' } } }, 'f.toml'), /target\.t\.gcc is missing and \[defaults\] has none/);
  const pins = { gcc: '1', libc: '2', openssl: 'none', qemu: '4', rustc: '5' };
  assert.equal(parseRegistry({ base, target: { t: { 'deb-arch': 'x', gnu: 'g', 'qemu-binary': 'q', 'qemu-ld-prefix': '/', ...pins } } }, 'f.toml').targets[0].pins.openssl, 'none');
  assert.throws(() => parseRegistry({ base, target: { t: { 'deb-arch': 'x', gnu: 'g', 'qemu-binary': 'q', 'qemu-ld-prefix': '/', ...pins, libc: 'none' } } }, 'f.toml'),
    /target\.t\.libc cannot be "none"/);
});

test('an unknown triple suggests the nearest registered one', () => {
  const r = loadRegistry();
  for (const typo of ['aarch64-linux-gnu', 'aarch64-unknown-linux-gn', 'Aarch64-Unknown-Linux-Gnu']) {
    assert.throws(() => findTarget(r, typo), (e: unknown) => e instanceof XcrossError && /^unknown target/.test(e.message) && /did you mean 'aarch64-unknown-linux-gnu'/.test(e.fix ?? ''), typo);
  }
  assert.throws(() => findTarget(r, 'sparc-sun-solaris'), (e: unknown) => e instanceof XcrossError && /xcross targets/.test(e.fix ?? '') && !/did you mean/.test(e.fix ?? ''));
});

test('host triple from Node\'s arch; edit distance', () => {
  assert.equal(hostTriple('x64'), 'x86_64-unknown-linux-gnu');
  assert.equal(hostTriple('arm64'), 'aarch64-unknown-linux-gnu');
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(nearest('biuld', ['build', 'bench']), 'build');
  assert.equal(nearest('zzzzzz', ['build']), undefined);
});
