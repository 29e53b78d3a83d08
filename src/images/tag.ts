// Image tags are a digest of everything that goes into the image, so a changed Containerfile or
// registry entry makes a new image, and an unchanged one is never rebuilt. An image is three layers
// (base -> Rust toolchain -> target), each tagged by its own inputs and its parent's tag. `npm run
// build` writes the digests of the shipped files to dist/image-tags.json with a fingerprint of those
// files; while it still matches, nothing is hashed with sha256 (and node:crypto not loaded) on the
// way to a build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGES_DIR, PACKAGE_ROOT } from '../package-root';
import { createHash, fnv1a } from './hash';
import { debianArch } from '../targets/host-arch';
import type { BaseSpec, TargetSpec, ToolchainSpec } from '../targets/registry';

export const BASE_FILES = ['Containerfile.base', 'xcross-runner', 'apt-install.sh', 'deb-unpack.sh'];
export const TOOLCHAIN_FILES = ['Containerfile.toolchain'];
export const TARGET_FILES = ['Containerfile.target', 'verify-pins.sh', 'smoke-test.sh', 'wine-prefix.sh'];
const ALL_FILES = [...BASE_FILES, ...TOOLCHAIN_FILES, ...TARGET_FILES, 'targets.toml'];

function digest(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}`);
  return h.digest('hex').slice(0, 12);
}

function files(names: string[], dir: string): string[] {
  return names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
}

// The keys of the precomputed tags: what each tag depends on besides the files.
const baseKey = (base: BaseSpec) => JSON.stringify([base]);
const toolchainKey = (base: BaseSpec, tc: ToolchainSpec) => JSON.stringify([base, tc]);
const targetKey = (base: BaseSpec, t: TargetSpec, arch: string) => JSON.stringify([base, t, arch]);

export function baseTag(base: BaseSpec, dir = IMAGES_DIR): string {
  return lookup(dir, baseKey(base)) ?? digest([baseKey(base), ...files(BASE_FILES, dir)]);
}

export function toolchainTag(base: BaseSpec, tc: ToolchainSpec, dir = IMAGES_DIR): string {
  return lookup(dir, toolchainKey(base, tc)) ?? digest([baseTag(base, dir), JSON.stringify(tc), ...files(TOOLCHAIN_FILES, dir)]);
}

/** `buildArch`: the Debian architecture of the host that builds the image (the plan depends on it). */
export function targetTag(base: BaseSpec, t: TargetSpec, dir = IMAGES_DIR, buildArch = debianArch()): string {
  return lookup(dir, targetKey(base, t, buildArch))
    ?? digest([toolchainTag(base, t.toolchain, dir), JSON.stringify(t), buildArch, ...files(TARGET_FILES, dir)]);
}

export const PRECOMPUTED_TAGS = path.join(PACKAGE_ROOT, 'dist', 'image-tags.json');

interface Precomputed {
  signature: string;
  tags: Record<string, string>;
}

/**
 * What identifies the image inputs cheaply: each file's length and FNV-1a (~30 KB read). Not their
 * modification times: npm gives every file of an installed package the same old date, so a
 * signature of times made at build never matched an install.
 */
export function inputsSignature(dir = IMAGES_DIR): string {
  return ALL_FILES.map((n) => {
    const text = fs.readFileSync(path.join(dir, n), 'utf8');
    return `${n}:${text.length}:${fnv1a(text)}`;
  }).join('|');
}

let cached: Precomputed | null | undefined;
function lookup(dir: string, key: string): string | undefined {
  if (dir !== IMAGES_DIR) return undefined;
  if (cached === undefined) {
    try {
      const p = JSON.parse(fs.readFileSync(PRECOMPUTED_TAGS, 'utf8')) as Precomputed;
      cached = p.signature === inputsSignature() ? p : null;
    } catch {
      cached = null;
    }
  }
  return cached?.tags[key];
}

/** For the build: the digests of every image of the registry on this build host, with their signature. */
export function computeTags(base: BaseSpec, toolchains: ToolchainSpec[], targets: TargetSpec[], dir = IMAGES_DIR, buildArch = debianArch()): Precomputed {
  const other = `${dir}${path.sep}.`; // the same files, never served from the precomputed copy
  const tags: Record<string, string> = { [baseKey(base)]: baseTag(base, other) };
  for (const tc of toolchains) tags[toolchainKey(base, tc)] = toolchainTag(base, tc, other);
  for (const t of targets) tags[targetKey(base, t, buildArch)] = targetTag(base, t, other, buildArch);
  return { signature: inputsSignature(dir), tags };
}

export function baseImageRef(base: BaseSpec, dir = IMAGES_DIR): string {
  return `${base.imagePrefix}/base:${baseTag(base, dir)}`;
}

export function toolchainImageRef(base: BaseSpec, tc: ToolchainSpec, dir = IMAGES_DIR): string {
  return `${base.imagePrefix}/rust-${tc.name}:${toolchainTag(base, tc, dir)}`;
}

export function targetImageRef(base: BaseSpec, target: TargetSpec, dir = IMAGES_DIR, buildArch = debianArch()): string {
  return `${target.imageName}:${targetTag(base, target, dir, buildArch)}`;
}
