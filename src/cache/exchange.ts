// The image cache in use: before a build, pull `<cache>/<name>:<tag>` and keep it only if its labels
// are what this xcross would build; after a build, push it when asked. A cache that is down, empty
// or refused never fails the run: xcross builds, as it would without one.
import type { Runtime } from '../../runtimes/runtime';
import type { Logger } from '../base/log';
import { startProgress } from '../ui/progress';
import { engineSentence } from '../../runtimes/engine-sentence';
import { cacheRef } from './location';
import { labelMismatch } from './verify';
import { recordOrigin } from './origins';
import type { CacheSettings } from './settings';

export interface CacheContext {
  runtime: Runtime;
  log: Logger;
  tty: boolean;
  cacheDir: string;
  settings: CacheSettings;
  /** The local name prefix of xcross's images (localhost/xcross): the cache's names drop it. */
  localPrefix: string;
  /** Told of each line of a pull or push (progress, for the processes that wait for a build lock). */
  progress?: () => void;
}

/** An image xcross would build: its local name and the labels it must carry (io.xcross.inputs among them). */
export interface CacheableImage {
  ref: string;
  labels: Record<string, string>;
}

// The registry's answers for "no such image" (distribution's MANIFEST_UNKNOWN, NAME_UNKNOWN): a
// miss. A missing blob under a manifest (a half-pushed image) is not: that is said.
const ABSENT = /manifest unknown|name unknown|manifest for \S+ not found|repository name not known|: not found$/i;

/** True when the image is now here under its local name, pulled from the cache and checked. */
export async function pullFromCache(c: CacheContext, img: CacheableImage): Promise<boolean> {
  const loc = c.settings.location;
  if (!loc) return false;
  const remote = cacheRef(loc, c.localPrefix, img.ref);
  const p = startProgress(`looking for ${remote} in the image cache`, { tty: c.tty, verbose: c.log.verbose > 0 });
  const lines: string[] = [];
  const ok = await c.runtime.pull(remote, (l) => {
    lines.push(l);
    p.line(l);
    c.progress?.();
  });
  if (!ok) {
    p.fail();
    const why = engineSentence(lines) ?? 'no answer';
    const absent = ABSENT.test(why);
    if (!absent) c.log.info(`the image cache ${loc.text} could not be read (${why}): building ${img.ref} here instead`);
    c.log.debug(`image cache: ${absent ? 'miss' : 'unreachable'} ${remote}: ${why}`);
    return false;
  }
  const mismatch = labelMismatch(await c.runtime.imageLabels(remote), img.labels);
  if (mismatch) {
    // Nothing of it may stay under a name xcross would use.
    await c.runtime.removeImage(remote).catch(() => undefined);
    p.fail();
    c.log.info(
      `the image cache's ${remote} is not the image this xcross builds: ${mismatch}; building it here instead`,
    );
    c.log.debug(`image cache: refused ${remote}`);
    return false;
  }
  await c.runtime.tag(remote, img.ref);
  // The cache's name was only the pull's: the image keeps its local name, as a built one has.
  await c.runtime.removeImage(remote).catch(() => undefined);
  const id = await c.runtime.imageId(img.ref);
  if (id) recordOrigin(c.cacheDir, id, { how: 'pulled', from: loc.text });
  p.done(`pulled ${img.ref} from the image cache ${loc.text}`);
  c.log.debug(`image cache: hit ${remote}`);
  return true;
}

/** After a build, with --push or XCROSS_IMAGE_CACHE_PUSH=1: push it; a failure only warns. */
export async function pushAfterBuild(c: CacheContext, ref: string): Promise<void> {
  if (!c.settings.push || !c.settings.location) return;
  await pushToCache(c, ref).catch((e: Error) => c.log.warn(`${e.message} (the build itself succeeded)`));
}

/** Pushes a local image to the cache under its cache name; throws the engine's sentence. */
export async function pushToCache(c: CacheContext, ref: string): Promise<string> {
  const loc = c.settings.location!;
  const remote = cacheRef(loc, c.localPrefix, ref);
  const p = startProgress(`pushing ${ref} to the image cache as ${remote}`, { tty: c.tty, verbose: c.log.verbose > 0 });
  try {
    await c.runtime.push(ref, remote, (l) => {
      p.line(l);
      c.progress?.();
    });
  } catch (e) {
    p.fail();
    throw e;
  }
  p.done(`pushed ${remote}`);
  return remote;
}
