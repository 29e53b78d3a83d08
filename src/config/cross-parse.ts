// Cross's configuration table (Cross.toml's root, or Cargo.toml's [package|workspace.metadata.cross])
// parsed into a typed layer. Unknown keys and unknown targets are warnings with the nearest known
// name; a wrong type is an error naming the file, line and column.
import { nearest } from '../targets/nearest';
import { isVersion } from '../targets/glibc-floor';
import { parseTomlText, TomlReader, type TomlTable } from './toml';
import { tomlKey } from '../ui/quote';
import {
  emptyLayer,
  imageSource,
  type CrossLayer,
  type DockerfileOption,
  type ImageOption,
  type TargetOptions,
  type ZigOption,
} from './cross-options';

const TARGET_KEYS = ['xargo', 'build-std', 'zig', 'pre-build', 'env', 'dockerfile', 'image', 'runner'];
const KEYS: Record<string, string[]> = {
  '': ['build', 'target', 'xcross'],
  build: [...TARGET_KEYS, 'default-target'],
  target: TARGET_KEYS,
  env: ['passthrough', 'volumes'],
  dockerfile: ['file', 'context', 'build-args'],
  image: ['name', 'toolchain'],
  zig: ['enable', 'version', 'image'],
  xcross: [
    'runtime',
    'toolchain-source',
    'read-only-source',
    'glibc',
    'image-cache',
    'compile-cache',
    'compile-cache-size',
    'target',
  ],
  'xcross-target': ['glibc', 'machine'],
};

export interface ParseSource {
  /** The file, for messages. */
  file: string;
  /** Its text, to find lines. */
  text: string;
  /** Where the cross table sits in the file ([] for Cross.toml, ['package','metadata','cross'] in Cargo.toml). */
  base: string[];
  knownTargets: string[];
  /** Told of each unknown key or target as it is found (before any error ends the parse). */
  warn: (message: string) => void;
}

/** Cross.toml's text, parsed: the entry point for a whole file (syntax errors name the line). */
export function parseCrossToml(text: string, file: string, o: Pick<ParseSource, 'knownTargets' | 'warn'>): CrossLayer {
  return parseCrossTable(parseTomlText(text, file), { file, text, base: [], ...o });
}

export function parseCrossTable(table: TomlTable, src: ParseSource): CrossLayer {
  const layer = emptyLayer(src.file);
  const p = new Checks(src);
  const root = new TomlReader(table, src);
  p.keys(root, '');
  const build = root.optTable('build');
  if (build) {
    p.keys(build, 'build');
    Object.assign(layer.build, targetOptions(p, build));
    const dt = build.optString('default-target');
    if (dt !== undefined) layer.build.defaultTarget = dt;
  }
  const targets = root.optTable('target');
  for (const triple of targets?.keys() ?? []) {
    const t = targets!.optTable(triple)!;
    p.keys(t, 'target');
    layer.targets[triple] = targetOptions(p, t);
    // A triple xcross lacks is fine in a table that gives it an image (src/targets/custom-target.ts).
    if (imageSource(layer.targets[triple]) === undefined) p.target(targets!, triple);
  }
  const x = root.optTable('xcross');
  if (x) {
    p.keys(x, 'xcross');
    layer.xcross = {
      runtime: x.optString('runtime'),
      toolchainSource: x.optString('toolchain-source'),
      readOnlySource: x.optBool('read-only-source'),
      glibc: optVersion(x, 'glibc'),
      imageCache: x.optString('image-cache'),
      compileCache: x.optString('compile-cache'),
      compileCacheSize: x.optString('compile-cache-size'),
      targetGlibc: {},
      targetMachine: {},
    };
    // [xcross.target.<triple>]: xcross's own per-target keys, in the table cross never reads.
    const xt = x.optTable('target');
    for (const triple of xt?.keys() ?? []) {
      p.target(xt!, triple);
      const t = xt!.optTable(triple)!;
      p.keys(t, 'xcross-target');
      const glibc = optVersion(t, 'glibc');
      if (glibc !== undefined) layer.xcross.targetGlibc![triple] = glibc;
      const machine = t.optString('machine');
      if (machine !== undefined) layer.xcross.targetMachine![triple] = machine;
    }
  }
  return layer;
}

