// The environment's mirror of Cross.toml, as cross reads it: CROSS_BUILD_<KEY> and
// CROSS_TARGET_<TRIPLE>_<KEY>, lists separated by whitespace.
import { XcrossError } from '../base/errors';
import { quoted } from '../ui/quote';
import type { Env } from '../host';
import { emptyLayer, type CrossLayer, type PreBuild, type TargetOptions } from './cross-options';

export function envVarTriple(triple: string): string {
  return triple.toUpperCase().replace(/[-.]/g, '_');
}

export function crossEnvLayer(env: Env, triples: string[]): CrossLayer {
  const layer = emptyLayer('environment');
  Object.assign(layer.build, fromEnv(env, 'CROSS_BUILD_'));
  for (const triple of triples) {
    const o = fromEnv(env, `CROSS_TARGET_${envVarTriple(triple)}_`);
    if (Object.keys(o).length > 0) layer.targets[triple] = o;
  }
  return layer;
}

function fromEnv(env: Env, prefix: string): Partial<TargetOptions> {
  const get = (k: string) => {
    const v = env[prefix + k];
    return v === undefined || v === '' ? undefined : v;
  };
  const bool = (k: string): boolean | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    throw new XcrossError(`${prefix}${k} is ${quoted(v)}, which is not a boolean`, { fix: `set it to 1 or 0` });
  };
  const list = (k: string) => get(k)?.split(/\s+/).filter(Boolean);
  const o: Partial<TargetOptions> = {};
  const image = get('IMAGE');
  if (image) o.image = { name: image, toolchain: list('IMAGE_TOOLCHAIN') ?? [] };
  const pre = get('PRE_BUILD');
  if (pre) o.preBuild = preBuildFromEnv(pre);
  const dockerfile = get('DOCKERFILE');
  if (dockerfile) o.dockerfile = { file: dockerfile, context: get('DOCKERFILE_CONTEXT'), buildArgs: {} };
  const passthrough = list('ENV_PASSTHROUGH');
  if (passthrough) o.passthrough = passthrough;
  const volumes = list('ENV_VOLUMES');
  if (volumes) o.volumes = volumes;
  const runner = get('RUNNER');
  if (runner) o.runner = runner;
  const xargo = bool('XARGO');
  if (xargo !== undefined) o.xargo = xargo;
  const zig = get('ZIG');
  if (zig !== undefined) o.zig = /^(1|true)$/i.test(zig) ? true : /^(0|false)$/i.test(zig) ? false : zig;
  const std = get('STD') ?? get('BUILD_STD');
  if (std !== undefined)
    o.buildStd = /^(1|true)$/i.test(std) ? true : /^(0|false)$/i.test(std) ? false : std.split(',').filter(Boolean);
  return o;
}

/** A path to a script (no spaces, looks like a file), else one shell command. */
function preBuildFromEnv(v: string): PreBuild {
  return /^[^\s]+\.(sh|bash)$|^\.?\.?\//.test(v) && !/\s/.test(v)
    ? { kind: 'script', path: v }
    : { kind: 'lines', lines: [v] };
}
