// Cross's configuration table (Cross.toml's root, or Cargo.toml's [package|workspace.metadata.cross])
// parsed into a typed layer. Unknown keys and unknown targets are warnings with the nearest known
// name; a wrong type is an error naming the file, line and column.
import { XcrossError } from '../base/errors';
import { nearest } from '../targets/nearest';
import { isVersion } from '../targets/glibc-floor';
import { isTable, type TomlTable } from './toml';
import { locateKey } from './toml-locate';
import { doubleQuoted, tomlKey } from '../ui/quote';
import { emptyLayer, type CrossLayer, type DockerfileOption, type ImageOption, type PreBuild, type TargetOptions, type ZigOption } from './cross-options';

const TARGET_KEYS = ['xargo', 'build-std', 'zig', 'pre-build', 'env', 'dockerfile', 'image', 'runner'];
const KEYS: Record<string, string[]> = {
  '': ['build', 'target', 'xcross'],
  build: [...TARGET_KEYS, 'default-target'],
  target: TARGET_KEYS,
  env: ['passthrough', 'volumes'],
  dockerfile: ['file', 'context', 'build-args'],
  image: ['name', 'toolchain'],
  zig: ['enable', 'version', 'image'],
  xcross: ['runtime', 'toolchain-source', 'read-only-source', 'glibc', 'image-cache', 'target'],
  'xcross-target': ['glibc'],
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

export function parseCrossTable(table: TomlTable, src: ParseSource): CrossLayer {
  const layer = emptyLayer(src.file);
  const p = new Parser(src);
  p.checkKeys(table, [], '');
  if (table.build !== undefined) {
    const build = p.table(table.build, ['build']);
    p.checkKeys(build, ['build'], 'build');
    Object.assign(layer.build, p.targetOptions(build, ['build']));
    const dt = p.optString(build['default-target'], ['build', 'default-target']);
    if (dt !== undefined) layer.build.defaultTarget = dt;
  }
  if (table.target !== undefined) {
    const targets = p.table(table.target, ['target']);
    for (const [triple, value] of Object.entries(targets)) {
      p.checkTarget(['target', triple]);
      const t = p.table(value, ['target', triple]);
      p.checkKeys(t, ['target', triple], 'target');
      layer.targets[triple] = p.targetOptions(t, ['target', triple]);
    }
  }
  if (table.xcross !== undefined) {
    const x = p.table(table.xcross, ['xcross']);
    p.checkKeys(x, ['xcross'], 'xcross');
    layer.xcross = {
      runtime: p.optString(x.runtime, ['xcross', 'runtime']),
      toolchainSource: p.optString(x['toolchain-source'], ['xcross', 'toolchain-source']),
      readOnlySource: p.optBool(x['read-only-source'], ['xcross', 'read-only-source']),
      glibc: p.optVersion(x.glibc, ['xcross', 'glibc']),
      imageCache: p.optString(x['image-cache'], ['xcross', 'image-cache']),
      targetGlibc: {},
    };
    // [xcross.target.<triple>]: xcross's own per-target keys, in the table cross never reads.
    if (x.target !== undefined) {
      for (const [triple, value] of Object.entries(p.table(x.target, ['xcross', 'target']))) {
        const path = ['xcross', 'target', triple];
        p.checkTarget(path);
        const t = p.table(value, path);
        p.checkKeys(t, path, 'xcross-target');
        const glibc = p.optVersion(t.glibc, [...path, 'glibc']);
        if (glibc !== undefined) layer.xcross.targetGlibc![triple] = glibc;
      }
    }
  }
  return layer;
}

class Parser {
  constructor(private readonly src: ParseSource) {}

  where(path: string[]): string {
    const pos = locateKey(this.src.text, [...this.src.base, ...path]);
    return pos ? `${this.src.file}:${pos.line}:${pos.col}` : this.src.file;
  }

  private fail(path: string[], want: string, got: unknown): never {
    throw new XcrossError(`${this.where(path)}: ${tomlKey([...this.src.base, ...path])} must be ${want}, not ${describe(got)}`, {
      fix: `correct that value in ${this.src.file}`,
    });
  }

  checkKeys(t: TomlTable, path: string[], kind: string): void {
    const known = KEYS[kind];
    for (const key of Object.keys(t)) {
      if (known.includes(key)) continue;
      const hint = nearest(key, known);
      const name = tomlKey([...this.src.base, ...path, key]);
      this.src.warn(`${this.where([...path, key])}: unknown key ${name} (ignored)${hint ? `; did you mean ${hint}?` : ''}`);
    }
  }

  /** A table named by a triple (the path's last key): a warning with the nearest one if it has no image. */
  checkTarget(path: string[]): void {
    const triple = path[path.length - 1];
    if (this.src.knownTargets.includes(triple)) return;
    const hint = nearest(triple, this.src.knownTargets);
    this.src.warn(`${this.where(path)}: ${tomlKey(path)} names a target xcross has no image for${hint ? ` (did you mean ${hint}?)` : ''}`);
  }

  table(v: unknown, path: string[]): TomlTable {
    if (!isTable(v)) this.fail(path, 'a table', v);
    return v;
  }

  optString(v: unknown, path: string[]): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(path, 'a string', v);
    return v;
  }

  /** A glibc version: "2.31" (a TOML float 2.31 would lose "2.30"'s zero, so a string is required). */
  optVersion(v: unknown, path: string[]): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !isVersion(v)) this.fail(path, 'a glibc version in quotes, like "2.31"', v);
    return v;
  }

  optBool(v: unknown, path: string[]): boolean | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }

  stringArray(v: unknown, path: string[]): string[] {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(path, 'an array of strings', v);
    return v as string[];
  }

  targetOptions(t: TomlTable, path: string[]): Partial<TargetOptions> {
    const o: Partial<TargetOptions> = {};
    const at = (k: string) => [...path, k];
    if (t.xargo !== undefined) o.xargo = this.optBool(t.xargo, at('xargo'));
    if (t.runner !== undefined) o.runner = this.optString(t.runner, at('runner'));
    if (t['build-std'] !== undefined) {
      const v = t['build-std'];
      o.buildStd = typeof v === 'boolean' ? v : this.stringArray(v, at('build-std'));
    }
    if (t.zig !== undefined) o.zig = this.zig(t.zig, at('zig'));
    if (t.image !== undefined) o.image = this.image(t.image, at('image'));
    if (t['pre-build'] !== undefined) o.preBuild = this.preBuild(t['pre-build'], at('pre-build'));
    if (t.dockerfile !== undefined) o.dockerfile = this.dockerfile(t.dockerfile, at('dockerfile'));
    if (t.env !== undefined) {
      const env = this.table(t.env, at('env'));
      this.checkKeys(env, at('env'), 'env');
      if (env.passthrough !== undefined) o.passthrough = this.stringArray(env.passthrough, [...at('env'), 'passthrough']);
      if (env.volumes !== undefined) o.volumes = this.stringArray(env.volumes, [...at('env'), 'volumes']);
    }
    return o;
  }

  private image(v: unknown, path: string[]): ImageOption {
    if (typeof v === 'string') return { name: v, toolchain: [] };
    const t = this.table(v, path);
    this.checkKeys(t, path, 'image');
    const name = this.optString(t.name, [...path, 'name']);
    if (name === undefined) this.fail([...path, 'name'], 'a string (the image name)', undefined);
    const toolchain = t.toolchain === undefined ? [] : typeof t.toolchain === 'string' ? [t.toolchain] : this.stringArray(t.toolchain, [...path, 'toolchain']);
    return { name, toolchain };
  }

  private preBuild(v: unknown, path: string[]): PreBuild {
    if (typeof v === 'string') return { kind: 'script', path: v };
    return { kind: 'lines', lines: this.stringArray(v, path) };
  }

  private dockerfile(v: unknown, path: string[]): DockerfileOption {
    if (typeof v === 'string') return { file: v, buildArgs: {} };
    const t = this.table(v, path);
    this.checkKeys(t, path, 'dockerfile');
    const file = this.optString(t.file, [...path, 'file']);
    if (file === undefined) this.fail([...path, 'file'], 'a string (the Containerfile path)', undefined);
    const buildArgs: Record<string, string> = {};
    if (t['build-args'] !== undefined) {
      for (const [k, a] of Object.entries(this.table(t['build-args'], [...path, 'build-args']))) {
        buildArgs[k] = this.optString(a, [...path, 'build-args', k])!;
      }
    }
    return { file, context: this.optString(t.context, [...path, 'context']), buildArgs };
  }

  private zig(v: unknown, path: string[]): ZigOption {
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    const t = this.table(v, path);
    this.checkKeys(t, path, 'zig');
    return { enable: this.optBool(t.enable, [...path, 'enable']), version: this.optString(t.version, [...path, 'version']), image: this.optString(t.image, [...path, 'image']) };
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return typeof v === 'string' ? `string ${doubleQuoted(v)}` : `${typeof v} ${JSON.stringify(v)}`;
}
