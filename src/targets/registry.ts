// The target registry: images/targets.toml parsed into typed TargetSpecs, the only list of triples.
import { XcrossError } from '../base/errors';
import { REGISTRY_FILE } from '../base/package-root';
import { parseTomlFile, TomlReader, type TomlTable } from '../config/toml';
import { quoted } from '../ui/quote';
import { nearest } from './nearest';
import { floorsFor, parseFloors, type GlibcFloor } from './glibc-floor';

export interface Pins {
  gcc: string;
  libc: string;
  /** A version, or "none": the target has no OpenSSL (verify-pins.sh proves its absence). */
  openssl: string;
  qemu: string;
  rustc: string;
  /** Only for targets whose programs run under wine. */
  wine?: string;
}

export const PIN_NAMES = ['gcc', 'libc', 'openssl', 'qemu', 'rustc'] as const;

export interface BaseSpec {
  suite: string;
  registry: string;
  offline: string;
  offlineTarball: string;
  imagePrefix: string;
  qemu: string;
}

/** A Rust compiler an image carries, installed on the base with apt. */
export interface ToolchainSpec {
  name: string;
  packages: string[];
  /** Debian's package of this compiler's std for another architecture (`<stdPackage>:<deb-arch>`). */
  stdPackage: string;
  rustc: string;
  /** Debian's sccache for the compile cache, its pinned version; none: this toolchain has no compile cache. */
  sccache?: string;
}

/** How the target's C library (and OpenSSL) get into the image: see images/targets.toml. */
export type LibsLayout = 'multiarch' | 'sysroot' | 'musl' | 'mingw';
export const LIBS_LAYOUTS: readonly LibsLayout[] = ['multiarch', 'sysroot', 'musl', 'mingw'];

/** Where the image's Rust std for the target comes from. */
export type StdSource =
  { kind: 'multiarch' } | { kind: 'suite'; suite: string } | { kind: 'packages' } | { kind: 'host' };

export type RunnerKind = 'qemu' | 'wine';
export type LibcName = 'glibc' | 'musl' | 'mingw-w64';

export interface TargetSpec {
  triple: string;
  /** The CPU as qemu names it (qemu-<arch>-static), else the triple's; binfmt_misc entries use it. */
  arch: string;
  /** `uname -m` values of hosts that run the target's programs without an emulator. */
  nativeOn: string[];
  debArch: string;
  /** GNU prefix of the compiler that is installed (aarch64-linux-gnu: aarch64-linux-gnu-gcc). */
  gnu: string;
  /** Prefix of the tools the image offers for the target (the musl wrappers); usually `gnu`. */
  ccPrefix: string;
  linker: string;
  cc: string;
  cxx: string;
  ar: string;
  /** qemu-user binary, or undefined when programs do not run under qemu (wine). */
  qemuBinary?: string;
  /** Where qemu loads ld.so and libc from: "/" for multiarch libraries, /usr/<gnu> for a sysroot. */
  qemuLdPrefix: string;
  libs: LibsLayout;
  libcName: LibcName;
  std: StdSource;
  /** Whether the image's rustc can build for the target (its std is in the image). */
  rustStd: boolean;
  /** Whether `rustup target add` can give a host toolchain the std (false for tier 3 targets). */
  rustupStd: boolean;
  runner: RunnerKind;
  toolchain: ToolchainSpec;
  /** Extra apt packages for the target (mingw-w64, its std). */
  packages: string[];
  /** Image name without tag; the tag comes from the image's inputs (src/images/tag.ts). */
  imageName: string;
  pins: Pins;
  /** The glibc floor this image is for (glibc targets only); see withGlibcFloor. */
  glibc?: GlibcFloor;
  /** The floors the target offers, oldest first (empty for musl and Windows). */
  glibcFloors: string[];
}

export interface Registry {
  base: BaseSpec;
  toolchains: ToolchainSpec[];
  floors: GlibcFloor[];
  targets: TargetSpec[];
}

