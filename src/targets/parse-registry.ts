// images/targets.toml into a Registry: every table and key checked, each axis read into its union
// (an unknown word is an error naming the words it may be), a target row resolved over its family.
import { XcrossError } from '../base/errors';
import { TomlReader, type TomlTable } from '../config/toml';
import { nearest } from './nearest';
import { floorsFor, parseFloors, type GlibcFloor } from './glibc-floor';
import type {
  BaseSpec,
  Cpu,
  Libc,
  Link,
  OpensslSource,
  Pins,
  Registry,
  Runner,
  RustSpec,
  StdSource,
  TargetSpec,
} from './registry';

/** What `std = "build"` builds unless `std-crates` says otherwise: enough for `cargo test`. */
export const DEFAULT_STD_CRATES = ['std', 'panic_unwind', 'panic_abort', 'test', 'proc_macro'];

// The keys a family may set for its targets; a target row may set them too, and its own keys besides.
const FAMILY_KEYS = [
  'libc',
  'libs',
  'std',
  'std-crates',
  'openssl',
  'runner',
  'linker',
  'gcc',
  'libc-version',
  'openssl-version',
  'wine',
  'unwinder',
  'unwinder-version',
  'lld-version',
  'packages',
];
const TARGET_KEYS = [
  ...FAMILY_KEYS,
  'family',
  'cpu',
  'deb-arch',
  'gnu',
  'cc-prefix',
  'cc-flags',
  'native-on',
  'rustup-std',
  'image',
  'machine',
  'qemu-cpu',
];
const TOP_KEYS = ['base', 'rust', 'glibc', 'cpu', 'family', 'tests', 'target'];

export function parseRegistry(table: TomlTable, file: string): Registry {
  const root = new TomlReader(table, file);
  knownKeys(root, TOP_KEYS);
  const b = table$(root, 'base');
  knownKeys(b, ['suite', 'registry', 'offline', 'offline-tarball', 'image-prefix', 'qemu']);
  const base: BaseSpec = {
    suite: b.string('suite'),
    registry: b.string('registry'),
    offline: b.string('offline'),
    offlineTarball: b.string('offline-tarball'),
    imagePrefix: b.string('image-prefix'),
    qemu: b.string('qemu'),
  };
  const r = table$(root, 'rust');
  knownKeys(r, ['name', 'packages', 'std-package', 'src-package', 'rustc', 'sccache']);
  const rust: RustSpec = {
    name: r.string('name'),
    packages: r.stringArray('packages'),
    stdPackage: r.string('std-package'),
    srcPackage: r.string('src-package'),
    rustc: r.string('rustc'),
    sccache: r.optString('sccache'),
  };
  const floors = parseFloors(root.optTable('glibc'), base.suite, file);
  const cpus = tablesOf(table$(root, 'cpu'), parseCpu);
  const families = tablesOf(table$(root, 'family'), (f) => {
    knownKeys(f, FAMILY_KEYS);
    return f;
  });
  const rows = table$(root, 'target');
  const targets = rows.keys().map((triple) => {
    const row = rows.optTable(triple)!;
    knownKeys(row, TARGET_KEYS);
    const familyName = row.string('family');
    const family = families.get(familyName) ?? unknownWord(row, 'family', familyName, [...families.keys()]);
    const cpuName = row.string('cpu');
    const cpu = cpus.get(cpuName) ?? unknownWord(row, 'cpu', cpuName, [...cpus.keys()]);
    return parseTarget(new Row(triple, familyName, row, family), cpu, base, rust, floors);
  });
  const tests = root.optTable('tests');
  if (tests) knownKeys(tests, ['ci']);
  const ciTargets = tests?.optStringArray('ci') ?? [];
  for (const triple of ciTargets)
    if (!targets.some((t) => t.triple === triple))
      unknownWord(
        tests!,
        'ci',
        triple,
        targets.map((t) => t.triple),
      );
  return { base, rust, floors, targets, ciTargets };
}

