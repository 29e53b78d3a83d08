// The target registry: images/targets.toml parsed into typed TargetSpecs, the only list of triples.
import { XcrossError } from '../errors';
import { REGISTRY_FILE } from '../package-root';
import { parseTomlFile, TomlReader, type TomlTable } from '../config/toml';
import { nearest } from './nearest';

export interface Pins {
  gcc: string;
  libc: string;
  /** A version, or "none": the target has no OpenSSL (verify-pins.sh proves its absence). */
  openssl: string;
  qemu: string;
  rustc: string;
}

export const PIN_NAMES = ['gcc', 'libc', 'openssl', 'qemu', 'rustc'] as const;

export interface BaseSpec {
  suite: string;
  registry: string;
  offline: string;
  offlineTarball: string;
  imagePrefix: string;
}

export interface TargetSpec {
  triple: string;
  /** CPU part of the triple as `uname -m` spells it, to tell when the target runs natively. */
  arch: string;
  debArch: string;
  /** GNU prefix of the C toolchain (aarch64-linux-gnu). */
  gnu: string;
  linker: string;
  cc: string;
  cxx: string;
  ar: string;
  qemuBinary: string;
  qemuLdPrefix: string;
  /** Whether deb-arch is a dpkg architecture of the suite (multiarch :<deb-arch> libraries); without
   * it the image has only the cross gcc and its libc in /usr/<gnu>. */
  multiarch: boolean;
  /** Whether Debian ships a Rust std for this target, i.e. whether the image's rustc can build for it. */
  rustStd: boolean;
  /** Image name without tag; the tag comes from the image's inputs (src/images/tag.ts). */
  imageName: string;
  pins: Pins;
}

export interface Registry {
  base: BaseSpec;
  targets: TargetSpec[];
}

const TARGET_KEYS = new Set(['deb-arch', 'gnu', 'qemu-binary', 'qemu-ld-prefix', 'multiarch', 'rust-std', 'image', ...PIN_NAMES]);

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
  };
  const defaults = root.optTable('defaults') ?? new TomlReader({}, file, 'defaults.');
  const targetsTable = root.optTable('target') ?? missing(file, 'target');
  const targets = targetsTable.keys().map((triple) => {
    const t = targetsTable.optTable(triple)!;
    for (const k of t.keys()) {
      if (!TARGET_KEYS.has(k)) {
        const hint = nearest(k, TARGET_KEYS);
        throw new XcrossError(`${file}: target.${triple}.${k} is not a known key`, { fix: hint ? `did you mean ${hint}?` : undefined });
      }
    }
    const pick = (key: string): string => t.optString(key) ?? defaults.optString(key) ?? missingKey(file, triple, key);
    const gnu = t.string('gnu');
    const pins = Object.fromEntries(PIN_NAMES.map((p) => [p, pick(p)])) as unknown as Pins;
    const multiarch = t.optBool('multiarch') ?? defaults.optBool('multiarch') ?? true;
    // Only OpenSSL may be absent; "none" elsewhere would become a label nothing has checked.
    for (const p of PIN_NAMES) {
      if (pins[p] === 'none' && p !== 'openssl') throw new XcrossError(`${file}: target.${triple}.${p} cannot be "none" (only openssl can)`);
    }
    return {
      triple,
      arch: triple.split('-')[0],
      debArch: t.string('deb-arch'),
      gnu,
      linker: `${gnu}-gcc`,
      cc: `${gnu}-gcc`,
      cxx: `${gnu}-g++`,
      ar: `${gnu}-ar`,
      qemuBinary: t.string('qemu-binary'),
      qemuLdPrefix: pick('qemu-ld-prefix'),
      multiarch,
      rustStd: t.optBool('rust-std') ?? defaults.optBool('rust-std') ?? true,
      imageName: t.optString('image') ?? `${base.imagePrefix}/${triple}`,
      pins,
    } satisfies TargetSpec;
  });
  return { base, targets };
}

export function findTarget(registry: Registry, triple: string): TargetSpec {
  const spec = registry.targets.find((t) => t.triple === triple);
  if (spec) return spec;
  const hint = nearest(triple, registry.targets.map((t) => t.triple));
  throw new XcrossError(`unknown target '${triple}': xcross has no image for it`, {
    fix: hint ? `did you mean '${hint}'? (\`xcross targets\` lists them all)` : 'run `xcross targets` to see the supported triples',
  });
}

/** The host's own triple, from Node's idea of the CPU: no rustc needed on the host. */
export function hostTriple(arch: string = process.arch): string {
  const cpu: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'powerpc64le', s390x: 's390x', riscv64: 'riscv64gc' };
  return `${cpu[arch] ?? arch}-unknown-linux-gnu`;
}

function missing(file: string, table: string): never {
  throw new XcrossError(`${file}: the [${table}] table is missing`);
}

function missingKey(file: string, triple: string, key: string): never {
  throw new XcrossError(`${file}: target.${triple}.${key} is missing and [defaults] has none`);
}
