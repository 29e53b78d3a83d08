// The cross configuration of a workspace: Cargo.toml's [package.metadata.cross] and
// [workspace.metadata.cross], then Cross.toml (or CROSS_CONFIG), then CROSS_* variables. Later
// sources win for single values; passthrough and volumes add up, as cross does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Env } from '../host';
import { isFile } from '../workspace/manifest';
import type { Workspace } from '../workspace/workspace';
import { crossEnvLayer } from './cross-env';
import type { CrossLayer, TargetOptions, XcrossOptions } from './cross-options';
import { parseCrossTable, parseCrossToml } from './cross-parse';
import { isTable, parseTomlText, type TomlTable } from './toml';

export interface CrossConfig {
  /** The Cross.toml read, if any. */
  file?: string;
  defaultTarget?: string;
  xcross: XcrossOptions;
  layers: CrossLayer[];
}

export interface CrossConfigInput {
  workspace: Pick<Workspace, 'root' | 'manifest'>;
  env: Env;
  cwd: string;
  knownTargets: string[];
  warn: (message: string) => void;
}

export function loadCrossConfig(input: CrossConfigInput): CrossConfig {
  const { workspace, env, cwd, knownTargets, warn } = input;
  const layers: CrossLayer[] = [];
  const fromManifest = (file: string, base: string[]) => {
    const text = readIfExists(file);
    // Most manifests have no cross metadata: skip the parse when the words are not there (in any
    // spelling: [package.metadata.cross], ["package"."metadata"."cross"], metadata = { cross = ... }).
    if (text === undefined || !/metadata/.test(text) || !/cross/.test(text)) return;
    const table = dig(parseTomlText(text, file), base);
    if (table) layers.push(parseCrossTable(table, { file, text, base, knownTargets, warn }));
  };
  fromManifest(workspace.manifest, ['package', 'metadata', 'cross']);
  fromManifest(path.join(workspace.root, 'Cargo.toml'), ['workspace', 'metadata', 'cross']);

  const file = env.CROSS_CONFIG ? path.resolve(cwd, env.CROSS_CONFIG) : path.join(workspace.root, 'Cross.toml');
  let used: string | undefined;
  if (env.CROSS_CONFIG || isFile(file)) {
    const text = readIfExists(file);
    if (text === undefined) {
      warn(`CROSS_CONFIG names ${file}, which cannot be read (ignored)`);
    } else {
      layers.push(parseCrossToml(text, file, { knownTargets, warn }));
      used = file;
    }
  }
  layers.push(crossEnvLayer(env, knownTargets));

  const pick = <T>(f: (l: CrossLayer) => T | undefined): T | undefined => {
    let v: T | undefined;
    for (const l of layers) v = f(l) ?? v;
    return v;
  };
  return {
    file: used,
    defaultTarget: pick((l) => l.build.defaultTarget),
    xcross: {
      runtime: pick((l) => l.xcross.runtime),
      toolchainSource: pick((l) => l.xcross.toolchainSource),
      readOnlySource: pick((l) => l.xcross.readOnlySource),
      glibc: pick((l) => l.xcross.glibc),
      imageCache: pick((l) => l.xcross.imageCache),
      compileCache: pick((l) => l.xcross.compileCache),
      compileCacheSize: pick((l) => l.xcross.compileCacheSize),
      targetGlibc: Object.assign({}, ...layers.map((l) => l.xcross.targetGlibc ?? {})),
      targetMachine: Object.assign({}, ...layers.map((l) => l.xcross.targetMachine ?? {})),
    },
    layers,
  };
}

/** The options in force for one target: target.<triple>.* over build.*, later sources over earlier. */
export function optionsFor(config: CrossConfig, triple: string): TargetOptions {
  const out: TargetOptions = { passthrough: [], volumes: [] };
  const apply = (o: Partial<TargetOptions> | undefined) => {
    if (!o) return;
    for (const [k, v] of Object.entries(o) as [keyof TargetOptions, unknown][]) {
      if (v === undefined || (k as string) === 'defaultTarget') continue;
      if (k === 'passthrough' || k === 'volumes') out[k] = [...new Set([...out[k], ...(v as string[])])];
      else (out as unknown as Record<string, unknown>)[k] = v;
    }
  };
  for (const l of config.layers) apply(l.build);
  for (const l of config.layers) apply(l.targets[triple]);
  return out;
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function dig(t: TomlTable, keys: string[]): TomlTable | undefined {
  let cur: unknown = t;
  for (const k of keys) {
    if (!isTable(cur)) return undefined;
    cur = cur[k];
  }
  return isTable(cur) ? cur : undefined;
}
