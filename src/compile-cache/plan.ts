// Whether a cargo run goes through the compile cache, and what the container then gets. Pure: the
// caller brings the facts (the setting, the image's sccache, the variables the user set).
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import type { Mount } from '../../runtimes/spec';
import { CONTAINER_CACHE_DIR, IMAGE_HELPER } from './local-dir';
import { describeSetting, type CompileCacheChoice } from './setting';

/**
 * What Debian's sccache 0.4.0-pre.6 (bookworm, the images' pin) was built with, as its `sccache
 * --help` lists it: the local disk cache only. redis:// works all the same, carried by xcross.
 */
export const IMAGE_SCCACHE_FEATURES = {
  S3: false,
  Redis: false,
  Memcached: false,
  GCS: false,
  GHA: false,
  Azure: false,
};

/** The subcommands that compile (metadata does not). */
const COMPILING = new Set(['build', 'check', 'test', 'run', 'bench', 'doc', 'rustc', 'clippy']);
const WRAPPERS = ['RUSTC_WRAPPER', 'CARGO_BUILD_RUSTC_WRAPPER'];

export interface CompileCacheFacts {
  choice: CompileCacheChoice;
  subcommand: string;
  /** The sccache version the image carries (its label or its toolchain's pin); none: no compile cache there. */
  imageSccache: string | undefined;
  /** Why the image has none, for -v. */
  imageWhy: string;
  hostEnv: Env;
  /** What the container gets from the user (passthrough defaults and Cross.toml's env). */
  userEnv: Record<string, string>;
  localDir: string;
  targetDir: string;
  containerName: string;
  /** sccache's server port in the container (with the host's network, the host's: so one free there). */
  port: number;
}

export type CompileCachePlan =
  | { on: false; why: string; warn: boolean }
  | { on: true; env: Record<string, string>; mounts: Mount[]; prefix: string[]; statsFile: string; describe: string };

export function planCompileCache(f: CompileCacheFacts): CompileCachePlan {
  const { setting, from } = f.choice;
  const explicit = from !== 'default';
  if (setting.kind === 'off') return { on: false, why: `off (${from})`, warn: false };
  if (!COMPILING.has(f.subcommand))
    return { on: false, why: `not used: cargo ${f.subcommand} compiles nothing`, warn: false };
  if (setting.kind === 's3' || setting.kind === 'gha')
    throw missingFeature(setting.kind, describeSetting(setting), from, f.imageSccache);

  const own = WRAPPERS.find((k) => f.userEnv[k]) ?? WRAPPERS.find((k) => f.hostEnv[k]);
  if (own) {
    const reaches = f.userEnv[own] !== undefined;
    return {
      on: false,
      warn: explicit,
      why: reaches
        ? `not used: your ${own}=${f.userEnv[own]} keeps precedence over xcross's sccache (unset it to use the compile cache)`
        : `not used: your ${own}=${f.hostEnv[own]} keeps precedence over xcross's sccache; it is a host setting, which reaches the container only through env.passthrough (unset it to use the compile cache)`,
    };
  }
  if (f.imageSccache === undefined) return { on: false, why: `not used: ${f.imageWhy}`, warn: explicit };

  const statsFile = path.join(f.targetDir, '.xcross-compile-cache', `${f.containerName}.json`);
  return {
    on: true,
    describe: `${describeSetting(setting)} (${from}), sccache ${f.imageSccache}`,
    env: {
      RUSTC_WRAPPER: IMAGE_HELPER,
      SCCACHE_DIR: CONTAINER_CACHE_DIR,
      SCCACHE_CACHE_SIZE: String(f.choice.sizeBytes),
      SCCACHE_SERVER_PORT: String(f.port),
      SCCACHE_IDLE_TIMEOUT: '0',
    },
    mounts: [{ source: f.localDir, target: CONTAINER_CACHE_DIR, readOnly: false, optional: 'the compile cache' }],
    prefix: [IMAGE_HELPER, 'run', statsFile],
    statsFile,
  };
}

function missingFeature(kind: 's3' | 'gha', name: string, from: string, version: string | undefined): XcrossError {
  const feature = kind === 's3' ? 'S3' : 'GHA';
  return new XcrossError(
    `${from} asks for ${name}, which needs sccache's ${kind} feature; the images' sccache (Debian's ${version ?? '0.4.0-pre.6'}) was built without it (its \`sccache --help\` says ${feature}: false, as for every remote backend)`,
    {
      fix:
        kind === 'gha'
          ? 'use local and keep ~/.cache/xcross/compile-cache with actions/cache (see the README), or redis://, which xcross carries itself'
          : "use redis://[:password@]host:port[/db], which xcross carries itself, or local with your CI's cache of ~/.cache/xcross/compile-cache",
    },
  );
}
