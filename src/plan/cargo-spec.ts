// The plan: a pure function from what was resolved to the ContainerSpec that runs cargo.
// No I/O, no engine knowledge: unit tests assert on its output.
import * as path from 'node:path';
import type { ContainerSpec, Mount } from '../../runtimes/spec';
import { MANAGED_LABEL } from '../../runtimes/spec';
import type { Env } from '../host';
import type { TargetSpec } from '../targets/registry';
import type { Toolchain } from '../toolchain/select';
import type { Workspace } from '../workspace/workspace';
import { isInside } from '../base/paths';
import { passthroughEnv } from './cargo-env';
import { colourOn } from '../ui/colour';

/** Where things are mounted inside; the workspace keeps its host path so that paths in messages match. */
export const CONTAINER_CARGO_HOME = '/xcross/cargo';
export const CONTAINER_TOOLCHAIN = '/xcross/toolchain';
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface CargoPlanInput {
  /** Cargo's argv after `cargo`. */
  cargoArgs: string[];
  target: TargetSpec;
  image: string;
  workspace: Workspace;
  targetDir: string;
  /** Host directory kept between runs as the container's CARGO_HOME (registry and git caches). */
  cargoHome: string;
  toolchain: Toolchain;
  readOnlySource: boolean;
  /** From Cross.toml's options: passthrough variables and volumes (see target-options.ts). */
  extra?: { env: Record<string, string>; mounts: Mount[] };
  /** The compile cache, when this run goes through it (see src/compile-cache/plan.ts). */
  compileCache?: { env: Record<string, string>; mounts: Mount[]; prefix: string[] };
  /** Forward stdin (cargo run). */
  interactive: boolean;
  name: string;
  host: {
    uid: number;
    gid: number;
    cwd: string;
    env: Env;
    stdinIsTTY: boolean;
    stdoutIsTTY: boolean;
    stderrIsTTY: boolean;
  };
}

export function planCargo(p: CargoPlanInput): ContainerSpec {
  const { workspace, host } = p;
  const mounts: Mount[] = [{ source: workspace.root, target: workspace.root, readOnly: p.readOnlySource }];
  // Path dependencies are read, never written: cargo writes only the workspace's Cargo.lock and target/.
  for (const dir of workspace.externalPaths) mounts.push({ source: dir, target: dir, readOnly: true });
  if (p.readOnlySource || !isInside(p.targetDir, workspace.root))
    mounts.push({ source: p.targetDir, target: p.targetDir, readOnly: false });
  mounts.push({ source: p.cargoHome, target: CONTAINER_CARGO_HOME, readOnly: false });
  mounts.push(...(p.extra?.mounts ?? []));
  mounts.push(...(p.compileCache?.mounts ?? []));

  // What the user passes through comes on top of the defaults; what xcross sets below wins over both.
  const env: Record<string, string> = { ...passthroughEnv(host.env, p.target.triple), ...p.extra?.env };
  env.CARGO_HOME = CONTAINER_CARGO_HOME;
  env.CARGO_TARGET_DIR = p.targetDir;
  // cargo never needs a home beyond CARGO_HOME; a non-root --user has none in the image.
  env.HOME = '/tmp';
  // The container's stderr is no terminal, so cargo would not colour by itself: it does when xcross
  // would colour its own lines there (the NO_COLOR that reaches the container counts).
  if (env.CARGO_TERM_COLOR === undefined && colourOn(host.stderrIsTTY, env)) env.CARGO_TERM_COLOR = 'always';
  // The compile cache's wrapper and server settings win over what the user passed (which the plan
  // checked first: a RUSTC_WRAPPER of the user's turns the cache off).
  Object.assign(env, p.compileCache?.env);
  if (p.toolchain.source === 'host') {
    mounts.push({ source: p.toolchain.toolchain.dir, target: CONTAINER_TOOLCHAIN, readOnly: true });
    env.PATH = `${CONTAINER_TOOLCHAIN}/bin:${IMAGE_PATH}`;
    env.RUSTC = `${CONTAINER_TOOLCHAIN}/bin/rustc`;
  }

  const mounted = mounts.map((m) => m.target);
  const workdir = mounted.some((m) => m !== CONTAINER_CARGO_HOME && isInside(host.cwd, m))
    ? host.cwd
    : path.dirname(workspace.manifest);
  return {
    image: p.image,
    name: p.name,
    command: [...(p.compileCache?.prefix ?? []), 'cargo', ...p.cargoArgs],
    ...(p.compileCache?.prefix.length ? { program: 'cargo' } : {}),
    workdir,
    env,
    mounts,
    owner: { uid: host.uid, gid: host.gid },
    labels: {
      [MANAGED_LABEL]: 'true',
      'io.xcross.target': p.target.triple,
      'io.xcross.workspace': workspace.root,
    },
    interactive: p.interactive,
    tty: p.interactive && host.stdinIsTTY && host.stdoutIsTTY,
  };
}
