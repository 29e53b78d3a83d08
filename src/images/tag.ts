// Image tags are a digest of everything that goes into the image, so a changed recipe makes a new
// image, and an unchanged one is never rebuilt. An image is layers (base -> Rust -> [std] -> target),
// each tagged by its own inputs, its parent's tag among them. The std and target layers are rendered
// recipes (steps.ts): their tag hashes the rendered Containerfile and the step scripts it runs, not
// the TargetSpec, so a field only messages read changes no tag. `npm run build` writes the digests of
// the shipped files to dist/image-tags.json with a fingerprint of those files; while it still matches,
// nothing is hashed with sha256 (and node:crypto not loaded) on the way to a build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGES_DIR, PACKAGE_ROOT } from '../base/package-root';
import { createHash, fnv1a } from '../base/hash';
import { debianArch } from '../targets/host-arch';
import type { BaseSpec, RustSpec, TargetSpec } from '../targets/registry';
import { renderContainerfile, scriptOf, type LayerRecipe } from './steps';
import { planTargetImage, stdRecipe, targetRecipe } from './target-plan';

export const BASE_FILES = ['Containerfile.base', 'xcross-runner', 'apt-install.sh', 'deb-unpack.sh'];
export const RUST_FILES = ['Containerfile.rust', 'steps/build-std.sh', 'compile-cache.sh'];
const STEP_SCRIPTS = [
  'apt.sh',
  'tools.sh',
  'runtime-libs.sh',
  'build-openssl.sh',
  'self-contained.sh',
  'rtstartup.sh',
  'wine-prefix.sh',
  'native-probe.sh',
  'verify-pins.sh',
  'smoke-test.sh',
  'smoke-bare-metal.sh',
].map((s) => `steps/${s}`);
const ALL_FILES = [...BASE_FILES, ...RUST_FILES, ...STEP_SCRIPTS, 'targets.toml'];

function digest(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}`);
  return h.digest('hex').slice(0, 12);
}

function files(names: string[], dir: string): string[] {
  return names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
}

/** A rendered layer's digest: its Containerfile (which names its parent by tag) and the scripts it runs. */
function recipeDigest(r: LayerRecipe, dir: string): string {
  const scripts = [...new Set(r.steps.map(scriptOf).filter((s): s is string => s !== undefined))].sort();
  return digest([renderContainerfile(r), ...scripts.flatMap((s) => [s, ...files([`steps/${s}`], dir)])]);
}

// The keys of the precomputed tags: what each tag depends on besides the files.
const baseKey = (base: BaseSpec) => JSON.stringify([base]);
const rustKey = (base: BaseSpec, rust: RustSpec) => JSON.stringify([base, rust]);
const stdKey = (base: BaseSpec, t: TargetSpec) => JSON.stringify(['std', base, t.rust, t.triple, t.std]);
const targetKey = (base: BaseSpec, t: TargetSpec, arch: string) => JSON.stringify([base, t, arch]);

type Lookup = (key: string) => string | undefined;
const nothing: Lookup = () => undefined;

/** The refs of the layers in `dir`, each tag taken from `known` when it has it, else hashed. */
function refsIn(dir: string, known: Lookup) {
  const base = (b: BaseSpec) =>
    `${b.imagePrefix}/base:${known(baseKey(b)) ?? digest([baseKey(b), ...files(BASE_FILES, dir)])}`;
  const rust = (b: BaseSpec, r: RustSpec) =>
    `${b.imagePrefix}/rust-${r.name}:${known(rustKey(b, r)) ?? digest([base(b), JSON.stringify(r), ...files(RUST_FILES, dir)])}`;
  const std = (b: BaseSpec, t: TargetSpec): string | undefined => {
    const parent = rust(b, t.rust);
    const recipe = stdRecipe(t, parent);
    if (!recipe) return undefined;
    return `${b.imagePrefix}/std/${t.triple}:${known(stdKey(b, t)) ?? recipeDigest(recipe, dir)}`;
  };
  const target = (b: BaseSpec, t: TargetSpec, arch: string) => {
    const tag =
      known(targetKey(b, t, arch)) ??
      recipeDigest(targetRecipe(t, planTargetImage(t, arch), std(b, t) ?? rust(b, t.rust)), dir);
    return `${t.imageName}:${tag}`;
  };
  return { base, rust, std, target };
}

/** The shipped images/ files may be served from the build's precomputed tags; any other folder not. */
const refs = (dir: string) => refsIn(dir, dir === IMAGES_DIR ? precomputed : nothing);

const tagOf = (ref: string) => ref.slice(ref.lastIndexOf(':') + 1);

export function baseImageRef(base: BaseSpec, dir = IMAGES_DIR): string {
  return refs(dir).base(base);
}

export function rustImageRef(base: BaseSpec, rust: RustSpec, dir = IMAGES_DIR): string {
  return refs(dir).rust(base, rust);
}

/** The std layer of a target whose std is built in the image, else undefined. */
export function stdImageRef(base: BaseSpec, t: TargetSpec, dir = IMAGES_DIR): string | undefined {
  return refs(dir).std(base, t);
}

/** `buildArch`: the Debian architecture of the host that builds the image (the plan depends on it). */
export function targetImageRef(base: BaseSpec, t: TargetSpec, dir = IMAGES_DIR, buildArch = debianArch()): string {
  return refs(dir).target(base, t, buildArch);
}

export function baseTag(base: BaseSpec, dir = IMAGES_DIR): string {
  return tagOf(baseImageRef(base, dir));
}

export function rustTag(base: BaseSpec, rust: RustSpec, dir = IMAGES_DIR): string {
  return tagOf(rustImageRef(base, rust, dir));
}

export function targetTag(base: BaseSpec, t: TargetSpec, dir = IMAGES_DIR, buildArch = debianArch()): string {
  return tagOf(targetImageRef(base, t, dir, buildArch));
}

/** The parent a target layer is built FROM: its std layer, or the Rust layer. */
export function targetParentRef(base: BaseSpec, t: TargetSpec, dir = IMAGES_DIR): string {
  return stdImageRef(base, t, dir) ?? rustImageRef(base, t.rust, dir);
}

export const PRECOMPUTED_TAGS = path.join(PACKAGE_ROOT, 'dist', 'image-tags.json');

interface Precomputed {
  signature: string;
  tags: Record<string, string>;
}

/**
 * What identifies the image inputs cheaply: each file's length and FNV-1a (~40 KB read). Not their
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
export function computeTags(
  base: BaseSpec,
  rust: RustSpec,
  targets: TargetSpec[],
  dir = IMAGES_DIR,
  buildArch = debianArch(),
): Precomputed {
  const fresh = refsIn(dir, nothing);
  const out: Record<string, string> = {
    [baseKey(base)]: tagOf(fresh.base(base)),
    [rustKey(base, rust)]: tagOf(fresh.rust(base, rust)),
  };
  for (const t of targets) {
    const std = fresh.std(base, t);
    if (std) out[stdKey(base, t)] = tagOf(std);
    out[targetKey(base, t, buildArch)] = tagOf(fresh.target(base, t, buildArch));
  }
  return { signature: inputsSignature(dir), tags: out };
}
