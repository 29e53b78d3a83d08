// One resolved configuration from flags, environment and Cross.toml: flags win, then XCROSS_*, then
// CROSS_*, then the files (Cross.toml over Cargo.toml metadata), then defaults.
import { XcrossError } from '../errors';
import type { Env } from '../host';
import { TOOLCHAIN_SOURCES, type CargoInvocation, type ToolchainSource } from '../cli/cargo-args';
import type { XcrossOptions } from './cross-options';

/** What resolution needs from the cross configuration. */
export interface CrossDefaults {
  defaultTarget?: string;
  xcross?: XcrossOptions;
}

export interface ResolvedConfig {
  target: string;
  targetFrom: 'flag' | 'env' | 'Cross.toml' | 'host';
  toolchainSource: ToolchainSource;
  runtime?: string;
  readOnlySource: boolean;
  verbose: number;
}

export function resolveConfig(inv: CargoInvocation, cross: CrossDefaults, env: Env, hostTriple: string): ResolvedConfig {
  const [target, targetFrom] =
    inv.target !== undefined ? [inv.target, 'flag' as const]
    : env.CARGO_BUILD_TARGET ? [env.CARGO_BUILD_TARGET, 'env' as const]
    : cross.defaultTarget !== undefined ? [cross.defaultTarget, 'Cross.toml' as const]
    : [hostTriple, 'host' as const];
  const source = inv.xcross.toolchainSource ?? (env.XCROSS_TOOLCHAIN_SOURCE || cross.xcross?.toolchainSource) ?? 'auto';
  if (!(TOOLCHAIN_SOURCES as readonly string[]).includes(source)) {
    throw new XcrossError(`XCROSS_TOOLCHAIN_SOURCE must be one of ${TOOLCHAIN_SOURCES.join(', ')}, not '${source}'`);
  }
  return {
    target,
    targetFrom,
    toolchainSource: source as ToolchainSource,
    runtime: inv.xcross.runtime ?? (env.XCROSS_RUNTIME || env.CROSS_CONTAINER_ENGINE || cross.xcross?.runtime || undefined),
    readOnlySource: inv.xcross.readOnlySource || env.XCROSS_READ_ONLY_SOURCE === '1' || (env.XCROSS_READ_ONLY_SOURCE === undefined && cross.xcross?.readOnlySource === true),
    verbose: verbosity(inv, env),
  };
}

/** -v counts; XCROSS_DEBUG=1 or CROSS_DEBUG=1 is at least one. */
export function verbosity(inv: Pick<CargoInvocation, 'verbose'>, env: Env): number {
  return Math.max(inv.verbose, env.XCROSS_DEBUG === '1' || env.CROSS_DEBUG === '1' ? 1 : 0);
}