/** What is warned about rather than refused: unknown keys, and targets xcross has no image for. */
class Checks {
  constructor(private readonly src: ParseSource) {}

  keys(t: TomlReader, kind: string): void {
    const known = KEYS[kind];
    for (const key of t.keys()) {
      if (known.includes(key)) continue;
      const hint = nearest(key, known);
      this.src.warn(`${t.where(key)}: unknown key ${t.name(key)} (ignored)${hint ? `; did you mean ${hint}?` : ''}`);
    }
  }

  /** A table named by a triple (and no image of its own): a warning with the nearest one if xcross has no image for it. */
  target(parent: TomlReader, triple: string): void {
    if (this.src.knownTargets.includes(triple)) return;
    const hint = nearest(triple, this.src.knownTargets);
    this.src.warn(
      `${parent.where(triple)}: ${tomlKey([...parent.path, triple])} names a target xcross has no image for${hint ? ` (did you mean ${hint}?)` : ''}`,
    );
  }
}

/** A glibc version: "2.31" (a TOML float 2.31 would lose "2.30"'s zero, so a string is required). */
function optVersion(t: TomlReader, key: string): string | undefined {
  const v = t.raw(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isVersion(v)) t.fail(key, 'a glibc version in quotes, like "2.31"', v);
  return v;
}

function targetOptions(p: Checks, t: TomlReader): Partial<TargetOptions> {
  const o: Partial<TargetOptions> = {};
  if (t.has('xargo')) o.xargo = t.optBool('xargo');
  if (t.has('runner')) o.runner = t.optString('runner');
  if (t.has('build-std')) {
    const v = t.raw('build-std');
    o.buildStd = typeof v === 'boolean' ? v : t.stringArray('build-std');
  }
  if (t.has('zig')) o.zig = zig(p, t);
  if (t.has('image')) o.image = image(p, t);
  if (t.has('pre-build'))
    o.preBuild =
      typeof t.raw('pre-build') === 'string'
        ? { kind: 'script', path: t.optString('pre-build')! }
        : { kind: 'lines', lines: t.stringArray('pre-build') };
  if (t.has('dockerfile')) o.dockerfile = dockerfile(p, t);
  const env = t.optTable('env');
  if (env) {
    p.keys(env, 'env');
    if (env.has('passthrough')) o.passthrough = env.stringArray('passthrough');
    if (env.has('volumes')) o.volumes = env.stringArray('volumes');
  }
  return o;
}

function image(p: Checks, parent: TomlReader): ImageOption {
  const v = parent.raw('image');
  if (typeof v === 'string') return { name: v, toolchain: [] };
  const t = parent.optTable('image')!;
  p.keys(t, 'image');
  const name = t.optString('name') ?? t.fail('name', 'a string (the image name)', undefined);
  const toolchain =
    typeof t.raw('toolchain') === 'string' ? [t.optString('toolchain')!] : (t.optStringArray('toolchain') ?? []);
  return { name, toolchain };
}

function dockerfile(p: Checks, parent: TomlReader): DockerfileOption {
  const v = parent.raw('dockerfile');
  if (typeof v === 'string') return { file: v, buildArgs: {} };
  const t = parent.optTable('dockerfile')!;
  p.keys(t, 'dockerfile');
  const file = t.optString('file') ?? t.fail('file', 'a string (the Containerfile path)', undefined);
  const buildArgs: Record<string, string> = {};
  const args = t.optTable('build-args');
  for (const k of args?.keys() ?? []) buildArgs[k] = args!.optString(k)!;
  return { file, context: t.optString('context'), buildArgs };
}

function zig(p: Checks, parent: TomlReader): ZigOption {
  const v = parent.raw('zig');
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  const t = parent.optTable('zig')!;
  p.keys(t, 'zig');
  return { enable: t.optBool('enable'), version: t.optString('version'), image: t.optString('image') };
}
