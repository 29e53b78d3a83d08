// Image tags are a digest of everything that goes into the image, so a changed Containerfile or
// registry entry makes a new image, and an unchanged one is never rebuilt.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGES_DIR } from '../package-root';
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
  return digest([baseTag(base, dir), JSON.stringify(target), ...files(TARGET_FILES, dir)]);
}

export function baseImageRef(base: BaseSpec, dir = IMAGES_DIR): string {
  return `${base.imagePrefix}/base:${baseTag(base, dir)}`;
}

export function targetImageRef(base: BaseSpec, target: TargetSpec, dir = IMAGES_DIR): string {
  return `${target.imageName}:${targetTag(base, target, dir)}`;
}
