// Getting a target's image onto this machine: present, pulled, or built here (base first).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import { IMAGES_DIR, SCRIPTS_DIR } from '../base/package-root';
import type { Registry, TargetSpec } from '../targets/registry';
import { engineCommand, type Runtime } from '../../runtimes/runtime';
import { MANAGED_LABEL } from '../../runtimes/spec';
import type { Logger } from '../base/log';
import { startProgress } from '../ui/progress';
import { baseImageRef, rustImageRef, stdImageRef, targetImageRef, targetParentRef } from './tag';
import { rustLabels, stdLabels, targetLabels } from './labels';
import { planTargetImage, stdRecipe, targetRecipe } from './target-plan';
import { renderContainerfile, type LayerRecipe } from './steps';
import { debianArch } from '../targets/host-arch';
import type { CustomImagePlan } from './custom';
import type { CacheSettings } from '../cache/settings';
import { pullFromCache, pushAfterBuild, type CacheContext } from '../cache/exchange';
import { withInputs } from '../cache/verify';
import { engineSentence } from '../../runtimes/engine-sentence';
import { recordOrigin } from '../cache/origins';
import { lockDir, lockImage } from './build-lock';
import { BuildActivity } from './build-activity';
import { StorageFullError } from '../../runtimes/build-faults';
import { storageFullError } from './storage-full';
import { failedBuildError, saveBuildLog } from './build-log';

export interface EnsureOptions {
  runtime: Runtime;
  registry: Registry;
  target: TargetSpec;
  log: Logger;
  tty: boolean;
  /** Build even when the image exists. */
  force?: boolean;
  /** For the image cache and the origin records ($XDG_CACHE_HOME/xcross). */
  cacheDir: string;
  cache: CacheSettings;
  /** What this xcross does while it holds build locks, for the processes that wait for them: one for
   * an image and the layers under it (made here when not given). */
  activity?: BuildActivity;
}

/** The options with one BuildActivity for everything this call makes. */
function active<T extends { activity?: BuildActivity }>(o: T): T & { activity: BuildActivity } {
  return o.activity ? (o as T & { activity: BuildActivity }) : { ...o, activity: new BuildActivity() };
}

function cacheContext(o: Pick<EnsureOptions, 'runtime' | 'log' | 'tty' | 'cacheDir' | 'cache' | 'activity'>, localPrefix: string): CacheContext {
  const activity = o.activity;
  return { runtime: o.runtime, log: o.log, tty: o.tty, cacheDir: o.cacheDir, settings: o.cache, localPrefix, progress: activity && (() => activity.progress()) };
}


/** The image reference to run, after making sure it exists. */
export async function ensureTargetImage(given: EnsureOptions): Promise<string> {
  const o = active(given);
  const ref = targetImageRef(o.registry.base, o.target);
  if (!o.force && (await o.runtime.imageExists(ref))) return ref;
  await onceMissing(o, ref, async () => {
    if (!o.force && !isLocal(ref) && (await pullWithProgress(o, ref))) return;
    const cache = cacheContext(o, o.registry.base.imagePrefix);
    const labels = withInputs(ref, targetLabels(o.target));
    if (!o.force && (await pullFromCache(cache, { ref, labels }))) return;
    o.log.info(`the ${o.target.triple} image ${ref} is not here yet: building it (a few minutes, once)`);
    const parent = await ensureParent(o);
    const plan = planTargetImage(o.target, debianArch());
    o.log.debug(`image plan for ${o.target.triple} on a ${plan.buildArch} host: ${plan.steps.map((s) => s.kind).join(', ')}`);
    await buildRecipe(o, targetRecipe(o.target, plan, parent), ref, labels);
    await builtHere(o, cache, ref);
  });
  return ref;
}

/** What the target layer is built FROM: its std layer when the image builds the std, else the Rust layer. */
async function ensureParent(o: EnsureOptions): Promise<string> {
  const t = o.target;
  const rust = await ensureRust(o);
  const ref = stdImageRef(o.registry.base, t);
  const recipe = stdRecipe(t, rust);
  if (ref === undefined || recipe === undefined) return targetParentRef(o.registry.base, t);
  if (!o.force && (await o.runtime.imageExists(ref))) return ref;
  await onceMissing(o, ref, async () => {
    const cache = cacheContext(o, o.registry.base.imagePrefix);
    const labels = withInputs(ref, stdLabels(t));
    if (!o.force && (await pullFromCache(cache, { ref, labels }))) return;
    o.log.info(`building the Rust std for ${t.triple} from its sources: ${ref} (a few minutes, once per Rust version)`);
    await buildRecipe(o, recipe, ref, labels);
    await builtHere(o, cache, ref);
  });
  return ref;
}

