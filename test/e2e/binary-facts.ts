// What a compiled program is for, read from its header: ELF machine, class and byte order (and whether
// it asks for a dynamic loader), or a PE's machine. And what it should be for a triple.
import * as fs from 'node:fs';

export interface BinaryFacts {
  format: 'elf' | 'pe';
  machine: number;
  bits?: 32 | 64;
  endian?: 'little' | 'big';
  /** ELF: it has a PT_INTERP (needs ld.so); false for a static program. */
  dynamic?: boolean;
}

export function binaryFacts(file: string): BinaryFacts | undefined {
  const b = fs.readFileSync(file);
  if (b.length > 0x40 && b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') return undefined;
    return { format: 'pe', machine: b.readUInt16LE(pe + 4) };
  }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const bits = b[4] === 2 ? 64 : 32;
  const big = b[5] === 2;
  const u16 = (o: number) => (big ? b.readUInt16BE(o) : b.readUInt16LE(o));
  const u32 = (o: number) => (big ? b.readUInt32BE(o) : b.readUInt32LE(o));
  const word = (o: number) => (bits === 64 ? Number(big ? b.readBigUInt64BE(o) : b.readBigUInt64LE(o)) : u32(o));
  const phoff = word(bits === 64 ? 0x20 : 0x1c);
  const phentsize = u16(bits === 64 ? 0x36 : 0x2a);
  const phnum = u16(bits === 64 ? 0x38 : 0x2c);
  let dynamic = false;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) dynamic = true;
  return { format: 'elf', machine: u16(18), bits, endian: big ? 'big' : 'little', dynamic };
}

/** Rust's std::env::consts::ARCH for a triple (what the example prints). */
export function rustArch(triple: string): string {
  const cpu = triple.split('-')[0];
  if (/^(arm|thumb)/.test(cpu)) return 'arm';
  if (/^i[3-6]86$/.test(cpu)) return 'x86';
  if (cpu === 'powerpc64le') return 'powerpc64';
  if (cpu.startsWith('riscv64')) return 'riscv64';
  return cpu;
}

// e_machine, class and byte order per Rust arch (ELF's own numbers: EM_386 3, EM_MIPS 8, EM_PPC64 21,
// EM_S390 22, EM_ARM 40, EM_X86_64 62, EM_AARCH64 183, EM_RISCV 243).
const ELF: Record<string, [number, 32 | 64, 'little' | 'big']> = {
  x86: [3, 32, 'little'],
  mips: [8, 32, 'big'],
  powerpc64: [21, 64, 'little'],
  s390x: [22, 64, 'big'],
  arm: [40, 32, 'little'],
  x86_64: [62, 64, 'little'],
  aarch64: [183, 64, 'little'],
  riscv64: [243, 64, 'little'],
};

/** The header facts a program built for the triple must have (without `dynamic`). */
export function expectedBinary(triple: string): BinaryFacts {
  if (triple.includes('-windows-')) return { format: 'pe', machine: 0x8664 };
  const e = ELF[rustArch(triple)];
  if (!e) throw new Error(`binary-facts: no ELF facts for ${triple}: add its arch`);
  return { format: 'elf', machine: e[0], bits: e[1], endian: e[2] };
}

/** The facts, less those `expected` does not name (a dynamic loader or not, for instance). */
export function factsLike(file: string, expected: BinaryFacts): Partial<BinaryFacts> | undefined {
  const f = binaryFacts(file);
  if (!f) return undefined;
  return Object.fromEntries(Object.keys(expected).map((k) => [k, f[k as keyof BinaryFacts]]));
}
