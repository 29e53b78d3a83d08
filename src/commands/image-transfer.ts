// xcross image push|save|load: moving built images to the team's cache, or to a file for machines
// with no registry. Whatever arrives from elsewhere is checked against this xcross's registry first.
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { Registry, TargetSpec } from '../targets/registry';
import type { Runtime } from '../../runtimes/runtime';
import type { Logger } from '../base/log';
import { startProgress } from '../ui/progress';
import { targetImageRef, rustImageRef, baseImageRef, stdImageRef } from '../images/tag';
import { pushToCache, type CacheContext } from '../cache/exchange';
import { expectedImages, repoOf, type ExpectedImage } from '../cache/expected';
import { labelMismatch, INPUTS_LABEL } from '../cache/verify';
import { tagOf } from '../cache/location';
import { readArchive, writeArchive, type ArchivedImage } from '../cache/archive';
import { recordOrigin } from '../cache/origins';

const mb = (n: number) => `${Math.round(n / 1e6)} MB`;

/** The images to push for targets: each target's image, then the layers under it (the registry shares their blobs). */
function pushSet(registry: Registry, targets: TargetSpec[]): { ref: string; required: boolean }[] {
  const out = new Map<string, boolean>();
  for (const t of targets) out.set(targetImageRef(registry.base, t), true);
  for (const t of targets) {
    const std = stdImageRef(registry.base, t);
    for (const layer of [
      ...(std ? [std] : []),
      rustImageRef(registry.base, registry.rust),
      baseImageRef(registry.base),
    ])
      if (!out.has(layer)) out.set(layer, false);
  }
  return [...out].map(([ref, required]) => ({ ref, required }));
}

/** The current images that are here: for --all. */
async function presentExpected(
  runtime: Runtime,
  registry: Registry,
  kinds: ExpectedImage['kind'][],
): Promise<ExpectedImage[]> {
  const out: ExpectedImage[] = [];
  for (const e of expectedImages(registry).values())
    if (kinds.includes(e.kind) && (await runtime.imageExists(e.ref))) out.push(e);
  return out;
}

export async function pushImages(
  c: CacheContext,
  registry: Registry,
  targets: TargetSpec[],
  all: boolean,
): Promise<string[]> {
  const wanted = all
    ? (await presentExpected(c.runtime, registry, ['base', 'rust', 'std', 'target'])).map((e) => ({
        ref: e.ref,
        required: false,
      }))
    : pushSet(registry, targets);
  if (wanted.length === 0)
    throw new XcrossError('xcross has built no current images here to push', {
      fix: 'build one first: xcross image build --target <triple>',
    });
  const expected = expectedImages(registry);
  const refs: string[] = [];
  for (const { ref, required } of wanted) {
    // A target's image is what was asked for; the layers under it go along when they are here and current
    // (a pulled target image comes without them), so that other machines can reuse them for other targets.
    const here = await c.runtime.imageExists(ref);
    const why = here
      ? labelMismatch(await c.runtime.imageLabels(ref), expected.get(ref)?.labels ?? { [INPUTS_LABEL]: tagOf(ref) })
      : 'it is not here';
    if (!why) {
      refs.push(ref);
    } else if (required && !here) {
      throw new XcrossError(`${ref} is not here, so it cannot be pushed`, {
        fix: `build it first: xcross image build --target ${targets.map((t) => t.triple).join(' --target ')}`,
      });
    } else if (required) {
      throw new XcrossError(`${ref} is not the image this xcross builds (${why}), and other machines would refuse it`, {
        fix: 'rebuild it once with `xcross image build --force --target <triple>`, then push',
      });
    } else if (all) {
      // With --all nothing was named, so what is left behind must be said.
      c.log.info(
        `not pushing ${ref}: ${why} (\`xcross image build --force --target ${expected.get(ref)?.target?.triple ?? '<triple>'}\` rebuilds it)`,
      );
    } else {
      c.log.debug(`not pushing the layer ${ref}: ${why}`);
    }
  }
  const pushed: string[] = [];
  for (const ref of refs) pushed.push(await pushToCache(c, ref));
  return pushed;
}