// Keys [defaults] may set for every target, and those only a target's own table can have.
const DEFAULTABLE = [
  'toolchain',
  'libs',
  'libc-name',
  'std',
  'runner',
  'packages',
  ...PIN_NAMES.filter((p) => p !== 'qemu' && p !== 'rustc'),
  'wine',
];
const TARGET_KEYS = new Set([
  ...DEFAULTABLE,
  'deb-arch',
  'gnu',
  'cc-prefix',
  'qemu-binary',
  'native-on',
  'rustup-std',
  'image',
]);
const LIBC_NAMES: readonly LibcName[] = ['glibc', 'musl', 'mingw-w64'];
const RUNNERS: readonly RunnerKind[] = ['qemu', 'wine'];

export function loadRegistry(file = REGISTRY_FILE): Registry {
  return parseRegistry(parseTomlFile(file), file);
}

export function parseRegistry(table: TomlTable, file: string): Registry {
  const root = new TomlReader(table, file);
  const b = root.optTable('base') ?? missing(file, 'base');
  const base: BaseSpec = {
    suite: b.string('suite'),
    registry: b.string('registry'),
    offline: b.string('offline'),
    offlineTarball: b.string('offline-tarball'),
    imagePrefix: b.string('image-prefix'),
    qemu: b.string('qemu'),
  };
  const tcTable = root.optTable('toolchain') ?? missing(file, 'toolchain');
  const toolchains = tcTable.keys().map((name): ToolchainSpec => {
    const t = tcTable.optTable(name)!;
    return {
      name,
      packages: t.optStringArray('packages') ?? [],
      stdPackage: t.string('std-package'),
      rustc: t.string('rustc'),
      sccache: t.optString('sccache'),
    };
  });
  const floors = parseFloors(root.optTable('glibc'), base.suite, file);
  const defaults = root.optTable('defaults') ?? new TomlReader({}, file, ['defaults']);
  for (const k of defaults.keys()) if (!DEFAULTABLE.includes(k)) unknownKey(file, 'defaults', k, DEFAULTABLE);
  const targetsTable = root.optTable('target') ?? missing(file, 'target');
  const targets = targetsTable
    .keys()
    .map((triple) => parseTarget(triple, targetsTable.optTable(triple)!, defaults, base, toolchains, floors, file));
  return { base, toolchains, floors, targets };
}

