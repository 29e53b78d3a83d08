// The settings `xcross image ...` takes from where it runs: the same engine and image cache as a
// build in that directory would use (flags, then XCROSS_*/CROSS_*, then Cross.toml's [xcross]).
// Outside a crate there is no Cross.toml: the environment alone decides.
import type { Host } from '../host';
import { loadCrossConfig } from '../config/cross-config';
import { cacheSettings, type CrossDefaults } from '../config/resolve';
import type { CacheSettings } from '../cache/settings';
import type { Registry } from '../targets/registry';
import type { Logger } from '../base/log';
import { locateManifest } from '../workspace/manifest';
import { loadWorkspace } from '../workspace/workspace';

export interface ImageSettings {
  runtime?: string;
  cache: CacheSettings;
}

export function imageSettings(host: Host, registry: Registry, log: Logger, flags: { runtime?: string; push?: boolean }): ImageSettings {
  const cross = crossDefaults(host, registry, log);
  return {
    runtime: flags.runtime ?? (host.env.XCROSS_RUNTIME || host.env.CROSS_CONTAINER_ENGINE || cross.xcross?.runtime || undefined),
    cache: cacheSettings(host.env, cross, flags.push),
  };
}

function crossDefaults(host: Host, registry: Registry, log: Logger): CrossDefaults {
  let manifest: string;
  try {
    manifest = locateManifest(host.cwd, undefined);
  } catch {
    return {};
  }
  const config = loadCrossConfig({
    workspace: loadWorkspace(manifest), env: host.env, cwd: host.cwd, knownTargets: registry.targets.map((t) => t.triple),
    warn: (w) => { if (host.env.CROSS_NO_WARNINGS !== '1') log.warn(w); },
  });
  return config;
}
