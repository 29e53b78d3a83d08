// readVersionNeeds: the symbol versions an ELF file needs, checked against readelf on real binaries and on
// synthetic files of both classes and byte orders, whole, truncated at every length and corrupted.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readVersionNeeds, type VersionNeed } from '../../src/elf/version-needs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-elf-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const hasReadelf = (() => {
  try {
    execFileSync('readelf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const readelf = (...args: string[]) => execFileSync('readelf', args, { encoding: 'utf8', maxBuffer: 1 << 28 });

/** "library version" pairs from the "Version needs section" block of `readelf -V --wide`, in file order. */
function readelfNeeds(file: string): string[] {
  const lines = readelf('-V', '--wide', file).split('\n');
  const pairs: string[] = [];
  let library = '';
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith('Version needs section')) + 1 || lines.length)) {
    if (line.trim() === '') break;
    library = /File: (\S+)/.exec(line)?.[1] ?? library;
    const name = /Name: (\S+)\s+Flags:/.exec(line)?.[1];
    if (name !== undefined) pairs.push(`${library} ${name}`);
  }
  return pairs;
}

/** "name@VERSION" of every undefined versioned symbol `readelf --dyn-syms` shows, sorted. */
function readelfUndefinedVersioned(file: string): string[] {
  const found: string[] = [];
  for (const line of readelf('-W', '--dyn-syms', file).split('\n')) {
    const m = /\sUND\s+([^@\s]+)@([^@\s]+)/.exec(line);
    if (m) found.push(`${m[1]}@${m[2]}`);
  }
  return found.sort();
}

const pairsOf = (needs: VersionNeed[]) => needs.map((n) => `${n.library} ${n.version}`);
const symbolsOf = (needs: VersionNeed[]) => needs.flatMap((n) => n.symbols.map((s) => `${s}@${n.version}`)).sort();

for (const file of [process.execPath, '/bin/ls']) {
  test(`a real binary of this machine: ${file}`, (t) => {
    const needs = readVersionNeeds(file);
    assert.ok(needs !== null && needs.length > 0, 'needs some versions');
    assert.ok(
      needs.some((n) => n.library === 'libc.so.6' && n.version.startsWith('GLIBC_2.')),
      'needs some GLIBC_2.*',
    );
    if (!hasReadelf) return t.skip('no readelf to compare with');
    assert.deepEqual(pairsOf(needs), readelfNeeds(file));
    const fromReadelf = readelfUndefinedVersioned(file);
    assert.ok(fromReadelf.length > 0);
    const [name, version] = fromReadelf[0].split('@');
    assert.ok(
      needs.some((n) => n.version === version && n.symbols.includes(name)),
      `${name}@${version}`,
    );
    assert.deepEqual(symbolsOf(needs), fromReadelf);
  });
}

// Synthetic shared objects: .shstrtab, .dynstr, .dynsym, .gnu.version and .gnu.version_r.

interface Shape {
  is64: boolean;
  le: boolean;
  /** false leaves out .gnu.version and .gnu.version_r. */
  verneed?: boolean;
  /** Section headers right after the ELF header rather than at the end of the file. */
  shdrFirst?: boolean;
  /** e_shnum 0 with the real count in section 0's sh_size, as for 0xff00 sections or more. */
  shnumInSection0?: boolean;
}

interface Built {
  bytes: Buffer;
  /** Where the section headers start, and where .gnu.version_r's data does. */
  shoff: number;
  verneedAt: number;
}

const NEEDS: [string, [string, number][]][] = [
  [
    'libc.so.6',
    [
      ['GLIBC_2.17', 2],
      ['GLIBC_2.34', 3],
    ],
  ],
  ['libgcc_s.so.1', [['GCC_3.0', 4]]],
];
// [name, st_shndx, versym]: the null symbol, three undefined ones (one with the hidden bit), and one
// defined here (SHN_ABS) whose version index must not make it a need.
const SYMBOLS: [string, number, number][] = [
  ['', 0, 0],
  ['memcpy', 0, 2],
  ['getrandom', 0, 3],
  ['__libc_start_main', 0, 0x8003],
  ['my_export', 0xfff1, 3],
];
const EXPECTED: VersionNeed[] = [
  { library: 'libc.so.6', version: 'GLIBC_2.17', symbols: ['memcpy'] },
  { library: 'libc.so.6', version: 'GLIBC_2.34', symbols: ['__libc_start_main', 'getrandom'] },
  { library: 'libgcc_s.so.1', version: 'GCC_3.0', symbols: [] },
];