function parseTarget(
  triple: string,
  t: TomlReader,
  defaults: TomlReader,
  base: BaseSpec,
  toolchains: ToolchainSpec[],
  floors: GlibcFloor[],
  file: string,
): TargetSpec {
  for (const k of t.keys()) if (!TARGET_KEYS.has(k)) unknownKey(file, `target.${triple}`, k, TARGET_KEYS);
  const where = `${file}: target.${triple}`;
  const pick = (key: string): string => t.optString(key) ?? defaults.optString(key) ?? missingKey(file, triple, key);
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = pick(key);
    if (!(allowed as readonly string[]).includes(v))
      throw new XcrossError(`${where}.${key} is "${v}", not one of ${allowed.join(', ')}`);
    return v as T;
  };
  const tcName = pick('toolchain');
  const toolchain =
    toolchains.find((x) => x.name === tcName) ??
    fail(`${where}.toolchain names "${tcName}", which has no [toolchain.${tcName}] table`);
  const gnu = t.string('gnu');
  const ccPrefix = t.optString('cc-prefix') ?? gnu;
  const libs = oneOf('libs', LIBS_LAYOUTS);
  const runner = oneOf('runner', RUNNERS);
  const std = parseStd(pick('std'), where);
  if (std.kind === 'multiarch' && libs !== 'multiarch')
    fail(`${where}: std = "multiarch" needs libs = "multiarch" (the std's package depends on the multiarch libc)`);
  const qemuBinary = t.optString('qemu-binary');
  if (runner === 'qemu' && !qemuBinary) fail(`${where}.qemu-binary is missing (runner = "qemu")`);
  const wine = t.optString('wine') ?? defaults.optString('wine');
  if (runner === 'wine' && !wine) fail(`${where}.wine is missing: runner = "wine" needs the wine version it pins`);
  const pins: Pins = {
    gcc: pick('gcc'),
    libc: pick('libc'),
    openssl: pick('openssl'),
    qemu: base.qemu,
    rustc: toolchain.rustc,
    ...(runner === 'wine' ? { wine } : {}),
  };
  for (const p of PIN_NAMES)
    if (pins[p] === 'none' && p !== 'openssl') fail(`${where}.${p} cannot be "none" (only openssl can)`);
  const arch = qemuBinary ? qemuBinary.replace(/^qemu-/, '').replace(/-static$/, '') : triple.split('-')[0];
  const libcName = oneOf('libc-name', LIBC_NAMES);
  let glibc: GlibcFloor | undefined;
  if (libcName === 'glibc') {
    glibc = floors.find((f) => f.isDefault)!;
    if (pins.libc !== glibc.version)
      fail(`${where}.libc is ${pins.libc}, but the ${base.suite} floor is glibc."${glibc.version}"`);
  }
  const debArch = t.string('deb-arch');
  return {
    triple,
    arch,
    nativeOn: [...new Set([arch, ...(t.optStringArray('native-on') ?? [])])],
    debArch,
    gnu,
    ccPrefix,
    linker: `${ccPrefix}-gcc`,
    cc: `${ccPrefix}-gcc`,
    cxx: `${ccPrefix}-g++`,
    ar: `${ccPrefix}-ar`,
    qemuBinary,
    qemuLdPrefix: libs === 'sysroot' ? `/usr/${gnu}` : '/',
    libs,
    libcName,
    std,
    rustStd: std.kind !== 'host',
    rustupStd: t.optBool('rustup-std') ?? true,
    runner,
    toolchain,
    packages: t.optStringArray('packages') ?? defaults.optStringArray('packages') ?? [],
    imageName: t.optString('image') ?? `${base.imagePrefix}/${triple}`,
    pins,
    glibc,
    glibcFloors: glibc ? floorsFor(floors, debArch).map((f) => f.version) : [],
  };
}

function parseStd(v: string, where: string): StdSource {
  if (v === 'multiarch' || v === 'packages' || v === 'host') return { kind: v };
  if (/^[a-z]+$/.test(v)) return { kind: 'suite', suite: v };
  return fail(`${where}.std is "${v}": it must be multiarch, packages, host or a Debian suite's name`);
}

export function findTarget(registry: Registry, triple: string): TargetSpec {
  const spec = registry.targets.find((t) => t.triple === triple);
  if (spec) return spec;
  const hint = nearest(
    triple,
    registry.targets.map((t) => t.triple),
  );
  throw new XcrossError(`unknown target ${quoted(triple)}: xcross has no image for it`, {
    fix: hint
      ? `did you mean '${hint}'? (\`xcross targets\` lists them all)`
      : 'run `xcross targets` to see the supported triples',
  });
}

/** Whether a host whose CPU `uname -m` calls `cpu` runs the target's programs without an emulator. */
export function runsNatively(t: TargetSpec, cpu: string): boolean {
  return t.runner === 'qemu' && t.nativeOn.includes(cpu);
}

function unknownKey(file: string, table: string, key: string, known: Iterable<string>): never {
  const hint = nearest(key, known);
  throw new XcrossError(`${file}: ${table}.${key} is not a known key`, {
    fix: hint ? `did you mean ${hint}?` : undefined,
  });
}

function fail(message: string): never {
  throw new XcrossError(message);
}

function missing(file: string, table: string): never {
  throw new XcrossError(`${file}: the [${table}] table is missing`);
}

function missingKey(file: string, triple: string, key: string): never {
  throw new XcrossError(`${file}: target.${triple}.${key} is missing and [defaults] has none`);
}
