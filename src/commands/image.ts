// xcross image build|list|rm|prune.
import { XcrossError } from '../base/errors';
import type { Stopping } from '../../runtimes/stop';
import { ensureTargetImage } from '../images/ensure';
import { findTarget, type Registry, type TargetSpec } from '../targets/registry';
import { targetForFloor } from '../targets/floor-select';
import { glibcVersion, sameFloor, splitTargetFloor } from '../targets/glibc-floor';
import type { Logger } from '../base/log';
import type { Settings } from '../settings';
import { createRuntime } from '../../runtimes/detect';
import { listManaged, pruneManaged, removeManaged, renderImages } from './image-manage';
import { imageSettings } from './image-settings';
import { loadImages, pushImages, saveImages } from './image-transfer';
import { readOrigins } from '../cache/origins';
import type { CacheContext } from '../cache/exchange';
import { SET_CACHE } from '../cache/settings';

export interface ImageArgs {
  action: 'build' | 'list' | 'rm' | 'prune' | 'push' | 'save' | 'load';
  images: string[];
  /** One for build; any number for push and save. */
  targets: string[];
  /** save: the archive to write. */
  output?: string;
  /** build: push what was built to the image cache. */
  push: boolean;
  /** --glibc X.Y (also spelt --target <triple>.X.Y). */
  glibc?: string;
  force: boolean;
  all: boolean;
  json: boolean;
  runtime?: string;
}

function imageTarget(registry: Registry, spelled: string, glibc: string | undefined, log: Logger): TargetSpec {
  const { triple, glibc: suffix } = splitTargetFloor(spelled);
  const flag = glibc === undefined ? undefined : glibcVersion(glibc, '--glibc');
  const version = suffix === undefined ? flag : sameFloor(flag, suffix, `--target ${spelled}`);
  return targetForFloor(
    registry,
    findTarget(registry, triple),
    version === undefined ? undefined : { version, from: 'the command line', explicit: true },
    (w) => log.warn(w),
  );
}

/** What each action needs, said before anything else runs. */
function checkArguments(a: ImageArgs): void {
  const need = (what: string, example: string) =>
    new XcrossError(`xcross image ${a.action} needs ${what}`, { fix: `e.g. ${example}`, exitCode: 2 });
  if (a.action === 'build' && a.targets.length !== 1) {
    if (a.targets.length > 1)
      throw new XcrossError('xcross image build builds one target per run', {
        fix: 'run it once per --target',
        exitCode: 2,
      });
    throw need('--target', 'xcross image build --target aarch64-unknown-linux-gnu');
  }
  if (a.action === 'rm' && a.images.length === 0)
    throw new XcrossError('xcross image rm needs the images to remove', {
      fix: '`xcross image list` names them',
      exitCode: 2,
    });
  if (a.action === 'push' && a.targets.length === 0 && !a.all)
    throw need('--target (one or more) or --all', 'xcross image push --target aarch64-unknown-linux-gnu');
  if (a.action === 'save' && !a.output)
    throw need('-o FILE', 'xcross image save -o xcross-images.tar --target aarch64-unknown-linux-gnu');
  if (a.action === 'load' && a.images.length !== 1)
    throw need('one archive file', 'xcross image load xcross-images.tar');
  if (a.push && a.action !== 'build')
    throw new XcrossError(`--push is for xcross image build; use xcross image push to push what is built`, {
      exitCode: 2,
    });
}

export async function imageCommand(a: ImageArgs, s: Settings, stop?: Stopping): Promise<number> {
  const { host, log, registry } = s;
  checkArguments(a);
  // Validate targets and settings before looking for an engine: a typo should not need podman to be reported.
  const targets = a.targets.map((t) => imageTarget(registry, t, a.glibc, log));
  const settings = imageSettings(s, { runtime: a.runtime, push: a.push });
  if (a.action === 'push' && !settings.cache.location) {
    throw new XcrossError('xcross image push needs an image cache to push to', {
      fix: `${SET_CACHE}, and log in with \`${loginEngine(settings.runtime)} login <registry>\``,
    });
  }
  const runtime = await createRuntime(settings.runtime, {
    env: host.env,
    uid: host.uid,
    cacheDir: host.cacheDir,
    log,
    stop,
  });
  const tty = host.stderrIsTTY;
  const cache: CacheContext = {
    runtime,
    log,
    tty,
    cacheDir: host.cacheDir,
    settings: settings.cache,
    localPrefix: registry.base.imagePrefix,
  };
  switch (a.action) {
    case 'build': {
      const ref = await ensureTargetImage({
        runtime,
        registry,
        target: targets[0],
        log,
        tty,
        force: a.force,
        cacheDir: host.cacheDir,
        cache: settings.cache,
      });
      const labels = await runtime.imageLabels(ref);
      const pins = Object.entries(labels).filter(([k]) => k.startsWith('io.xcross.') && k !== 'io.xcross.managed');
      log.info(`${ref} is ready: ${pins.map(([k, v]) => `${k.slice('io.xcross.'.length)} ${v}`).join(', ')}`);
      process.stdout.write(`${ref}\n`);
      return 0;
    }
    case 'list':
      process.stdout.write(renderImages(await listManaged(runtime, registry, readOrigins(host.cacheDir)), a.json));
      return 0;
    case 'push':
      for (const r of await pushImages(cache, registry, targets, a.all)) process.stdout.write(`${r}\n`);
      return 0;
    case 'save': {
      await saveImages(runtime, registry, targets, a.output!, log, tty);
      return 0;
    }
    case 'load':
      for (const n of await loadImages(runtime, registry, a.images[0], host.cacheDir, log, tty))
        process.stdout.write(`${n}\n`);
      return 0;
    case 'rm':
      for (const r of await removeManaged(runtime, a.images)) log.info(`removed ${r}`);
      return 0;
    case 'prune': {
      const gone = await pruneManaged(runtime, registry, a.all);
      if (gone.length === 0) log.info('nothing to prune: every image xcross built is still in use');
      for (const g of gone) log.info(`removed ${g.name} (${g.kind}, ${g.sizeMB} MB)`);
      return 0;
    }
  }
}

/** The CLI that logs in for the engine asked for (no engine is found yet): podman's unless docker or nerdctl. */
function loginEngine(runtime: string | undefined): string {
  return runtime === 'docker' || runtime === 'nerdctl' ? runtime : 'podman';
}
