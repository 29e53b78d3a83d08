// One resolved configuration from flags, environment and Cross.toml: flags win, then XCROSS_*, then
// CROSS_*, then the file, then defaults.
import { XcrossError } from '../errors';
import type { Env } from '../host';
import { TOOLCHAIN_SOURCES, type CargoInvocation, type ToolchainSource } from '../cli/cargo-args';
import type { CrossConfig } from './cross-config';

export interface ResolvedConfig {
  target: string;
  targetFrom: 'flag' | 'env' | 'Cross.toml' | 'host';
  toolchainSource: ToolchainSource;
  runtime?: string;
  readOnlySource: boolean;
  verbose: number;
}

export function resolveConfig(inv: CargoInvocation, cross: CrossConfig, env: Env, hostTriple: string): ResolvedConfig {
  const [target, targetFrom] =
    inv.target !== undefined ? [inv.target, 'flag' as const]
    : env.CARGO_BUILD_TARGET ? [env.CARGO_BUILD_TARGET, 'env' as const]
    : cross.defaultTarget !== undefined ? [cross.defaultTarget, 'Cross.toml' as const]
    : [hostTriple, 'host' as const];
  const source = inv.xcross.toolchainSource ?? env.XCROSS_TOOLCHAIN_SOURCE ?? 'auto';
  if (!(TOOLCHAIN_SOURCES as readonly string[]).includes(source)) {
    throw new XcrossError(`XCROSS_TOOLCHAIN_SOURCE must be one of ${TOOLCHAIN_SOURCES.join(', ')}, not '${source}'`);
  }
  const envVerbose = env.XCROSS_DEBUG === '1' || env.CROSS_DEBUG === '1' ? 1 : 0;
  return {
    target,
    targetFrom,
    toolchainSource: source as ToolchainSource,
    runtime: inv.xcross.runtime ?? (env.XCROSS_RUNTIME || env.CROSS_CONTAINER_ENGINE || undefined),
    readOnlySource: inv.xcross.readOnlySource || env.XCROSS_READ_ONLY_SOURCE === '1',
    verbose: Math.max(inv.verbose, envVerbose),
  };
}