/** A target row over its family: a key the row lacks comes from the family. */
class Row {
  constructor(
    readonly triple: string,
    readonly familyName: string,
    readonly row: TomlReader,
    readonly family: TomlReader,
  ) {}

  private from(key: string): TomlReader {
    return this.row.has(key) ? this.row : this.family;
  }
  has(key: string): boolean {
    return this.row.has(key) || this.family.has(key);
  }
  optString(key: string): string | undefined {
    return this.from(key).optString(key);
  }
  string(key: string): string {
    return this.optString(key) ?? this.fail(`${this.row.name(key)} is missing, and family.${this.familyName} has none`);
  }
  optStringArray(key: string): string[] | undefined {
    return this.from(key).optStringArray(key);
  }
  /** One of a fixed list of words. */
  word<T extends string>(key: string, words: readonly T[]): T {
    const v = this.string(key);
    if (!(words as readonly string[]).includes(v)) unknownWord(this.from(key), key, v, words);
    return v as T;
  }
  /**
   * A key that makes no sense with the value of `choice` (a row that sets openssl = "none" makes its
   * family's openssl-version moot): an error when the row sets it, or when the family sets both.
   */
  refuse(key: string, choice: string, why: string): void {
    const contradicts = this.row.has(key) || (this.family.has(key) && !this.row.has(choice));
    if (contradicts) this.fail(`${this.from(key).where(key)}: ${this.from(key).name(key)} is set, but ${why}`);
  }
  fail(message: string): never {
    throw new XcrossError(message, {
      fix: `correct target.${this.triple} or family.${this.familyName} in ${this.row.origin.file}`,
    });
  }
}

function parseTarget(row: Row, cpu: Cpu, base: BaseSpec, rust: RustSpec, floors: GlibcFloor[]): TargetSpec {
  const triple = row.triple;
  const gnu = row.string('gnu');
  const ccPrefix = row.optString('cc-prefix') ?? gnu;
  const ccFlags = row.optStringArray('cc-flags') ?? [];
  if (ccFlags.length > 0 && ccPrefix === gnu)
    row.fail(
      `target.${triple}.cc-flags needs a cc-prefix of its own: the flags are added by wrappers with that prefix`,
    );
  const libc = parseLibc(row);
  const std = parseStd(row);
  if (std.kind === 'deb' && !(libc.kind === 'glibc' && libc.layout === 'multiarch'))
    row.fail(
      `target.${triple}: std = "deb" needs libs = "multiarch" (the std's package depends on the multiarch libc)`,
    );
  const openssl = parseOpenssl(row);
  const opensslVersion = openssl.kind === 'none' ? 'none' : row.string('openssl-version');
  if (openssl.kind === 'none') row.refuse('openssl-version', 'openssl', 'openssl is "none"');
  if (openssl.kind !== 'none' && libc.kind !== 'glibc')
    row.fail(`target.${triple}: openssl = "${openssl.kind}" needs libc = "glibc"`);
  const runner = parseRunner(row, cpu, libc, gnu);
  const wine = runner.kind === 'wine' ? row.string('wine') : undefined;
  if (runner.kind !== 'wine') row.refuse('wine', 'runner', 'its programs do not run under wine');
  const link = parseLink(row, libc);
  const pins: Pins = {
    gcc: row.string('gcc'),
    libc: row.string('libc-version'),
    openssl: opensslVersion,
    qemu: base.qemu,
    rustc: rust.rustc,
    ...(wine ? { wine } : {}),
    ...(link.kind === 'self-contained' && link.unwinder.kind === 'deb'
      ? { unwinder: row.string('unwinder-version') }
      : {}),
    ...(link.kind === 'rust-lld' ? { lld: row.string('lld-version') } : {}),
  };
  if (link.kind !== 'rust-lld') row.refuse('lld-version', 'linker', 'linker is not "rust-lld"');
  for (const [k, v] of Object.entries(pins))
    if (!/^\d+(\.\d+)*$/.test(v) && !(k === 'openssl' && v === 'none'))
      row.fail(`target.${triple}: the ${k} pin is "${v}", not a version like 1.2.3`);
  let glibc: GlibcFloor | undefined;
  if (libc.kind === 'glibc') {
    glibc = floors.find((f) => f.isDefault)!;
    if (pins.libc !== glibc.version)
      row.fail(
        `target.${triple}: libc-version is ${pins.libc}, but the ${base.suite} floor is glibc."${glibc.version}"`,
      );
  }
  // Bare metal has no Debian architecture: nothing of the target is a multiarch package.
  if (libc.kind === 'newlib') row.refuse('deb-arch', 'libc', 'libc is "newlib" (bare metal: no Debian architecture)');
  const debArch = libc.kind === 'newlib' ? '' : row.string('deb-arch');
  return {
    triple,
    family: row.familyName,
    cpu,
    debArch,
    gnu,
    ccPrefix,
    ccFlags,
    linker: link.kind === 'self-contained' ? `${gnu}-gcc` : link.kind === 'rust-lld' ? 'rust-lld' : `${ccPrefix}-gcc`,
    link,
    cc: `${ccPrefix}-gcc`,
    cxx: `${ccPrefix}-g++`,
    ar: `${ccPrefix}-ar`,
    libc,
    std,
    openssl,
    runner,
    rustupStd: row.row.optBool('rustup-std') ?? true,
    rust,
    packages: row.optStringArray('packages') ?? [],
    imageName: row.row.optString('image') ?? `${base.imagePrefix}/${triple}`,
    pins,
    glibc,
    glibcFloors: glibc ? floorsFor(floors, debArch).map((f) => f.version) : [],
  };
}

