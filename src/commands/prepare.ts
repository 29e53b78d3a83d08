// What every container command needs, in one direction: settings (workspace, configuration) →
// target → options → toolchain → engine → image. `xcross build` and `xcross shell` share it, so a shell
// has the very mounts and environment of a build. What it reaches outside itself for (the toolchain
// choice, the engine, the image makers, the file system) comes in as PrepareDeps, so that tests can
// drive it with fakes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError, isXcrossError } from '../base/errors';
import { quoted } from '../ui/quote';
import type { Host } from '../host';
import type { CargoInvocation } from '../cli/cargo-args';
import { optionsFor } from '../config/cross-config';
import type { TargetOptions } from '../config/cross-options';
import { resolveConfig, type ResolvedConfig } from '../config/resolve';
import { ensureCustomImage, ensureRustImage, ensureTargetImage, ensureUserImage } from '../images/ensure';
import { planCustomImage } from '../images/custom';
import { rustImageRef, targetImageRef } from '../images/tag';
import { boardEnv } from '../plan/board';
import { applyTargetOptions, refuseMissingVolumes, type AppliedOptions } from '../plan/target-options';
import type { CargoPlanInput } from '../plan/cargo-spec';
import type { Crate, Settings } from '../settings';
import type { Registry, TargetSpec } from '../targets/registry';
import { resolveTarget } from '../targets/custom-target';
import { hostTriple } from '../targets/host-arch';
import { targetForFloor } from '../targets/floor-select';
import { cargoHome } from '../toolchain/rustup-home';
import { selectToolchain, type Toolchain } from '../toolchain/select';
import type { Logger } from '../base/log';
import { isDir } from '../workspace/manifest';
import type { Workspace } from '../workspace/workspace';
import { createRuntime } from '../../runtimes/detect';
import type { Runtime } from '../../runtimes/runtime';
import type { Stopping } from '../../runtimes/stop';

export interface Prepared {
  host: Host;
  log: Logger;
  workspace: Workspace;
  config: ResolvedConfig;
  target: TargetSpec;
  applied: AppliedOptions;
  toolchain: Toolchain;
  runtime: Runtime;
  /** The image to run (custom when pre-build/dockerfile are configured). */
  image: string;
  /** Makes the base image exist (build, pull or fail); the caller runs it only when the engine lacks it. */
  ensureBase: () => Promise<void>;
  targetDir: string;
  cargoHome: string;
}

/** Everything prepare reaches for beyond its arguments; REAL_DEPS in use, fakes in tests. */
export interface PrepareDeps {
  selectToolchain: typeof selectToolchain;
  createRuntime: typeof createRuntime;
  ensureTargetImage: typeof ensureTargetImage;
  ensureRustImage: typeof ensureRustImage;
  ensureUserImage: typeof ensureUserImage;
  ensureCustomImage: typeof ensureCustomImage;
  planCustomImage: typeof planCustomImage;
  isDir: (dir: string) => boolean;
  mkdir: (dir: string) => void;
}

export const REAL_DEPS: PrepareDeps = {
  selectToolchain,
  createRuntime,
  ensureTargetImage,
  ensureRustImage,
  ensureUserImage,
  ensureCustomImage,
  planCustomImage,
  isDir,
  mkdir: (dir) => fs.mkdirSync(dir, { recursive: true }),
};

