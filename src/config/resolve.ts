// One resolved configuration from flags, environment and Cross.toml: flags win, then XCROSS_*, then
// CROSS_*, then the files (Cross.toml over Cargo.toml metadata), then defaults.
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import {
  COPY_BACK,
  TOOLCHAIN_SOURCES,
  type CargoInvocation,
  type CopyBack,
  type ToolchainSource,
} from '../cli/cargo-args';
import type { XcrossOptions } from './cross-options';
import { glibcVersion, splitTargetFloor } from '../targets/glibc-floor';
import { quoted } from '../ui/quote';
import { envSwitch } from './env-switch';
import { resolveCache, type CacheSettings } from '../cache/settings';
import { runtimeChoice } from './runtime-choice';
import { resolveCompileCache, type CompileCacheChoice } from '../compile-cache/setting';

/** What resolution needs from the cross configuration. */
export interface CrossDefaults {
  defaultTarget?: string;
  xcross?: XcrossOptions;
  /** The Cross.toml read, for messages. */
  file?: string;
}

export interface ResolvedConfig {
  target: string;
  targetFrom: 'flag' | 'env' | 'Cross.toml' | 'host';
  toolchainSource: ToolchainSource;
  runtime?: string;
  readOnlySource: boolean;
  verbose: number;
  /** The glibc floor asked for, and where it was asked (for messages); none: the target's default. */
  glibc?: { version: string; from: string; explicit: boolean };
  /** XCROSS_GLIBC_CHECK=0 turns the check after each link off (a file only ever dlopen'ed on newer systems). */
  glibcCheck: boolean;
  /** What a synced run brings back (--copy-back, XCROSS_COPY_BACK; artifacts by default). */
  copyBack: CopyBack;
  /** The team's image cache (XCROSS_IMAGE_CACHE, [xcross] image-cache) and whether to push to it. */
  cache: CacheSettings;
  /** The compile cache (--compile-cache, XCROSS_COMPILE_CACHE, [xcross] compile-cache) and its local size limit. */
  compileCache: CompileCacheChoice;
}

export function resolveConfig(
  inv: CargoInvocation,
  cross: CrossDefaults,
  env: Env,
  hostTriple: string,
): ResolvedConfig {
  const [spelled, targetFrom] =
    inv.target !== undefined
      ? [inv.target, 'flag' as const]
      : env.CARGO_BUILD_TARGET
        ? [env.CARGO_BUILD_TARGET, 'env' as const]
        : cross.defaultTarget !== undefined
          ? [cross.defaultTarget, 'Cross.toml' as const]
          : [hostTriple, 'host' as const];
  // `<triple>.2.31` may also come from CARGO_BUILD_TARGET or default-target, as cargo-zigbuild allows.
  const { triple: target, glibc: suffix } = splitTargetFloor(spelled);
  const source = inv.xcross.toolchainSource ?? (env.XCROSS_TOOLCHAIN_SOURCE || cross.xcross?.toolchainSource) ?? 'auto';
  if (!(TOOLCHAIN_SOURCES as readonly string[]).includes(source)) {
    throw new XcrossError(
      `XCROSS_TOOLCHAIN_SOURCE must be one of ${TOOLCHAIN_SOURCES.join(', ')}, not ${quoted(source)}`,
    );
  }
  return {
    target,
    targetFrom,
    toolchainSource: source as ToolchainSource,
    runtime: inv.xcross.runtime ?? runtimeChoice(env, cross)?.name,
    readOnlySource:
      inv.xcross.readOnlySource || (envSwitch(env, 'XCROSS_READ_ONLY_SOURCE') ?? cross.xcross?.readOnlySource === true),
    verbose: verbosity(inv, env),
    glibc: resolveGlibc(inv, cross, env, target, suffix, targetFrom),
    glibcCheck: envSwitch(env, 'XCROSS_GLIBC_CHECK') ?? true,
    cache: cacheSettings(env, cross, inv.xcross.push),
    copyBack: copyBackSetting(inv, env),
    compileCache: compileCacheSettings(env, cross, inv.xcross.compileCache),
  };
}

function copyBackSetting(inv: CargoInvocation, env: Env): CopyBack {
  const v = inv.xcross.copyBack ?? (env.XCROSS_COPY_BACK || 'artifacts');
  if (!(COPY_BACK as readonly string[]).includes(v))
    throw new XcrossError(`XCROSS_COPY_BACK must be one of ${COPY_BACK.join(', ')}, not ${quoted(v)}`);
  return v as CopyBack;
}

/** Flags, then XCROSS_GLIBC, then the configuration ([xcross.target.<triple>] over [xcross]). */
function resolveGlibc(
  inv: CargoInvocation,
  cross: CrossDefaults,
  env: Env,
  triple: string,
  suffix: string | undefined,
  targetFrom: ResolvedConfig['targetFrom'],
): ResolvedConfig['glibc'] {
  if (inv.xcross.glibc !== undefined) return { version: inv.xcross.glibc, from: 'the command line', explicit: true };
  if (suffix !== undefined)
    return { version: suffix, from: targetFrom === 'env' ? 'CARGO_BUILD_TARGET' : 'default-target', explicit: true };
  if (env.XCROSS_GLIBC)
    return { version: glibcVersion(env.XCROSS_GLIBC, 'XCROSS_GLIBC'), from: 'XCROSS_GLIBC', explicit: false };
  const perTarget = cross.xcross?.targetGlibc?.[triple];
  if (perTarget !== undefined) return { version: perTarget, from: `xcross.target.${triple}.glibc`, explicit: true };
  if (cross.xcross?.glibc !== undefined)
    return { version: cross.xcross.glibc, from: '[xcross] glibc', explicit: false };
  return undefined;
}

/** The cache settings any command takes from the environment and the cross configuration. */
export function cacheSettings(env: Env, cross: CrossDefaults, pushFlag = false): CacheSettings {
  const value = cross.xcross?.imageCache;
  return resolveCache({
    env,
    pushFlag,
    configured: value === undefined ? undefined : { value, file: cross.file ?? 'the cross configuration' },
  });
}

/** The compile cache any command takes from the flag, the environment and the cross configuration. */
export function compileCacheSettings(env: Env, cross: CrossDefaults, flag?: string): CompileCacheChoice {
  const file = cross.file ?? 'the cross configuration';
  const x = cross.xcross;
  return resolveCompileCache({
    flag,
    env,
    configured: x?.compileCache === undefined ? undefined : { value: x.compileCache, file },
    configuredSize: x?.compileCacheSize === undefined ? undefined : { value: x.compileCacheSize, file },
  });
}

/** -v counts; XCROSS_DEBUG=1 or CROSS_DEBUG=1 is at least one. */
export function verbosity(inv: Pick<CargoInvocation, 'verbose'>, env: Env): number {
  return Math.max(inv.verbose, env.XCROSS_DEBUG === '1' || env.CROSS_DEBUG === '1' ? 1 : 0);
}
