// After each build xcross checks that a binary needs no newer glibc/libstdc++/libgcc symbol versions
// than the target's glibc floor; this reads those needs in process instead of spawning readelf per file.
import * as fs from 'node:fs';

export interface VersionNeed {
  /** The library that must provide the version, e.g. "libc.so.6". */
  library: string;
  /** e.g. "GLIBC_2.34", "GLIBCXX_3.4.28", "CXXABI_1.3.12", "GCC_4.2.0". */
  version: string;
  /** Undefined dynamic symbols bound to this version (names without @...), sorted, may be empty. */
  symbols: string[];
}

const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

/** null when the file is not an ELF file (first four bytes are not \x7fELF). An ELF file without a .gnu.version_r section gives []. Throws an Error whose message starts with "malformed ELF: " when the ELF is truncated or its offsets/sizes point outside the file or are inconsistent (never an uncaught RangeError, never an infinite loop: bound every vn_next/vna_next walk by the section size and entry count). */
/** Where a section header's fields sit (Elf64_Shdr, Elf32_Shdr); the wide ones are 8 bytes in ELF64. */
const ELF64_SHDR = { offset: 24, size: 32, link: 40, info: 44, entsize: 56 };
const ELF32_SHDR = { offset: 16, size: 20, link: 24, info: 28, entsize: 36 };

export function readVersionNeeds(file: string): VersionNeed[] | null {
  const fd = fs.openSync(file, 'r');
  try {
    return readFd(fd, fs.fstatSync(fd).size, file);
  } finally {
    fs.closeSync(fd);
  }
}

