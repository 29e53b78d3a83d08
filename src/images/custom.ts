// Custom images from Cross.toml's `dockerfile` and `pre-build`, derived from the target's image.
// The tag is a digest of everything that goes in (the base image's ID, the Containerfile text, the
// pre-build lines or script, the context's files, the build arguments), so an unchanged
// configuration never rebuilds and a changed one always does. Planning is pure but for reading the
// files it hashes; building is the runtime's.
import * as fs from 'node:fs';
import { createHash } from '../base/hash';
import * as os from 'node:os';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { DockerfileOption, PreBuild } from '../config/cross-options';
import type { TargetSpec } from '../targets/registry';
import type { BuildRequest } from '../../runtimes/runtime';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { CONTEXT_EXCLUDES, contextDigest } from './custom-context';

export interface CustomImageInput {
  target: TargetSpec;
  prefix: string;
  baseRef: string;
  baseId: string;
  workspaceRoot: string;
  dockerfile?: DockerfileOption;
  preBuild?: PreBuild;
}

export interface CustomImagePlan {
  ref: string;
  /** Builds to run in order; each FROMs the previous result. Temp contexts to remove afterwards. */
  builds: BuildRequest[];
  tempDirs: string[];
  describe: string;
  /** What a copy from the image cache must carry (not the workspace path, which is each machine's own). */
  cacheLabels: Record<string, string>;
}

export function planCustomImage(i: CustomImageInput): CustomImagePlan {
  const crossArgs = { CROSS_BASE_IMAGE: i.baseRef, CROSS_DEB_ARCH: i.target.debArch, CROSS_TARGET: i.target.triple };
  const h = createHash('sha256').update(`base ${i.baseId}\n`).update(`target ${i.target.triple}\n`);
  const labels = {
    [MANAGED_LABEL]: 'true', 'io.xcross.custom': 'true', 'io.xcross.target': i.target.triple, 'io.xcross.base-ref': i.baseRef,
    // Prune keeps the newest custom image per workspace and target.
    'io.xcross.workspace': i.workspaceRoot,
  };
  const builds: BuildRequest[] = [];
  const tempDirs: string[] = [];
  const what: string[] = [];
  let dockerfileStep: Omit<BuildRequest, 'tag'> | undefined;
  if (i.dockerfile) {
    const file = path.resolve(i.workspaceRoot, i.dockerfile.file);
    const context = path.resolve(i.workspaceRoot, i.dockerfile.context ?? '.');
    const text = readOrFail(file, 'dockerfile');
    h.update(`dockerfile\n${text}\ncontext ${contextDigest(context)}\nargs ${JSON.stringify(sorted(i.dockerfile.buildArgs))}\n`);
    dockerfileStep = { containerfile: file, context, buildArgs: { ...crossArgs, ...i.dockerfile.buildArgs }, labels, excludes: CONTEXT_EXCLUDES.map((e) => `/${e}`) };
    what.push(`dockerfile ${path.relative(i.workspaceRoot, file) || file}`);
  }
  let script: { name: string; content: Buffer } | undefined;
  if (i.preBuild) {
    if (i.preBuild.kind === 'script') {
      const file = path.resolve(i.workspaceRoot, i.preBuild.path);
      script = { name: 'pre-build-script', content: readBufferOrFail(file, 'pre-build') };
      h.update('pre-build script\n').update(script.content);
      what.push(`pre-build script ${i.preBuild.path}`);
    } else {
      h.update(`pre-build\n${i.preBuild.lines.join('\n')}\n`);
      what.push(`pre-build (${i.preBuild.lines.length} command${i.preBuild.lines.length === 1 ? '' : 's'})`);
    }
  }
  const digest = h.digest('hex').slice(0, 16);
  const ref = `${i.prefix}/custom-${i.target.triple}:${digest}`;
  const inputsLabel = { ...labels, 'io.xcross.inputs': digest };
  if (dockerfileStep) builds.push({ ...dockerfileStep, labels: inputsLabel, tag: i.preBuild ? `${ref}-dockerfile` : ref });
  if (i.preBuild) {
    const from = dockerfileStep ? `${ref}-dockerfile` : i.baseRef;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-prebuild-'));
    tempDirs.push(dir);
    if (script) fs.writeFileSync(path.join(dir, script.name), script.content, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'Containerfile'), preBuildContainerfile(from, i.preBuild, script?.name));
    // No step cache: the image is built once per digest, and a killed build then leaves only what the
    // sweep finds (runtime.ts, BuildRequest.layers).
    builds.push({ containerfile: path.join(dir, 'Containerfile'), context: dir, tag: ref, buildArgs: { ...crossArgs, BASE_IMAGE: from }, labels: inputsLabel, layers: false });
  }
  const { 'io.xcross.workspace': _workspace, ...cacheLabels } = inputsLabel;
  return { ref, builds, tempDirs, describe: what.join(' + '), cacheLabels };
}

/** cross runs pre-build commands with CROSS_DEB_ARCH and CROSS_TARGET set; a script gets the target as $1. */
export function preBuildContainerfile(from: string, pre: PreBuild, scriptName?: string): string {
  const lines = [`FROM ${from}`, 'ARG CROSS_DEB_ARCH', 'ARG CROSS_TARGET', 'ENV CROSS_DEB_ARCH=${CROSS_DEB_ARCH} CROSS_TARGET=${CROSS_TARGET}'];
  if (pre.kind === 'script') lines.push(`COPY ${scriptName} /xcross-pre-build/`, `RUN /xcross-pre-build/${scriptName} "$CROSS_TARGET"`);
  else for (const l of pre.lines) lines.push(`RUN ${l.replace(/\n/g, ' \\\n    ')}`);
  return lines.join('\n') + '\n';
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}

function readOrFail(file: string, key: string): string {
  return readBufferOrFail(file, key).toString('utf8');
}

function readBufferOrFail(file: string, key: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new XcrossError(`${key} names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`, {
      fix: `paths in ${key} are relative to the workspace root`,
    });
  }
}
