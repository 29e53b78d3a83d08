// Image tags are a digest of everything that goes into the image, so a changed Containerfile or
// registry entry makes a new image, and an unchanged one is never rebuilt. `npm run build` writes
// the digests of the shipped files to dist/image-tags.json with a fingerprint of those files; while
// it still matches, nothing is hashed with sha256 (and node:crypto not loaded) on the way to a build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGES_DIR, PACKAGE_ROOT } from '../package-root';
import { createHash, fnv1a } from './hash';
import type { BaseSpec, TargetSpec } from '../targets/registry';

export const BASE_FILES = ['Containerfile.base', 'xcross-runner', 'apt-install.sh'];
export const TARGET_FILES = ['Containerfile.target', 'verify-pins.sh'];

function digest(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}`);
  return h.digest('hex').slice(0, 12);
}

function files(names: string[], dir: string): string[] {
  return names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
}

export function baseTag(base: BaseSpec, dir = IMAGES_DIR): string {
  return digest([JSON.stringify(base), ...files(BASE_FILES, dir)]);
}

export function targetTag(base: BaseSpec, target: TargetSpec, dir = IMAGES_DIR): string {
  const key = JSON.stringify([base, target]);
  const pre = dir === IMAGES_DIR ? precomputed() : undefined;
  return pre?.tags[key] ?? digest([baseTag(base, dir), JSON.stringify(target), ...files(TARGET_FILES, dir)]);
}

export const PRECOMPUTED_TAGS = path.join(PACKAGE_ROOT, 'dist', 'image-tags.json');

interface Precomputed {
  signature: string;
  tags: Record<string, string>;
}

/**
 * What identifies the image inputs cheaply: each file's length and FNV-1a (~17 KB read). Not their
 * modification times: npm gives every file of an installed package the same old date, so a
 * signature of times made at build never matched an install.
 */
export function inputsSignature(dir = IMAGES_DIR): string {
  return [...BASE_FILES, ...TARGET_FILES, 'targets.toml'].map((n) => {
    const text = fs.readFileSync(path.join(dir, n), 'utf8');
    return `${n}:${text.length}:${fnv1a(text)}`;
  }).join('|');
}

let cached: Precomputed | null | undefined;
function precomputed(): Precomputed | undefined {
  if (cached === undefined) {
    try {
      const p = JSON.parse(fs.readFileSync(PRECOMPUTED_TAGS, 'utf8')) as Precomputed;
      cached = p.signature === inputsSignature() ? p : null;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

/** For the build: the digests of every registry target, with the signature they hold for. */
export function computeTags(base: BaseSpec, targets: TargetSpec[]): Precomputed {
  const tags: Record<string, string> = {};
  tags[JSON.stringify([base])] = baseTag(base);
  for (const t of targets) tags[JSON.stringify([base, t])] = digest([baseTag(base), JSON.stringify(t), ...files(TARGET_FILES, IMAGES_DIR)]);
  return { signature: inputsSignature(), tags };
}

export function baseImageRef(base: BaseSpec, dir = IMAGES_DIR): string {
  const pre = dir === IMAGES_DIR ? precomputed() : undefined;
  const key = JSON.stringify([base]);
  if (pre?.tags[key]) return `${base.imagePrefix}/base:${pre.tags[key]}`;
  return `${base.imagePrefix}/base:${baseTag(base, dir)}`;
}

export function targetImageRef(base: BaseSpec, target: TargetSpec, dir = IMAGES_DIR): string {
  return `${target.imageName}:${targetTag(base, target, dir)}`;
}