function parseLibc(row: Row): Libc {
  const kind = row.word('libc', ['glibc', 'musl', 'mingw-w64', 'newlib'] as const);
  if (kind !== 'glibc') {
    row.refuse('libs', 'libc', `libc is "${kind}" (libs says how glibc gets into the image)`);
    return { kind };
  }
  return { kind, layout: row.word('libs', ['multiarch', 'sysroot'] as const) };
}

function parseStd(row: Row): StdSource {
  const v = row.string('std');
  if (v !== 'build') row.refuse('std-crates', 'std', `std is "${v}" (std-crates says what std = "build" builds)`);
  if (v === 'deb' || v === 'host') return { kind: v };
  if (v === 'build') return { kind: v, crates: row.optStringArray('std-crates') ?? DEFAULT_STD_CRATES };
  const suite = /^deb:([a-z]+)$/.exec(v)?.[1];
  if (suite) return { kind: 'deb-suite', suite };
  return row.fail(
    `target.${row.triple}: std is "${v}": it must be deb, deb:<Debian suite> (deb:trixie), build or host (see the families' comment in images/targets.toml)`,
  );
}

function parseLink(row: Row, libc: Libc): Link {
  const kind = row.word('linker', ['cc', 'self-contained', 'rust-lld'] as const);
  if (kind === 'cc' || kind === 'rust-lld') {
    row.refuse('unwinder', 'linker', 'linker is "cc" (unwinder says what a self-contained link uses)');
    row.refuse('unwinder-version', 'linker', 'linker is "cc"');
    return { kind };
  }
  if (libc.kind !== 'musl') row.fail(`target.${row.triple}: linker = "self-contained" needs libc = "musl"`);
  const u = row.string('unwinder');
  if (u === 'libgcc') {
    row.refuse('unwinder-version', 'unwinder', 'unwinder is "libgcc" (the gcc pin covers it)');
    return { kind, unwinder: { kind: 'libgcc' } };
  }
  const pkg = /^deb:([a-z0-9][a-z0-9.+-]*)$/.exec(u)?.[1];
  if (pkg) return { kind, unwinder: { kind: 'deb', package: pkg } };
  return row.fail(
    `target.${row.triple}: unwinder is "${u}": it must be libgcc or deb:<Debian package of LLVM's libunwind> (deb:libunwind-14-dev)`,
  );
}

function parseOpenssl(row: Row): OpensslSource {
  return { kind: row.word('openssl', ['deb', 'source', 'none'] as const) };
}

