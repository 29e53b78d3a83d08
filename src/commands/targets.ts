// xcross targets: the registry as a table, JSON, or the README's markdown table.
import { loadRegistry, type Registry, type TargetSpec } from '../targets/registry';
import { HOST_CPUS } from '../targets/host-arch';
import { targetImageRef } from '../images/tag';

export type TargetsFormat = 'table' | 'json' | 'markdown';

/** One target as `--json` prints it. Fields are only ever added, never renamed: scripts read them. */
interface Row {
  target: string;
  debArch: string;
  cc: string;
  /** The qemu-user binary, or "none" (wine). */
  qemu: string;
  gcc: string;
  /** The C library's version; `libcName` says which library. */
  libc: string;
  libcName: string;
  openssl: string;
  qemuVersion: string;
  /** The wine version for Windows targets, else "none". */
  wine: string;
  /** The image's rustc when it has the target's std, else "host rustup only". */
  rustc: string;
  /** Where the image's Rust std comes from. */
  std: string;
  /** How `xcross test` and `xcross run` start the target's programs. */
  tests: string;
  /** The glibc floors the target offers (`--glibc X.Y`), oldest first; [] without glibc. */
  glibcFloors: string[];
  image: string;
}

function stdSource(r: Registry, t: TargetSpec): string {
  switch (t.std.kind) {
    case 'multiarch':
      return `Debian ${r.base.suite} (${t.toolchain.stdPackage})`;
    case 'suite':
      return `Debian ${t.std.suite} (${t.toolchain.stdPackage}, same rustc build)`;
    case 'packages':
      return `Debian ${r.base.suite} (${t.packages.find((p) => p.startsWith('libstd-rust')) ?? 'its packages'})`;
    case 'host':
      return t.rustupStd ? `host rustup (rustup target add ${t.triple})` : 'none: tier 3, -Zbuild-std only';
  }
}

function tests(t: TargetSpec): string {
  if (t.runner === 'wine') return `wine ${t.pins.wine} (x86_64 hosts)`;
  const qemu = `${(t.qemuBinary ?? '').replace(/-static$/, '')} ${t.pins.qemu}`;
  // Only the CPUs xcross itself runs on (Node's architectures) are hosts it can run natively on.
  const native = t.nativeOn.filter((c) => HOST_CPUS.has(c));
  return native.length ? `${qemu}; native on ${native.join(', ')} hosts` : qemu;
}

function row(r: Registry, t: TargetSpec): Row {
  return {
    target: t.triple,
    debArch: t.debArch,
    cc: t.cc,
    qemu: t.qemuBinary ?? 'none',
    gcc: t.pins.gcc,
    libc: t.pins.libc,
    libcName: t.libcName,
    openssl: t.pins.openssl,
    qemuVersion: t.pins.qemu,
    wine: t.pins.wine ?? 'none',
    rustc: t.rustStd ? t.pins.rustc : 'host rustup only',
    std: stdSource(r, t),
    tests: tests(t),
    glibcFloors: t.glibcFloors,
    image: targetImageRef(r.base, t),
  };
}

// Column, terminal heading, README heading, and how a cell reads.
type Column = [string, string, (x: Row) => string];
const COLUMNS: Column[] = [
  ['TARGET', 'Target', (x) => x.target],
  ['DEBIAN ARCH', 'Debian arch', (x) => x.debArch],
  ['C COMPILER', 'C compiler', (x) => x.cc],
  ['LIBC', 'C library', (x) => `${x.libcName} ${x.libc}`],
  ['GLIBC FLOORS', 'glibc floors', (x) => floors(x)],
  ['OPENSSL', 'OpenSSL', (x) => x.openssl],
  ['GCC', 'gcc', (x) => x.gcc],
  ['IMAGE RUSTC', 'Image rustc', (x) => x.rustc],
  ['TESTS RUN UNDER', 'Tests run under', (x) => x.tests],
];
/** "2.31, 2.36 (default)": the default is the image's own libc. */
function floors(x: Row): string {
  if (x.glibcFloors.length === 0) return '-';
  return x.glibcFloors.map((f) => (f === x.libc ? `${f} (default)` : f)).join(', ');
}

const CODE = new Set(['Target', 'C compiler']);

export function renderTargets(format: TargetsFormat, registry: Registry = loadRegistry()): string {
  const rows = registry.targets.map((t) => row(registry, t));
  if (format === 'json') return JSON.stringify({ targets: rows }, null, 2) + '\n';
  if (format === 'markdown') {
    const lines = [`| ${COLUMNS.map(([, h]) => h).join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`];
    for (const r of rows)
      lines.push(`| ${COLUMNS.map(([, h, cell]) => (CODE.has(h) ? `\`${cell(r)}\`` : cell(r))).join(' | ')} |`);
    return lines.join('\n') + '\n';
  }
  const cols: Column[] = [...COLUMNS, ['IMAGE', 'Image', (x) => x.image]];
  const cells = rows.map((r) => cols.map(([, , cell]) => cell(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const fmt = (line: string[]) =>
    line
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [fmt(cols.map(([h]) => h)), ...cells.map(fmt)].join('\n') + '\n';
}
