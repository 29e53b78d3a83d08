// Choosing the engine: a name the user gave (--runtime, XCROSS_RUNTIME, CROSS_CONTAINER_ENGINE,
// possibly a path), else the first engine found on PATH.
import * as path from 'node:path';
import { XcrossError } from '../src/errors';
import type { Logger } from '../src/ui/log';
import type { Runtime } from './runtime';
import { PodmanCli } from './podman-cli';
import { findOnPath } from './which';

export const RUNTIMES = ['podman'] as const;

export interface DetectContext {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  cacheDir: string;
  log: Logger;
}

const INSTALL_HINT = 'install podman: `sudo apt-get install podman uidmap` (Debian, Ubuntu) or `sudo dnf install podman` (Fedora)';

export function createRuntime(requested: string | undefined, ctx: DetectContext): Runtime {
  if (requested !== undefined) {
    const kind = path.basename(requested);
    if (!(RUNTIMES as readonly string[]).includes(kind)) {
      throw new XcrossError(`unknown container runtime '${requested}'`, { fix: `this version of xcross drives: ${RUNTIMES.join(', ')}` });
    }
    const binary = findOnPath(requested, ctx.env.PATH);
    if (!binary) {
      throw new XcrossError(requested.includes('/') ? `the container engine ${requested} does not exist or is not executable` : `podman is not installed (not found on PATH)`, { fix: INSTALL_HINT });
    }
    ctx.log.debug(`runtime: podman at ${binary} (asked for '${requested}')`);
    return new PodmanCli({ binary, uid: ctx.uid, env: ctx.env, cacheDir: ctx.cacheDir, log: ctx.log });
  }
  const binary = findOnPath('podman', ctx.env.PATH);
  if (!binary) throw new XcrossError('no container engine found: xcross needs podman', { fix: INSTALL_HINT });
  ctx.log.debug(`runtime: podman at ${binary} (found on PATH)`);
  return new PodmanCli({ binary, uid: ctx.uid, env: ctx.env, cacheDir: ctx.cacheDir, log: ctx.log });
}
