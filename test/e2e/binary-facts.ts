// What a compiled program is for, read from its header: ELF machine, class and byte order (and whether
// it asks for a dynamic loader), or a PE's machine. And what it should be for a target (its cpu in
// images/targets.toml).
import * as fs from 'node:fs';
import type { TargetSpec } from '../../src/targets/registry';

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

/** The header facts a program built for the target must have (without `dynamic`): from its cpu. */
export function expectedBinary(t: TargetSpec): BinaryFacts {
  // PE machine numbers: IMAGE_FILE_MACHINE_AMD64 and _I386.
  if (t.runner.kind === 'wine') return { format: 'pe', machine: t.cpu.elf.bits === 64 ? 0x8664 : 0x14c };
  return { format: 'elf', machine: t.cpu.elf.machine, bits: t.cpu.elf.bits, endian: t.cpu.elf.endian };
}

/** The facts, less those `expected` does not name (a dynamic loader or not, for instance). */
export function factsLike(file: string, expected: BinaryFacts): Partial<BinaryFacts> | undefined {
  const f = binaryFacts(file);
  if (!f) return undefined;
  return Object.fromEntries(Object.keys(expected).map((k) => [k, f[k as keyof BinaryFacts]]));
}