function readFd(fd: number, fileSize: number, file: string): VersionNeed[] | null {
  const bad = (what: string) => new Error(`malformed ELF: ${file}: ${what}`);
  // Every read is checked against the file size first, so a bad offset is an error, not a RangeError.
  const read = (offset: number, length: number, what: string): Buffer => {
    if (offset > fileSize || length > fileSize - offset) throw bad(`${what} lies outside the file`);
    const buf = Buffer.allocUnsafe(length);
    for (let done = 0; done < length;) {
      const n = fs.readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) throw bad(`${what} is cut short`); // the file shrank while we read it
      done += n;
    }
    return buf;
  };

  if (fileSize < 4) return null;
  const ehdr = read(0, Math.min(fileSize, 64), 'ELF header');
  if (ehdr.readUInt32BE(0) !== 0x7f454c46) return null;
  if (ehdr.length < 52) throw bad('truncated ELF header');
  const cls = ehdr[4],
    data = ehdr[5];
  if (cls !== 1 && cls !== 2) throw bad(`unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw bad(`unknown byte order ${data}`);
  const is64 = cls === 2,
    le = data === 1;
  if (is64 && ehdr.length < 64) throw bad('truncated ELF header');

  const u16 = le ? (b: Buffer, o: number) => b.readUInt16LE(o) : (b: Buffer, o: number) => b.readUInt16BE(o);
  const u32 = le ? (b: Buffer, o: number) => b.readUInt32LE(o) : (b: Buffer, o: number) => b.readUInt32BE(o);
  // 64-bit offsets and sizes without BigInt; anything past 2^53 cannot point inside a file anyway.
  const u64 = (b: Buffer, o: number) => {
    const hi = u32(b, le ? o + 4 : o),
      lo = u32(b, le ? o : o + 4);
    if (hi >= 0x200000) throw bad('64-bit offset or size beyond 2^53');
    return hi * 0x100000000 + lo;
  };
  const word = is64 ? u64 : u32;

  const shoff = word(ehdr, is64 ? 40 : 32);
  const shentsize = u16(ehdr, is64 ? 58 : 46);
  let shnum = u16(ehdr, is64 ? 60 : 48);
  if (shoff === 0) return []; // no section headers, so no .gnu.version_r to find
  if (shentsize < (is64 ? 64 : 40)) throw bad(`section header size ${shentsize} is too small`);
  // With 0xff00 sections or more, e_shnum is 0 and section 0's sh_size holds the count.
  if (shnum === 0) shnum = word(read(shoff, shentsize, 'section header 0'), is64 ? 32 : 20);
  const table = read(shoff, shnum * shentsize, 'section header table');
  const sections: Section[] = [];
  for (let i = 0, o = 0; i < shnum; i++, o += shentsize) {
    const at = is64 ? ELF64_SHDR : ELF32_SHDR;
    const wide = is64 ? u64 : u32;
    sections.push({
      type: u32(table, o + 4),
      offset: wide(table, o + at.offset),
      size: wide(table, o + at.size),
      link: u32(table, o + at.link),
      info: u32(table, o + at.info),
      entsize: wide(table, o + at.entsize),
    });
  }
  const find = (type: number) => sections.findIndex((s) => s.type === type);
  const vi = find(SHT_GNU_VERNEED);
  if (vi < 0) return [];

  const readSection = (i: number, what: string) => read(sections[i].offset, sections[i].size, what);
  const strtabs = new Map<number, Buffer>(); // .gnu.version_r and .dynsym normally share .dynstr
  const strtab = (link: number, what: string): Buffer => {
    if (link === 0 || link >= shnum) throw bad(`${what} links to missing string table section ${link}`);
    let tab = strtabs.get(link);
    if (tab === undefined) strtabs.set(link, (tab = readSection(link, `string table of ${what}`)));
    return tab;
  };
  const str = (tab: Buffer, off: number, what: string): string => {
    const end = off < tab.length ? tab.indexOf(0, off) : -1;
    if (end < 0) throw bad(`${what} name at ${off} is outside its string table`);
    return tab.toString('utf8', off, end);
  };

  // Verneed and Vernaux entries are 16 bytes in both classes. Next-offsets are unsigned and must be
  // nonzero until the count is reached, so walks only go forward; the budget also stops overlapping
  // entries from multiplying the work.
  const vn = sections[vi];
  const verneed = readSection(vi, '.gnu.version_r');
  const names = strtab(vn.link, '.gnu.version_r');
  const needs: VersionNeed[] = [];
  const byIndex = new Map<number, VersionNeed>();
  let budget = Math.floor(verneed.length / 16);
  for (let n = 0, at = 0; n < vn.info; n++) {
    if (--budget < 0) throw bad('more .gnu.version_r entries than fit in the section');
    if (at > verneed.length - 16) throw bad('.gnu.version_r entry outside the section');
    if (u16(verneed, at) !== 1) throw bad(`unknown .gnu.version_r version ${u16(verneed, at)}`);
    const cnt = u16(verneed, at + 2),
      next = u32(verneed, at + 12);
    const library = str(names, u32(verneed, at + 4), 'library');
    for (let k = 0, a = at + u32(verneed, at + 8); k < cnt; k++) {
      if (--budget < 0) throw bad('more .gnu.version_r entries than fit in the section');
      if (a > verneed.length - 16) throw bad('.gnu.version_r aux entry outside the section');
      const need: VersionNeed = { library, version: str(names, u32(verneed, a + 8), 'version'), symbols: [] };
      needs.push(need);
      const other = u16(verneed, a + 6);
      if (other >= 2) byIndex.set(other, need); // 0 and 1 mean local and global, never a need
      const anext = u32(verneed, a + 12);
      if (anext === 0 && k < cnt - 1) throw bad(`vna_next ends ${library}'s versions before vn_cnt ${cnt}`);
      a += anext;
    }
    if (next === 0 && n < vn.info - 1) throw bad(`vn_next ends .gnu.version_r before its ${vn.info} entries`);
    at += next;
  }

  const si = find(SHT_DYNSYM),
    vsi = find(SHT_GNU_VERSYM);
  if (needs.length === 0 || si < 0 || vsi < 0) return needs;
  const symSize = is64 ? 24 : 16,
    shndxAt = is64 ? 6 : 14;
  if (sections[si].entsize !== 0 && sections[si].entsize !== symSize)
    throw bad(`.dynsym entry size ${sections[si].entsize}`);
  const count = Math.floor(sections[si].size / symSize);
  const syms = readSection(si, '.dynsym');
  const versym = readSection(vsi, '.gnu.version');
  if (versym.length < count * 2) throw bad('.gnu.version has fewer entries than .dynsym');
  const symNames = strtab(sections[si].link, '.dynsym');
  for (let i = 1, o = symSize; i < count; i++, o += symSize) {
    // Defined here, so not needed from a library; byte tests keep this loop cheap for 10^5 symbols.
    if (syms[o + shndxAt] !== 0 || syms[o + shndxAt + 1] !== 0) continue;
    const need = byIndex.get(u16(versym, 2 * i) & 0x7fff); // 0x8000 is the "hidden" bit
    const name = u32(syms, o);
    if (need !== undefined && name !== 0) need.symbols.push(str(symNames, name, 'symbol'));
  }
  for (const need of needs) need.symbols.sort();
  return needs;
}
