// The cache settings of one run: where the cache is and whether to push to it, from the flag, the
// environment and Cross.toml (flags > XCROSS_IMAGE_CACHE* > [xcross] image-cache).
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import { envSwitch } from '../config/env-switch';
import { parseCacheLocation, type CacheLocation } from './location';

/** How to name a cache, for the fixes of errors that need one. */
export const SET_CACHE = "set XCROSS_IMAGE_CACHE=<registry>/<prefix> (or image-cache in Cross.toml's [xcross] table)";

export interface CacheSettings {
  location?: CacheLocation;
  /** Push what this run builds (--push, XCROSS_IMAGE_CACHE_PUSH=1). */
  push: boolean;
}

export interface CacheInputs {
  env: Env;
  /** --push on the command line. */
  pushFlag?: boolean;
  /** [xcross] image-cache, with the file it came from. */
  configured?: { value: string; file: string };
}

export function resolveCache(i: CacheInputs): CacheSettings {
  const fromEnv = i.env.XCROSS_IMAGE_CACHE?.trim();
  const location = fromEnv
    ? parseCacheLocation(fromEnv, 'XCROSS_IMAGE_CACHE')
    : i.configured
      ? parseCacheLocation(i.configured.value, `image-cache in ${i.configured.file}`)
      : undefined;
  const push = i.pushFlag === true || envSwitch(i.env, 'XCROSS_IMAGE_CACHE_PUSH') === true;
  if (push && !location) {
    throw new XcrossError(
      `${i.pushFlag ? '--push' : 'XCROSS_IMAGE_CACHE_PUSH=1'} pushes to the image cache, and none is set`,
      { fix: `${SET_CACHE}, e.g. ghcr.io/your-org/xcross` },
    );
  }
  return { location, push };
}