/** A rendered layer built from images/ as its context (the recipe's COPY takes the step scripts there). */
async function buildRecipe(o: EnsureOptions, recipe: LayerRecipe, tag: string, labels: Record<string, string>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-recipe-'));
  try {
    const containerfile = path.join(dir, 'Containerfile');
    fs.writeFileSync(containerfile, renderContainerfile(recipe));
    await buildWithProgress(o, { containerfile, context: IMAGES_DIR, tag, buildArgs: {}, labels });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The miss path of `ref`, one xcross process at a time: others that miss it too wait, then find it
 * made (or make it themselves when the first one failed). Nested locks are always taken in the
 * same order (target, std, Rust, base), so they cannot deadlock.
 */
async function onceMissing(o: Pick<EnsureOptions, 'runtime' | 'log' | 'cacheDir' | 'force' | 'activity'>, ref: string, make: () => Promise<void>): Promise<void> {
  const lock = await lockImage({ dir: lockDir(o.cacheDir), ref, say: (m) => o.log.info(m), activity: o.activity });
  try {
    if (!o.force && (await o.runtime.imageExists(ref))) {
      if (lock.waitedFor !== undefined) o.log.info(`xcross (pid ${lock.waitedFor}) made ${ref}: using it`);
      return;
    }
    await make();
  } finally {
    lock.release();
  }
}

/** The Rust toolchain's image by itself: what a target without a row builds its custom image FROM. */
export function ensureRustImage(given: EnsureOptions): Promise<string> {
  return ensureRust(active(given));
}

/** The Rust layer every target shares. */
function ensureRust(o: EnsureOptions): Promise<string> {
  const rust = o.registry.rust;
  return ensureLayer(o, rustImageRef(o.registry.base, rust), 'Containerfile.rust', async () => ({
    buildArgs: {
      BASE_IMAGE: await ensureBase(o),
      RUST_PACKAGES: rust.packages.join(' '),
      SRC_PACKAGE: rust.srcPackage,
      PIN_RUSTC: rust.rustc,
      PIN_SCCACHE: rust.sccache ?? '',
    },
  }), rustLabels(rust));
}

/** A custom image (pre-build, dockerfile): built only when no image with its input digest exists. */
export async function ensureCustomImage(given: Pick<EnsureOptions, 'runtime' | 'log' | 'tty' | 'cacheDir' | 'cache' | 'activity'>, plan: CustomImagePlan, localPrefix: string): Promise<void> {
  const o = active(given);
  try {
    if (await o.runtime.imageExists(plan.ref)) {
      o.log.debug(`custom image ${plan.ref} is up to date (${plan.describe})`);
      return;
    }
    await onceMissing(o, plan.ref, async () => {
      const cache = cacheContext(o, localPrefix);
      if (await pullFromCache(cache, { ref: plan.ref, labels: plan.cacheLabels })) return;
      o.log.info(`building the custom image for ${plan.describe}: ${plan.ref}`);
      for (const req of plan.builds) await buildWithProgress(o, req);
      await builtHere(o, cache, plan.ref);
    });
  } finally {
    for (const d of plan.tempDirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** An image the user named (target.<triple>.image): here already, or pulled; xcross never builds it. */
export async function ensureUserImage(runtime: Runtime, ref: string, log: Logger, tty: boolean): Promise<void> {
  if (await runtime.imageExists(ref)) return;
  if (!isLocal(ref) && (await pullWithProgress({ runtime, log, tty }, ref))) return;
  throw new XcrossError(`the image ${ref} that your configuration names is not on this machine and cannot be pulled`, {
    fix: `build or load it (\`${engineCommand(runtime)} images\` lists what is here), or remove the image setting to use xcross's own`,
  });
}

function ensureBase(o: EnsureOptions): Promise<string> {
  return ensureLayer(o, baseImageRef(o.registry.base), 'Containerfile.base', async () => {
    const from = await baseSource(o);
    return { buildArgs: { BASE: from }, extraLabels: { 'io.xcross.base-from': from } };
  }, { [MANAGED_LABEL]: 'true' });
}

/**
 * A shared layer (base, Rust): here, pulled from the image cache, or built from its
 * Containerfile once its inputs are ready. `pins`: the labels a cached copy must carry.
 */
async function ensureLayer(o: EnsureOptions, ref: string, containerfile: string,
  inputs: () => Promise<{ buildArgs: Record<string, string>; extraLabels?: Record<string, string> }>, pins: Record<string, string>): Promise<string> {
  if (!o.force && (await o.runtime.imageExists(ref))) return ref;
  await onceMissing(o, ref, async () => {
    const cache = cacheContext(o, o.registry.base.imagePrefix);
    const labels = withInputs(ref, pins);
    if (!o.force && (await pullFromCache(cache, { ref, labels }))) return;
    const { buildArgs, extraLabels } = await inputs();
    await buildWithProgress(o, { containerfile: path.join(IMAGES_DIR, containerfile), context: IMAGES_DIR, tag: ref, buildArgs, labels: { ...labels, ...extraLabels } });
    await builtHere(o, cache, ref);
  });
  return ref;
}

/** Remembers that the image was built here, and pushes it when the run asks to. */
async function builtHere(o: Pick<EnsureOptions, 'runtime' | 'cacheDir'>, cache: CacheContext, ref: string): Promise<void> {
  const id = await o.runtime.imageId(ref);
  if (id) recordOrigin(o.cacheDir, id, { how: 'built' });
  await pushAfterBuild(cache, ref);
}

/** The Debian image the base starts FROM: whichever is here, else the offline tarball, else a pull. */
async function baseSource(o: EnsureOptions): Promise<string> {
  const b = o.registry.base;
  if (await o.runtime.imageExists(b.registry)) return b.registry;
  if (await o.runtime.imageExists(b.offline)) return b.offline;
  if (isReadable(b.offlineTarball)) {
    o.log.info(`importing the offline Debian base from ${b.offlineTarball}`);
    await o.runtime.importTarball(b.offlineTarball, b.offline);
    return b.offline;
  }
  if (await pullWithProgress(o, b.registry)) return b.registry;
  throw new XcrossError(`cannot get a Debian base image: ${b.registry} cannot be pulled here and there is no offline base (${b.offlineTarball})`, {
    fix: `make one from your Debian mirror: sudo ${path.join(SCRIPTS_DIR, 'make-offline-base.sh')}`,
  });
}

async function pullWithProgress(o: Pick<EnsureOptions, 'runtime' | 'log' | 'tty' | 'activity'>, ref: string): Promise<boolean> {
  const p = startProgress(`pulling ${ref}`, { tty: o.tty, verbose: o.log.verbose > 0 });
  const lines: string[] = [];
  const ok = await o.runtime.pull(ref, (l) => { lines.push(l); p.line(l); o.activity?.progress(); });
  if (ok) p.done(`pulled ${ref}`);
  else {
    p.fail();
    o.log.info(`cannot pull ${ref}: ${engineSentence(lines) ?? 'unknown error'}`);
  }
  return ok;
}

async function buildWithProgress(
  o: Pick<EnsureOptions, 'runtime' | 'log' | 'tty' | 'cacheDir' | 'activity'>,
  req: Parameters<Runtime['build']>[0],
): Promise<void> {
  const p = startProgress(`building ${req.tag}`, { tty: o.tty, verbose: o.log.verbose > 0 });
  const lines: string[] = [];
  // Its lines are progress, and its engine process is the one that builds, for those who wait (build-lock.ts).
  const line = (l: string) => {
    lines.push(l);
    p.line(l);
    o.activity?.progress();
  };
  try {
    await o.runtime.build(req, line, (pid) => o.activity?.building(pid));
  } catch (e) {
    p.fail();
    if (e instanceof StorageFullError) throw await storageFullError(o.runtime, e);
    if (e instanceof XcrossError) throw failedBuildError(e, lines, saveBuildLog(o.cacheDir, req.tag, lines));
    throw e;
  } finally {
    o.activity?.building(undefined);
  }
  p.done(`built ${req.tag}`);
}

function isLocal(ref: string): boolean {
  return ref.startsWith('localhost/');
}

function isReadable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