function writers(le: boolean, is64: boolean) {
  const w16 = (b: Buffer, at: number, v: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const w32 = (b: Buffer, at: number, v: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const word = (b: Buffer, at: number, v: number) => (is64 ? w32(b, le ? at : at + 4, v) : w32(b, at, v));
  return { w16, w32, word };
}

function strings(list: string[]): { bytes: Buffer; at: (s: string) => number } {
  const offsets = new Map<string, number>();
  let text = '\0';
  for (const s of list) {
    offsets.set(s, text.length);
    text += `${s}\0`;
  }
  return { bytes: Buffer.from(text, 'latin1'), at: (s) => offsets.get(s) ?? 0 };
}

function buildElf(shape: Shape): Built {
  const { is64, le } = shape;
  const { w16, w32, word } = writers(le, is64);
  const symSize = is64 ? 24 : 16,
    shentsize = is64 ? 64 : 40,
    ehsize = is64 ? 64 : 52;

  const dynstr = strings([
    ...NEEDS.flatMap(([lib, vs]) => [lib, ...vs.map(([v]) => v)]),
    ...SYMBOLS.slice(1).map(([s]) => s),
  ]);
  const dynsym = Buffer.alloc(SYMBOLS.length * symSize);
  const versym = Buffer.alloc(SYMBOLS.length * 2);
  SYMBOLS.forEach(([name, shndx, ver], i) => {
    const o = i * symSize;
    w32(dynsym, o, dynstr.at(name));
    dynsym[o + (is64 ? 4 : 12)] = i === 0 ? 0 : 0x12; // STB_GLOBAL, STT_FUNC
    w16(dynsym, o + (is64 ? 6 : 14), shndx);
    w16(versym, 2 * i, ver);
  });
  const verneed = Buffer.alloc(16 * (NEEDS.length + NEEDS.reduce((n, [, vs]) => n + vs.length, 0)));
  let at = 0;
  NEEDS.forEach(([lib, versions], i) => {
    const size = 16 * (1 + versions.length);
    w16(verneed, at, 1);
    w16(verneed, at + 2, versions.length);
    w32(verneed, at + 4, dynstr.at(lib));
    w32(verneed, at + 8, 16);
    w32(verneed, at + 12, i === NEEDS.length - 1 ? 0 : size);
    versions.forEach(([version, other], k) => {
      const a = at + 16 * (k + 1);
      w16(verneed, a + 6, other);
      w32(verneed, a + 8, dynstr.at(version));
      w32(verneed, a + 12, k === versions.length - 1 ? 0 : 16);
    });
    at += size;
  });

  const sections = [
    { name: '.shstrtab', type: 3, data: Buffer.alloc(0), link: 0, info: 0, entsize: 0, align: 1 },
    { name: '.dynstr', type: 3, data: dynstr.bytes, link: 0, info: 0, entsize: 0, align: 1 },
    { name: '.dynsym', type: 11, data: dynsym, link: 2, info: 1, entsize: symSize, align: is64 ? 8 : 4 },
    ...(shape.verneed === false
      ? []
      : [
          { name: '.gnu.version', type: 0x6fffffff, data: versym, link: 3, info: 0, entsize: 2, align: 2 },
          {
            name: '.gnu.version_r',
            type: 0x6ffffffe,
            data: verneed,
            link: 2,
            info: NEEDS.length,
            entsize: 0,
            align: 4,
          },
        ]),
  ];
  const shstrtab = strings(sections.map((s) => s.name));
  sections[0].data = shstrtab.bytes;
  const shnum = sections.length + 1;
  const align = (n: number, a: number) => Math.ceil(n / a) * a;
  let pos = ehsize,
    shoff = 0;
  if (shape.shdrFirst) pos = (shoff = align(pos, 8)) + shnum * shentsize;
  const offsets = sections.map((s) => {
    pos = align(pos, s.align) + s.data.length;
    return pos - s.data.length;
  });
  if (!shape.shdrFirst) pos = (shoff = align(pos, 8)) + shnum * shentsize;

  const out = Buffer.alloc(pos);
  out.write('\x7fELF', 0, 'latin1');
  out[4] = is64 ? 2 : 1;
  out[5] = le ? 1 : 2;
  out[6] = 1;
  w16(out, 16, 3); // ET_DYN
  w16(out, 18, is64 ? (le ? 62 : 22) : le ? 3 : 8); // x86-64, s390, i386, mips
  w32(out, 20, 1);
  word(out, is64 ? 40 : 32, shoff);
  w16(out, is64 ? 52 : 40, ehsize);
  w16(out, is64 ? 58 : 46, shentsize);
  w16(out, is64 ? 60 : 48, shape.shnumInSection0 ? 0 : shnum);
  w16(out, is64 ? 62 : 50, 1);
  if (shape.shnumInSection0) word(out, shoff + (is64 ? 32 : 20), shnum);
  sections.forEach((s, i) => {
    const h = shoff + (i + 1) * shentsize;
    s.data.copy(out, offsets[i]);
    w32(out, h, shstrtab.at(s.name));
    w32(out, h + 4, s.type);
    word(out, h + (is64 ? 24 : 16), offsets[i]);
    word(out, h + (is64 ? 32 : 20), s.data.length);
    w32(out, h + (is64 ? 40 : 24), s.link);
    w32(out, h + (is64 ? 44 : 28), s.info);
    word(out, h + (is64 ? 48 : 32), s.align);
    word(out, h + (is64 ? 56 : 36), s.entsize);
  });
  return { bytes: out, shoff, verneedAt: offsets[4] ?? -1 };
}

const SHAPES: Shape[] = [];
for (const [is64, le] of [
  [false, false],
  [false, true],
  [true, true],
  [true, false],
]) {
  for (const shdrFirst of [false, true]) SHAPES.push({ is64, le, shdrFirst });
  SHAPES.push({ is64, le, shnumInSection0: true });
}
const describe = (s: Shape) =>
  `ELF${s.is64 ? 64 : 32} ${s.le ? 'LE' : 'BE'}${s.shdrFirst ? ', headers first' : ''}${s.shnumInSection0 ? ', e_shnum 0' : ''}`;

function write(name: string, bytes: Buffer | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Writes bytes and keeps the file open for cheap in-place edits: rewriting whole files per case is 5x slower. */
function scratch(name: string, bytes: Buffer): { file: string; fd: number } {
  const file = write(name, bytes);
  return { file, fd: fs.openSync(file, 'r+') };
}

/** The result, or the Error if it is a "malformed ELF: " one; anything else fails the test. */
function readOrMalformed(file: string): VersionNeed[] | null | Error {
  try {
    return readVersionNeeds(file);
  } catch (e) {
    assert.ok(
      e instanceof Error && e.constructor === Error && e.message.startsWith('malformed ELF: '),
      `unexpected ${String(e)}`,
    );
    return e;
  }
}
const MALFORMED = { name: 'Error', message: /^malformed ELF: / };

test('synthetic ELF files of both classes and byte orders give exactly their needs and symbols', (t) => {
  for (const shape of SHAPES) {
    const file = write('whole', buildElf(shape).bytes);
    assert.deepEqual(readVersionNeeds(file), EXPECTED, describe(shape));
    // readelf reads the needs the same way (its symbol versions need a .dynamic these files lack).
    if (hasReadelf) assert.deepEqual(readelfNeeds(file), pairsOf(EXPECTED), describe(shape));
  }
  if (!hasReadelf) t.skip('no readelf to cross-check the synthetic files');
});

test('not ELF gives null, ELF without .gnu.version_r gives []', () => {
  assert.equal(readVersionNeeds(write('text', 'hello, this is not an ELF file\n')), null);
  assert.equal(readVersionNeeds(write('empty', '')), null);
  assert.equal(readVersionNeeds(write('short', '\x7fEL')), null);
  assert.throws(() => readVersionNeeds(write('magic-only', '\x7fELF')), MALFORMED);
  for (const is64 of [false, true]) {
    assert.deepEqual(readVersionNeeds(write('no-verneed', buildElf({ is64, le: !is64, verneed: false }).bytes)), []);
  }
});

test('truncated at every length: null below 4 bytes, else "malformed ELF: " until whole', () => {
  for (const shape of SHAPES) {
    const { bytes } = buildElf(shape);
    const { file, fd } = scratch('cut', bytes);
    try {
      for (let len = bytes.length; len >= 0; len--) {
        fs.ftruncateSync(fd, len);
        const what = `${describe(shape)} cut to ${len} of ${bytes.length}`;
        // Every byte of these files is read, so any cut past the magic is malformed.
        if (len < 4) assert.equal(readVersionNeeds(file), null, what);
        else if (len < bytes.length) assert.throws(() => readVersionNeeds(file), MALFORMED, what);
        else assert.deepEqual(readVersionNeeds(file), EXPECTED, what);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  for (const shdrFirst of [false, true]) {
    const { bytes } = buildElf({ is64: true, le: true, verneed: false, shdrFirst });
    const { file, fd } = scratch('cut', bytes);
    try {
      for (let len = bytes.length; len >= 0; len--) {
        fs.ftruncateSync(fd, len);
        const r = readOrMalformed(file);
        assert.ok(r === null || r instanceof Error || r.length === 0, `cut to ${len}`);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
});

test('every byte corrupted: a result or "malformed ELF: ", never another error', () => {
  for (const shape of SHAPES) {
    const { bytes } = buildElf(shape);
    const { file, fd } = scratch('corrupt', bytes);
    try {
      for (let i = 0; i < bytes.length; i++) {
        for (const v of [0x00, 0xff, bytes[i] ^ 0x80, (bytes[i] + 1) & 0xff]) {
          fs.writeSync(fd, Buffer.of(v), 0, 1, i);
          readOrMalformed(file);
        }
        fs.writeSync(fd, bytes, i, 1, i);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
});

test('vn_next and vna_next walks that would revisit entries end as "malformed ELF: "', { timeout: 10_000 }, () => {
  for (const shape of [
    { is64: true, le: true },
    { is64: false, le: false },
  ]) {
    const { bytes, shoff, verneedAt } = buildElf(shape);
    const { w16, w32 } = writers(shape.le, shape.is64);
    const shInfo = shoff + 5 * (shape.is64 ? 64 : 40) + (shape.is64 ? 44 : 28);
    const second = verneedAt + 48; // after libc.so.6's entry and its two versions
    // Each patch makes a walk that, done naively, would loop or revisit an entry.
    const patches: Record<string, (b: Buffer) => void> = {
      // vn_next 0 is the entry itself; with sh_info claiming more entries a naive walk repeats it.
      'vn_next 0': (b) => {
        w32(b, verneedAt + 12, 0);
        w32(b, shInfo, 0xffffffff);
      },
      // A vn_next that wraps around to the first entry in 32-bit arithmetic.
      'vn_next wrapping around': (b) => {
        w32(b, second + 12, 2 ** 32 - 48);
        w32(b, shInfo, 0xffffffff);
      },
      // vna_next 0 with vn_cnt claiming more versions.
      'vna_next 0': (b) => {
        w16(b, verneedAt + 2, 0xffff);
        w32(b, verneedAt + 16 + 12, 0);
      },
      // Entries one byte apart: each walk step moves, but the entry budget runs out.
      'entries one byte apart': (b) => {
        w32(b, verneedAt + 12, 1);
        w32(b, shInfo, 0xffffffff);
      },
    };
    for (const [name, patch] of Object.entries(patches)) {
      const copy = Buffer.from(bytes);
      patch(copy);
      assert.throws(() => readVersionNeeds(write('cycle', copy)), MALFORMED, name);
    }
  }
});
