// xcross targets: the registry as a table, JSON, or the README's markdown table.
import { imageHasStd, loadRegistry, type Registry, type TargetSpec } from '../targets/registry';
import { HOST_CPUS } from '../targets/host-arch';
import { targetImageRef } from '../images/tag';

export type TargetsFormat = 'table' | 'json' | 'markdown';

/** One target as `--json` prints it. Fields are only ever added, never renamed: scripts read them. */
interface Row {
  target: string;
  debArch: string;
  cc: string;
  /** The qemu-user binary, or "none" (wine, qemu-system: see `tests`). */
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
  /** Where the image's Rust std comes from, in words: "built in the image (...)", "Debian package (...)", "host rustup (...)". */
  std: string;
  /** The same as one word: "build", "debian" or "host". */
  stdSource: 'build' | 'debian' | 'host';
  /** How the image got its OpenSSL: "debian" (Debian's package), "source" (built in the image) or "none". */
  opensslSource: 'debian' | 'source' | 'none';
  /** How `xcross test` and `xcross run` start the target's programs. */
  tests: string;
  /** The glibc floors the target offers (`--glibc X.Y`), oldest first; [] without glibc. */
  glibcFloors: string[];
  image: string;
}

function stdSource(t: TargetSpec): Row['stdSource'] {
  return t.std.kind === 'build' ? 'build' : t.std.kind === 'host' ? 'host' : 'debian';
}

const STD_WORDS: Record<Row['stdSource'], string> = {
  build: 'built in the image',
  debian: 'Debian package',
  host: 'host rustup',
};

function stdWords(t: TargetSpec): string {
  const pkg = `${t.rust.stdPackage}:${t.debArch}`;
  switch (t.std.kind) {
    case 'deb':
      return `${STD_WORDS.debian} (${pkg})`;
    case 'deb-suite':
      return `${STD_WORDS.debian} (${t.std.suite}'s ${pkg}, the same rustc build)`;
    case 'build':
      return `${STD_WORDS.build} (${t.std.crates.join(', ')}, from ${t.rust.srcPackage})`;
    case 'host':
      return t.rustupStd
        ? `${STD_WORDS.host} (rustup target add ${t.triple})`
        : `${STD_WORDS.host} (none: tier 3, -Zbuild-std only)`;
  }
}

function tests(t: TargetSpec): string {
  if (t.runner.kind === 'wine') return `wine ${t.pins.wine} (x86_64 hosts)`;
  if (t.runner.kind === 'qemu-system') return `${t.runner.binary} ${t.pins.qemu} (board ${t.runner.machine})`;
  if (t.runner.kind === 'image') return "the image's CARGO_TARGET_<T>_RUNNER";
  const qemu = `${t.runner.binary.replace(/-static$/, '')} ${t.pins.qemu}`;
  // Only the CPUs xcross itself runs on (Node's architectures) are hosts it can run natively on.
  const native = t.runner.nativeOn.filter((c) => HOST_CPUS.has(c));
  return native.length ? `${qemu}; native on ${native.join(', ')} hosts` : qemu;
}

function row(r: Registry, t: TargetSpec): Row {
  return {
    target: t.triple,
    debArch: t.debArch,
    cc: t.cc,
    qemu: t.runner.kind === 'qemu-user' ? t.runner.binary : 'none',
    gcc: t.pins.gcc,
    libc: t.pins.libc,
    libcName: t.libc.kind,
    openssl: t.pins.openssl,
    qemuVersion: t.pins.qemu,
    wine: t.pins.wine ?? 'none',
    rustc: imageHasStd(t) ? t.pins.rustc : 'host rustup only',
    std: stdWords(t),
    stdSource: stdSource(t),
    opensslSource: t.openssl.kind === 'deb' ? 'debian' : t.openssl.kind,
    tests: tests(t),
    glibcFloors: t.glibcFloors,
    image: targetImageRef(r.base, t),
  };
}

// Column, terminal heading, README heading, and how a cell reads.
type Column = [string, string, (x: Row) => string];
const COLUMNS: Column[] = [
  ['TARGET', 'Target', (x) => x.target],
  ['DEBIAN ARCH', 'Debian arch', (x) => x.debArch || '-'],
  ['C COMPILER', 'C compiler', (x) => x.cc],
  ['LIBC', 'C library', (x) => `${x.libcName} ${x.libc}`],
  ['GLIBC FLOORS', 'glibc floors', (x) => floors(x)],
  ['OPENSSL', 'OpenSSL', (x) => (x.opensslSource === 'source' ? `${x.openssl} (built)` : x.openssl)],
  ['GCC', 'gcc', (x) => x.gcc],
  ['IMAGE RUSTC', 'Image rustc', (x) => x.rustc],
  ['RUST STD', 'Rust std', (x) => STD_WORDS[x.stdSource]],
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
