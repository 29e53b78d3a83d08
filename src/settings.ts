// The settings of one xcross command, built once at the edge (cli/main.ts) from the host's facts and
// environment and, in a crate, its cross configuration (Cargo.toml metadata, Cross.toml, CROSS_*),
// then passed down: build, shell, image, doctor and version all choose the same engine in the same
// directory, and nothing below reads process.env or looks for Cross.toml again.
import type { Host } from './host';
import { isXcrossError, type XcrossError } from './base/errors';
import { loadCrossConfig, type CrossConfig } from './config/cross-config';
import { runtimeChoice, type RuntimeChoice } from './config/runtime-choice';
import { colourOn } from './ui/colour';
import type { Logger } from './base/log';
import { createLogger } from './ui/log';
import { loadRegistry, type Registry } from './targets/registry';
import { locateManifest } from './workspace/manifest';
import { loadWorkspace, type Workspace } from './workspace/workspace';

export interface Crate {
  workspace: Workspace;
  cross: CrossConfig;
}

export interface Settings {
  host: Host;
  registry: Registry;
  /** Whether xcross colours what it writes to each stream. */
  colour: { stdout: boolean; stderr: boolean };
  /** For xcross's own lines on stderr, made with the stderr colour; the cross configuration's warnings went here. */
  log: Logger;
  /** The engine asked for by the environment or the cross configuration; a --runtime flag wins over it. */
  runtime?: RuntimeChoice;
  /** The crate it runs in (or --manifest-path's): none outside a crate, where the environment alone decides. */
  crate?: Crate;
}

export interface SettingsOptions {
  /** -v's count as the command takes it. */
  verbose: number;
  /** required: a cargo command (no Cargo.toml is an error); optional: image, doctor, version; none: not even looked for. */
  crate: 'required' | 'optional' | 'none';
  manifestPath?: string;
}

export function readSettings(host: Host, o: SettingsOptions & { crate: 'required' }): Settings & { crate: Crate };
export function readSettings(host: Host, o: SettingsOptions): Settings;
export function readSettings(host: Host, o: SettingsOptions): Settings {
  const colour = { stdout: colourOn(host.stdoutIsTTY, host.env), stderr: colourOn(host.stderrIsTTY, host.env) };
  const log = createLogger(o.verbose, process.stderr, colour.stderr);
  const registry = loadRegistry();
  const crate = o.crate === 'none' ? undefined : readCrate(host, registry, log, o.manifestPath, o.crate === 'required');
  return { host, registry, colour, log, runtime: runtimeChoice(host.env, crate?.cross), crate };
}

export type ReportedSettings = Settings & { configError?: XcrossError };

/**
 * For doctor and --version -v, which report rather than stop: a cross configuration that cannot be
 * read comes back as `configError`, and the environment alone decides.
 */
export function readSettingsOrReport(host: Host, o: Omit<SettingsOptions, 'crate'>): ReportedSettings {
  try {
    return readSettings(host, { ...o, crate: 'optional' });
  } catch (e) {
    if (!isXcrossError(e)) throw e;
    return { ...readSettings(host, { ...o, crate: 'none' }), configError: e };
  }
}

function readCrate(
  host: Host,
  registry: Registry,
  log: Logger,
  manifestPath: string | undefined,
  required: boolean,
): Crate | undefined {
  let manifest: string;
  try {
    manifest = locateManifest(host.cwd, manifestPath);
  } catch (e) {
    if (required) throw e;
    return undefined;
  }
  const workspace = loadWorkspace(manifest);
  const cross = loadCrossConfig({
    workspace,
    env: host.env,
    cwd: host.cwd,
    knownTargets: registry.targets.map((t) => t.triple),
    warn: (w) => {
      if (host.env.CROSS_NO_WARNINGS !== '1') log.warn(w);
    },
  });
  return { workspace, cross };
}