export async function saveImages(
  runtime: Runtime,
  registry: Registry,
  targets: TargetSpec[],
  file: string,
  log: Logger,
  tty: boolean,
): Promise<{ refs: string[]; bytes: number }> {
  const refs =
    targets.length > 0
      ? targets.map((t) => targetImageRef(registry.base, t))
      : (await presentExpected(runtime, registry, ['target'])).map((e) => e.ref);
  if (refs.length === 0)
    throw new XcrossError('xcross has built no current target images here to save', {
      fix: 'build one first: xcross image build --target <triple>',
    });
  for (const ref of refs) {
    if (!(await runtime.imageExists(ref)))
      throw new XcrossError(`${ref} is not here, so it cannot be saved`, {
        fix: 'build it first: xcross image build --target <triple>',
      });
  }
  const target = path.resolve(file);
  const p = startProgress(`saving ${refs.length} image${refs.length === 1 ? '' : 's'} to ${target}`, {
    tty,
    verbose: log.verbose > 0,
  });
  let bytes = 0;
  try {
    await runtime.save(refs, async (tar) => {
      bytes = await writeArchive(tar, target, { layer: (i, size) => p.line(`compressed layer ${i} (${mb(size)})`) });
    });
  } catch (e) {
    p.fail();
    throw e;
  }
  p.done(`wrote ${target} (${mb(bytes)}: ${refs.join(', ')})`);
  return { refs, bytes };
}

/** Why an archived image cannot be used by this xcross, or undefined when it can. */
export function archiveRefusal(img: ArchivedImage, expected: Map<string, ExpectedImage>): string | undefined {
  if (img.names.length === 0) return 'it has no name';
  for (const name of img.names) {
    if (img.labels['io.xcross.custom'] === 'true') {
      if (img.labels[INPUTS_LABEL] !== tagOf(name)) return `its ${INPUTS_LABEL} label does not match its tag`;
      continue;
    }
    const e = expected.get(name);
    if (!e) {
      const sameRepo = [...expected.values()].find((x) => repoOf(x.ref) === repoOf(name));
      return sameRepo
        ? `this xcross builds ${sameRepo.ref} instead: the archive comes from another xcross version or other image inputs`
        : 'it is not one of the images this xcross builds';
    }
    const mismatch = labelMismatch(img.labels, e.labels);
    if (mismatch) return mismatch;
  }
  return undefined;
}

export async function loadImages(
  runtime: Runtime,
  registry: Registry,
  file: string,
  cacheDir: string,
  log: Logger,
  tty: boolean,
): Promise<string[]> {
  const source = path.resolve(file);
  const check = startProgress(`checking ${source}`, { tty, verbose: log.verbose > 0 });
  let images: ArchivedImage[];
  try {
    images = await readArchive(source);
  } catch (e) {
    check.fail();
    throw e;
  }
  check.done(`${source} holds ${images.length} image${images.length === 1 ? '' : 's'}, all readable`);
  const expected = expectedImages(registry);
  const refused = images.map((img) => ({ img, why: archiveRefusal(img, expected) })).filter((r) => r.why);
  if (refused.length > 0) {
    throw new XcrossError(
      `${source} has ${refused.length === images.length ? 'no image' : `${refused.length} image${refused.length === 1 ? '' : 's'}`} this xcross can use, so nothing was loaded: ${refused.map((r) => `${r.img.names[0] ?? r.img.id.slice(0, 12)} (${r.why})`).join('; ')}`,
      {
        fix: 'save the images again with this version of xcross (`xcross --version` on both machines), or build them here',
      },
    );
  }
  const p = startProgress(`loading ${source}`, { tty, verbose: log.verbose > 0 });
  try {
    await runtime.load(source, (l) => p.line(l));
  } catch (e) {
    p.fail();
    throw e;
  }
  for (const img of images) recordOrigin(cacheDir, img.id, { how: 'loaded', from: source });
  const names = images.flatMap((i) => i.names);
  p.done(`loaded ${names.join(', ')}`);
  return names;
}
