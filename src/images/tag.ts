// Image tags are a digest of everything that goes into the image, so a changed Containerfile or
// registry entry makes a new image, and an unchanged one is never rebuilt. An image is three layers
// (base -> Rust toolchain -> target), each tagged by its own inputs and its parent's tag. `npm run
// build` writes the digests of the shipped files to dist/image-tags.json with a fingerprint of those
// files; while it still matches, nothing is hashed with sha256 (and node:crypto not loaded) on the
// way to a build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGES_DIR, PACKAGE_ROOT } from '../base/package-root';
import { createHash, fnv1a } from '../base/hash';
import { debianArch } from '../targets/host-arch';
import type { BaseSpec, TargetSpec, ToolchainSpec } from '../targets/registry';

export const BASE_FILES = ['Containerfile.base', 'xcross-runner', 'apt-install.sh', 'deb-unpack.sh'];
export const TOOLCHAIN_FILES = ['Containerfile.toolchain', 'compile-cache.sh'];
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

type Lookup = (key: string) => string | undefined;
const nothing: Lookup = () => undefined;

/** The three tags of the files in `dir`, each taken from `known` when it has it, else hashed. */
function tagsIn(dir: string, known: Lookup) {
  const base = (b: BaseSpec) => known(baseKey(b)) ?? digest([baseKey(b), ...files(BASE_FILES, dir)]);
  const toolchain = (b: BaseSpec, tc: ToolchainSpec) => known(toolchainKey(b, tc)) ?? digest([base(b), JSON.stringify(tc), ...files(TOOLCHAIN_FILES, dir)]);
  const target = (b: BaseSpec, t: TargetSpec, arch: string) => known(targetKey(b, t, arch))
    ?? digest([toolchain(b, t.toolchain), JSON.stringify(t), arch, ...files(TARGET_FILES, dir)]);
  return { base, toolchain, target };
}

/** The shipped images/ files may be served from the build's precomputed tags; any other folder not. */
const tags = (dir: string) => tagsIn(dir, dir === IMAGES_DIR ? precomputed : nothing);

export function baseTag(base: BaseSpec, dir = IMAGES_DIR): string {
  return tags(dir).base(base);
}

export function toolchainTag(base: BaseSpec, tc: ToolchainSpec, dir = IMAGES_DIR): string {
  return tags(dir).toolchain(base, tc);
}

/** `buildArch`: the Debian architecture of the host that builds the image (the plan depends on it). */
export function targetTag(base: BaseSpec, t: TargetSpec, dir = IMAGES_DIR, buildArch = debianArch()): string {
  return tags(dir).target(base, t, buildArch);
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
function precomputed(key: string): string | undefined {
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
  const fresh = tagsIn(dir, nothing);
  const out: Record<string, string> = { [baseKey(base)]: fresh.base(base) };
  for (const tc of toolchains) out[toolchainKey(base, tc)] = fresh.toolchain(base, tc);
  for (const t of targets) out[targetKey(base, t, buildArch)] = fresh.target(base, t, buildArch);
  return { signature: inputsSignature(dir), tags: out };
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
