// The settings `xcross image ...` takes from where it runs: the same engine and image cache as a
// build in that directory would use (flags, then XCROSS_*/CROSS_*, then Cross.toml's [xcross]).
// Outside a crate there is no Cross.toml: the environment alone decides.
import { cacheSettings } from '../config/resolve';
import type { CacheSettings } from '../cache/settings';
import type { Settings } from '../settings';

export interface ImageSettings {
  runtime?: string;
  cache: CacheSettings;
}

export function imageSettings(s: Settings, flags: { runtime?: string; push?: boolean }): ImageSettings {
  return {
    runtime: flags.runtime ?? s.runtime?.name,
    cache: cacheSettings(s.host.env, s.crate?.cross ?? {}, flags.push),
  };
}
