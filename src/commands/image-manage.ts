// xcross image list|rm|prune: what xcross built (images labelled io.xcross.managed), and nothing else.
import { XcrossError } from '../base/errors';
import type { Registry } from '../targets/registry';
import { everyImageTarget } from '../targets/floor-select';
import { baseImageRef, rustImageRef, stdImageRef, targetImageRef } from '../images/tag';
import { engineCommand, type ImageInfo, type Runtime } from '../../runtimes/runtime';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { describeOrigin, type Origin } from '../cache/origins';

/** target: a target's image; std: a std built for one target; rust: the Rust layer all share; base: under all. */
export type ImageKind = 'target' | 'std' | 'rust' | 'base' | 'custom';

export interface ListedImage {
  name: string;
  id: string;
  kind: ImageKind;
  target: string;
  created: string;
  sizeMB: number;
  /** Whether the current registry (or, for custom images, its base) still uses it. */
  current: boolean;
  /** Where it came from: built here, pulled from <cache>, loaded from <file>, or here (unknown). */
  origin: string;
}

export async function listManaged(
  runtime: Runtime,
  registry: Registry,
  origins: Map<string, Origin> = new Map(),
): Promise<ListedImage[]> {
  const images = await runtime.listImages(`${MANAGED_LABEL}=true`);
  const currentRefs = new Set([
    baseImageRef(registry.base),
    rustImageRef(registry.base, registry.rust),
    ...everyImageTarget(registry).flatMap((t) => [
      targetImageRef(registry.base, t),
      stdImageRef(registry.base, t) ?? '',
    ]),
  ]);
  const listed = images.map((img) => ({
    img,
    item: { ...describe(img, currentRefs), origin: describeOrigin(origins.get(img.id)) },
  }));
  // Of the custom images for one workspace and target, only the newest is in use.
  const newest = new Map<string, number>();
  for (const { img } of listed) {
    const key = customKey(img);
    if (key) newest.set(key, Math.max(newest.get(key) ?? 0, img.created));
  }
  for (const { img, item } of listed) {
    const key = customKey(img);
    if (key && img.created < newest.get(key)!) item.current = false;
  }
  return listed.map((l) => l.item).sort((a, b) => a.name.localeCompare(b.name));
}

function customKey(img: ImageInfo): string | undefined {
  return img.labels['io.xcross.custom'] === 'true'
    ? `${img.labels['io.xcross.workspace'] ?? ''}|${img.labels['io.xcross.target'] ?? ''}`
    : undefined;
}

function describe(img: ImageInfo, currentRefs: Set<string>): Omit<ListedImage, 'origin'> {
  // Labels are inherited through FROM: a target image has its parents' labels plus the pins.
  const kind: ImageKind =
    img.labels['io.xcross.custom'] === 'true'
      ? 'custom'
      : img.labels['io.xcross.gcc']
        ? 'target'
        : img.labels['io.xcross.std']
          ? 'std'
          : img.labels['io.xcross.toolchain']
            ? 'rust'
            : 'base';
  const name = img.names[0] ?? `<none> ${img.id.slice(0, 12)}`;
  const current =
    kind === 'custom'
      ? currentRefs.has(img.labels['io.xcross.base-ref'] ?? '') ||
        !(img.labels['io.xcross.base-ref'] ?? '').startsWith('localhost/xcross/')
      : img.names.some((n) => currentRefs.has(n));
  return {
    name,
    id: img.id.slice(0, 12),
    kind,
    target: img.labels['io.xcross.target'] ?? img.labels['io.xcross.std'] ?? '',
    created: img.created ? new Date(img.created * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : '',
    sizeMB: Math.round(img.size / 1e6),
    current,
  };
}

export function renderImages(images: ListedImage[], json: boolean): string {
  if (json) return JSON.stringify({ images }, null, 2) + '\n';
  if (images.length === 0) return 'xcross has built no images here yet.\n';
  const rows = [
    ['IMAGE', 'KIND', 'TARGET', 'CREATED', 'SIZE', 'ORIGIN', 'IN USE'],
    ...images.map((i) => [
      i.name,
      i.kind,
      i.target,
      i.created,
      `${i.sizeMB} MB`,
      i.origin,
      i.current ? 'yes' : 'no (prune removes it)',
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** Removes the named images, refusing any that xcross did not build. */
export async function removeManaged(runtime: Runtime, refs: string[]): Promise<string[]> {
  const managed = await runtime.listImages(`${MANAGED_LABEL}=true`);
  const removed: string[] = [];
  for (const ref of refs) {
    const hit = managed.find((m) => m.names.includes(ref) || m.names.includes(`${ref}:latest`) || m.id.startsWith(ref));
    if (!hit) {
      throw new XcrossError(`${ref} is not an image xcross built, so xcross leaves it alone`, {
        fix: `\`xcross image list\` shows the images xcross manages; use ${engineCommand(runtime)} rmi for others`,
      });
    }
    await runtime.removeImage(ref);
    removed.push(ref);
  }
  return removed;
}

/** Removes xcross's images that nothing current uses (or all of them with `all`); newest users first. */
export async function pruneManaged(runtime: Runtime, registry: Registry, all: boolean): Promise<ListedImage[]> {
  const images = await listManaged(runtime, registry);
  const victims = images.filter((i) => all || !i.current);
  // Custom images first, then target images, std layers, the Rust layers, bases: children before parents.
  const order: ImageKind[] = ['custom', 'target', 'std', 'rust', 'base'];
  victims.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const v of victims) await runtime.removeImage(v.name.startsWith('<none>') ? v.id : v.name);
  return victims;
}