/** `requireRust`: a shell may go on without a Rust toolchain for the target; a build may not. */
export async function prepare(
  inv: CargoInvocation,
  settings: Settings & { crate: Crate },
  requireRust: boolean,
  stop?: Stopping,
  deps: PrepareDeps = REAL_DEPS,
): Promise<Prepared> {
  const {
    host,
    log,
    registry,
    crate: { workspace, cross },
  } = settings;
  const config = resolveConfig(inv, cross, host.env, hostTriple(host.arch));
  const options = optionsFor(cross, config.target);
  const target = chooseTarget(registry, config, options, log);
  log.debug(
    `target ${target.triple}${target.glibc ? ` (glibc ${target.glibc.version} floor)` : ''}${target.custom ? ` (not in the registry: Cross.toml's ${target.custom.via})` : ''} (from ${config.targetFrom}); workspace ${workspace.root}${cross.file ? `; config ${cross.file}` : ''}`,
  );
  refuseUnsupported(options, log);
  const applied = applyTargetOptions(options, target.triple, host.env, host.cwd);
  for (const n of applied.notes) log.warn(n);
  refuseMissingVolumes(applied, fs.existsSync);
  Object.assign(
    applied.env,
    boardEnv(target, {
      flagTimeout: inv.xcross.timeout,
      env: host.env,
      configuredMachine: cross.xcross?.targetMachine,
    }),
  );

  const toolchain = await chooseToolchain(inv, host, config, target, workspace, log, requireRust, deps, applied);
  const runtime = await deps.createRuntime(config.runtime, {
    env: host.env,
    uid: host.uid,
    cacheDir: host.cacheDir,
    log,
    stop,
  });
  // A target without a row has no image of its own: its dockerfile or pre-build starts from the Rust
  // toolchain's image, which every xcross image is built on.
  const baseImage =
    options.image?.name ??
    (target.custom ? rustImageRef(registry.base, registry.rust) : targetImageRef(registry.base, target));
  const ensureOptions = {
    runtime,
    registry,
    target,
    log,
    tty: host.stderrIsTTY,
    cacheDir: host.cacheDir,
    cache: config.cache,
  };
  const ensureBase = () =>
    options.image
      ? deps.ensureUserImage(runtime, baseImage, log, host.stderrIsTTY)
      : (target.custom ? deps.ensureRustImage(ensureOptions) : deps.ensureTargetImage(ensureOptions)).then(
          () => undefined,
        );
  let image = baseImage;
  if (options.preBuild || options.dockerfile) {
    // The custom image's tag needs the base's ID, so the base must be here first.
    let baseId = await runtime.imageId(baseImage);
    if (baseId === undefined) {
      await ensureBase();
      baseId = await runtime.imageId(baseImage);
      if (baseId === undefined) throw new XcrossError(`${baseImage} was made but ${runtime.name} cannot find it`);
    }
    const plan = deps.planCustomImage({
      target,
      prefix: registry.base.imagePrefix,
      baseRef: baseImage,
      baseId,
      workspaceRoot: workspace.root,
      dockerfile: options.dockerfile,
      preBuild: options.preBuild,
    });
    await deps.ensureCustomImage(
      { runtime, log, tty: host.stderrIsTTY, cacheDir: host.cacheDir, cache: config.cache },
      plan,
      registry.base.imagePrefix,
    );
    image = plan.ref;
  }
  const targetDir = resolveTargetDir(inv, host, workspace);
  const home = persistentCargoHome(host, deps.isDir);
  makeDir(
    deps,
    targetDir,
    'set CARGO_TARGET_DIR (or --target-dir) to a folder you can write, or run from a writable copy',
  );
  makeDir(deps, home, 'set CARGO_HOME (or XDG_CACHE_HOME) to a folder you can write');
  return {
    host,
    log,
    workspace,
    config,
    target,
    applied,
    toolchain,
    runtime,
    image,
    ensureBase,
    targetDir,
    cargoHome: home,
  };
}

/** The registry's target at the floor asked for, or one Cross.toml gives an image (custom-target.ts). */
function chooseTarget(registry: Registry, config: ResolvedConfig, options: TargetOptions, log: Logger): TargetSpec {
  const target = resolveTarget(registry, config.target, options);
  if (!target.custom) return targetForFloor(registry, target, config.glibc, (w) => log.warn(w));
  if (config.glibc?.explicit)
    throw new XcrossError(
      `a glibc floor (glibc ${config.glibc.version} from ${config.glibc.from}) needs xcross's own image for the target, and ${target.triple} builds in the image Cross.toml names`,
      { fix: 'drop the floor for this target; your image decides which C library it links against' },
    );
  if (config.glibc)
    log.warn(
      `${target.triple} builds in the image Cross.toml names: glibc ${config.glibc.version} from ${config.glibc.from} ignored`,
    );
  log.debug(
    `${target.triple} is not one of xcross's targets: building in the image Cross.toml's ${target.custom.via} gives it, with its C toolchain, and ${options.buildStd !== undefined && options.buildStd !== false ? "a std built from the image's Rust sources (build-std)" : 'its own std'}`,
  );
  return target;
}

/** What every plan takes from the preparation; `extraEnv` adds to the Cross.toml variables. */
export function planBase(
  p: Prepared,
  kind: string,
  extraEnv: Record<string, string>,
): Omit<CargoPlanInput, 'cargoArgs' | 'interactive'> {
  return {
    extra: { env: { ...p.applied.env, ...extraEnv }, mounts: p.applied.mounts },
    target: p.target,
    image: p.image,
    workspace: p.workspace,
    targetDir: p.targetDir,
    cargoHome: p.cargoHome,
    toolchain: p.toolchain,
    readOnlySource: p.config.readOnlySource,
    name: `xcross-${kind}-${uniqueSuffix()}`,
    host: p.host,
  };
}

async function chooseToolchain(
  inv: CargoInvocation,
  host: Host,
  config: ResolvedConfig,
  target: TargetSpec,
  workspace: Workspace,
  log: Logger,
  requireRust: boolean,
  deps: PrepareDeps,
  applied: AppliedOptions,
): Promise<Toolchain> {
  try {
    const t = await deps.selectToolchain({
      host,
      target,
      source: config.toolchainSource,
      explicit: inv.toolchain,
      workspaceRoot: workspace.root,
      hostTriple: hostTriple(host.arch),
      log,
      buildStd: applied.buildStd !== undefined,
    });
    reportToolchain(t, log);
    return t;
  } catch (e) {
    if (requireRust || !isXcrossError(e)) throw e;
    // A shell is still useful without Rust for the target: the C toolchain and qemu are there.
    log.debug(`toolchain: none for ${target.triple} (${e.message}); the shell has the image's tools`);
    return { source: 'image', rustc: target.pins.rustc, why: e.message };
  }
}

/** Options cross has that xcross parses but cannot honour: say so rather than ignore them. */
function refuseUnsupported(o: TargetOptions, log: Logger): void {
  const zigOn = o.zig === true || typeof o.zig === 'string' || (typeof o.zig === 'object' && o.zig.enable === true);
  if (zigOn) {
    throw new XcrossError("zig = ... asks for cross's zig cc toolchain, which xcross does not support", {
      fix: "remove zig from Cross.toml (or set CROSS_BUILD_ZIG=0): xcross links with the image's gcc for the target",
    });
  }
  if (o.xargo === true)
    log.warn('xargo is obsolete and ignored: xcross always uses cargo (use build-std with nightly for a custom std)');
}

function reportToolchain(t: Toolchain, log: Logger): void {
  if (t.source === 'host') {
    log.debug(`toolchain: host ${t.toolchain.name} (${t.why})`);
  } else if (/^no rustup toolchains|^--toolchain-source/.test(t.why)) {
    log.debug(`toolchain: the image's rustc ${t.rustc} (${t.why})`);
  } else {
    // The user has rustup and may expect it to be used: say why it was not.
    log.info(`using the image's rustc ${t.rustc}: ${t.why}`);
  }
}

function resolveTargetDir(inv: CargoInvocation, host: Host, ws: Workspace): string {
  const given = inv.targetDir ?? (host.env.CARGO_TARGET_DIR || host.env.CARGO_BUILD_TARGET_DIR || undefined);
  return given !== undefined ? path.resolve(host.cwd, given) : path.join(ws.root, 'target');
}

/** The host's CARGO_HOME when there is one (its registry cache is shared with host cargo), else ours. */
function persistentCargoHome(host: Host, isDir: PrepareDeps['isDir']): string {
  const own = cargoHome(host);
  return isDir(own) ? own : path.join(host.cacheDir, 'cargo-home');
}

/** Unique enough for a container name among one user's containers; not a secret. */
function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0')}`;
}

/** A folder xcross must make (the target dir, its cargo home): a read-only place is one sentence. */
function makeDir(deps: PrepareDeps, dir: string, fix: string): void {
  try {
    deps.mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EEXIST') {
      throw new XcrossError(`cannot make ${quoted(dir)} (${code})`, { fix });
    }
    throw e;
  }
}
