// xcross targets: the registry as a table, JSON, or the README's markdown table.
import { loadRegistry, type Registry, type TargetSpec } from '../targets/registry';
import { targetImageRef } from '../images/tag';

export type TargetsFormat = 'table' | 'json' | 'markdown';

interface Row {
  target: string;
  debArch: string;
  cc: string;
  qemu: string;
  gcc: string;
  libc: string;
  openssl: string;
  qemuVersion: string;
  rustc: string;
  image: string;
}

function row(r: Registry, t: TargetSpec): Row {
  return {
    target: t.triple,
    debArch: t.debArch,
    cc: t.cc,
    qemu: t.qemuBinary,
    gcc: t.pins.gcc,
    libc: t.pins.libc,
    openssl: t.pins.openssl,
    qemuVersion: t.pins.qemu,
    rustc: t.rustStd ? t.pins.rustc : 'none (no Debian std)',
    image: targetImageRef(r.base, t),
  };
}

// Column, terminal heading, README heading.
const HEADERS: [keyof Row, string, string][] = [
  ['target', 'TARGET', 'Target'], ['debArch', 'DEBIAN ARCH', 'Debian arch'], ['cc', 'C COMPILER', 'C compiler'],
  ['qemu', 'QEMU', 'Emulator'], ['gcc', 'GCC', 'gcc'], ['libc', 'GLIBC', 'glibc'], ['openssl', 'OPENSSL', 'OpenSSL'],
  ['qemuVersion', 'QEMU VER', 'QEMU'], ['rustc', 'IMAGE RUSTC', 'Image rustc'],
];

export function renderTargets(format: TargetsFormat, registry: Registry = loadRegistry()): string {
  const rows = registry.targets.map((t) => row(registry, t));
  if (format === 'json') return JSON.stringify({ targets: rows }, null, 2) + '\n';
  if (format === 'markdown') {
    const head = HEADERS.map(([, , h]) => h);
    const lines = [`| ${head.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
    for (const r of rows) lines.push(`| ${HEADERS.map(([k]) => (k === 'target' || k === 'cc' || k === 'qemu' ? `\`${r[k]}\`` : r[k])).join(' | ')} |`);
    return lines.join('\n') + '\n';
  }
  const cols: [keyof Row, string][] = [...HEADERS.map(([k, h]): [keyof Row, string] => [k, h]), ['image', 'IMAGE']];
  const widths = cols.map(([k, h]) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(cols.map(([, h]) => h)), ...rows.map((r) => fmt(cols.map(([k]) => r[k])))].join('\n') + '\n';
}