function parseRunner(row: Row, cpu: Cpu, libc: Libc, gnu: string): Runner {
  const kind = row.word('runner', ['qemu-user', 'wine', 'qemu-system'] as const);
  if (kind !== 'qemu-system') {
    row.refuse('machine', 'runner', 'its programs do not run under qemu-system');
    row.refuse('qemu-cpu', 'runner', 'its programs do not run under qemu-system');
  }
  if (kind === 'qemu-system') {
    row.refuse('native-on', 'runner', 'its programs run under qemu-system (bare metal)');
    if (libc.kind !== 'newlib')
      row.fail(`target.${row.triple}: runner = "qemu-system" needs libc = "newlib" (bare metal)`);
    return {
      kind,
      binary: `qemu-system-${cpu.name}`,
      machine: qemuWord(row, 'machine'),
      cpu: qemuWord(row, 'qemu-cpu'),
    };
  }
  if (kind === 'wine') {
    row.refuse('native-on', 'runner', 'its programs run under wine');
    return { kind, bits: cpu.elf.bits };
  }
  return {
    kind,
    binary: `qemu-${cpu.name}-static`,
    ldPrefix: libc.kind === 'glibc' && libc.layout === 'sysroot' ? `/usr/${gnu}` : '/',
    nativeOn: [...new Set([cpu.name, ...(row.optStringArray('native-on') ?? [])])],
  };
}

/** A qemu board or CPU name: it ends up on qemu's command line. */
function qemuWord(row: Row, key: string): string {
  const v = row.string(key);
  if (!QEMU_NAME.test(v))
    row.fail(`target.${row.triple}: ${key} is "${v}", not a qemu name like lm3s6965evb or cortex-m3`);
  return v;
}

/** What qemu calls boards and CPUs: `qemu-system-arm -machine help`, `-cpu help`. */
export const QEMU_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

function parseCpu(c: TomlReader, name: string): Cpu {
  knownKeys(c, ['rust-arch', 'elf', 'openssl-configure']);
  const elf = c.optTable('elf') ?? c.fail('elf', 'a table { machine, bits, endian }', undefined);
  knownKeys(elf, ['machine', 'bits', 'endian']);
  const machine = elf.raw('machine');
  if (typeof machine !== 'number' || !Number.isInteger(machine))
    elf.fail('machine', 'an ELF e_machine number', machine);
  const bits = elf.raw('bits');
  if (bits !== 32 && bits !== 64) elf.fail('bits', '32 or 64', bits);
  const endian = elf.string('endian');
  if (endian !== 'little' && endian !== 'big') elf.fail('endian', '"little" or "big"', endian);
  return {
    name,
    rustArch: c.string('rust-arch'),
    elf: { machine: machine as number, bits: bits as 32 | 64, endian: endian as 'little' | 'big' },
    opensslConfigure: c.string('openssl-configure'),
  };
}

function table$(t: TomlReader, key: string): TomlReader {
  return t.optTable(key) ?? t.fail(key, 'a table', undefined);
}

function tablesOf<T>(t: TomlReader, each: (sub: TomlReader, name: string) => T): Map<string, T> {
  return new Map(t.keys().map((k) => [k, each(t.optTable(k)!, k)]));
}

function knownKeys(t: TomlReader, known: readonly string[]): void {
  for (const k of t.keys()) {
    if (known.includes(k)) continue;
    const hint = nearest(k, known);
    throw new XcrossError(`${t.where(k)}: ${t.name(k)} is not a known key`, {
      fix: hint ? `did you mean ${hint}?` : `the known keys are ${known.join(', ')}`,
    });
  }
}

function unknownWord(t: TomlReader, key: string, v: string, words: readonly string[]): never {
  const hint = nearest(v, words);
  throw new XcrossError(`${t.where(key)}: ${t.name(key)} is "${v}", not one of ${words.join(', ')}`, {
    fix: hint ? `did you mean "${hint}"?` : `correct that value in ${t.origin.file}`,
  });
}
