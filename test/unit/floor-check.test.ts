// The check after a build: which files count as linked in this run, and what is above the floor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshLinkedFiles } from '../../src/elf/fresh-files';
import { checkFloor, describeAbove, describeNewest, parseNeed, type FloorLimits } from '../../src/elf/floor-check';
import { readVersionNeeds } from '../../src/elf/version-needs';
import { compareVersions } from '../../src/targets/glibc-floor';
import { tempDir } from './helpers';

const T = 'aarch64-unknown-linux-gnu';

test('fresh files: binaries, test binaries, examples and cdylibs written since the start; not rlibs, .d files or old ones', () => {
  const target = tempDir();
  const prof = path.join(target, T, 'debug');
  for (const d of ['deps', 'examples', 'build/x-1234', 'incremental'])
    fs.mkdirSync(path.join(prof, d), { recursive: true });
  const write = (rel: string) => {
    fs.writeFileSync(path.join(prof, rel), 'x');
    return path.join(prof, rel);
  };
  const bin = write('deps/app-0123abcd');
  fs.linkSync(bin, path.join(prof, 'app'));
  write('deps/parallel-89ab');
  write('deps/libapp-0123.rlib');
  write('deps/app-0123abcd.d');
  write('libplugin.so');
  write('examples/demo-77');
  write('build/x-1234/build-script-build');
  const old = write('deps/stale-1');
  const start = Date.now();
  fs.utimesSync(old, new Date(start - 60_000), new Date(start - 60_000));
  const got = freshLinkedFiles(target, T, start)
    .map((f) => path.relative(prof, f))
    .sort();
  // The hard-linked binary once, under the name the user knows.
  assert.deepEqual(got, ['app', 'deps/parallel-89ab', 'examples/demo-77', 'libplugin.so']);
  assert.deepEqual(freshLinkedFiles(target, 'x86_64-unknown-linux-gnu', start), [], 'another target: nothing');
  assert.deepEqual(freshLinkedFiles(path.join(target, 'missing'), T, start), []);
});

test("need names: GLIBC, GLIBCXX, CXXABI, GCC versions; glibc 2.36's packed-relocation marker; others ignored", () => {
  assert.deepEqual(parseNeed('GLIBC_2.34'), { prefix: 'GLIBC', version: '2.34' });
  assert.deepEqual(parseNeed('GLIBCXX_3.4.30'), { prefix: 'GLIBCXX', version: '3.4.30' });
  assert.deepEqual(parseNeed('GCC_4.2.0'), { prefix: 'GCC', version: '4.2.0' });
  assert.deepEqual(parseNeed('GLIBC_ABI_DT_RELR'), { prefix: 'GLIBC', version: '2.36' });
  assert.equal(parseNeed('GLIBC_PRIVATE'), undefined);
  assert.equal(parseNeed('CXXABI_TM_1'), undefined);
  assert.equal(parseNeed('OPENSSL_3.0.0'), undefined);
});

test('a real program of this machine against an old and a new floor', () => {
  const file = fs.realpathSync('/bin/ls');
  const glibcNeeds = (readVersionNeeds(file) ?? [])
    .map((n) => parseNeed(n.version))
    .filter((n) => n?.prefix === 'GLIBC')
    .map((n) => n!.version);
  const newest = glibcNeeds.sort((a, b) => compareVersions(b, a))[0];
  const limits = (glibc: string): FloorLimits => ({
    floor: glibc,
    GLIBC: glibc,
    GLIBCXX: '3.4.30',
    CXXABI: '1.3.13',
    GCC: '12.2.0',
  });
  const ok = checkFloor([file], limits('2.99'));
  assert.equal(ok.files, 1);
  assert.deepEqual(ok.above, []);
  assert.match(
    describeNewest(ok, limits('2.99')),
    /^glibc floor 2\.99: 1 file linked in this run, needing at most GLIBC_2\.\d+ \(floor 2\.99\)/,
  );
  const low = checkFloor([file], limits('2.2'));
  assert.ok(low.above.length > 0);
  assert.equal(low.above[0].version, low.newest.GLIBC!.version, 'the worst need first');
  const sentence = describeAbove(low, limits('2.2'), path.dirname(file));
  assert.match(
    sentence,
    new RegExp(
      `^ls needs \\S+@GLIBC_${newest.replace(/\./g, '\\.')}, newer than the glibc 2\\.2 floor allows \\(its glibc has GLIBC_2\\.2\\): it will not start on a system with glibc 2\\.2`,
    ),
  );
});

test('files that are not ELF are skipped; a broken ELF is reported, not fatal', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'script'), '#!/bin/sh\necho hi\n');
  fs.writeFileSync(path.join(dir, 'broken'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  const r = checkFloor([path.join(dir, 'script'), path.join(dir, 'broken')], {
    floor: '2.31',
    GLIBC: '2.31',
    GLIBCXX: '3.4.28',
    CXXABI: '1.3.12',
    GCC: '10.2.1',
  });
  assert.equal(r.files, 0);
  assert.equal(r.unreadable.length, 1);
  assert.match(r.unreadable[0], /broken: malformed ELF: /);
});
