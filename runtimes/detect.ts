// Choosing the engine, as a chain of strategies that each answer "use me" or "not me, because ...":
// a name the user gave (--runtime, XCROSS_RUNTIME, CROSS_CONTAINER_ENGINE; a name or a path), then
// podman, nerdctl, docker on PATH. -v shows every answer.
import * as path from 'node:path';
import { XcrossError } from '../src/errors';
import type { Logger } from '../src/ui/log';
import type { Runtime } from './runtime';
import type { CliOptions } from './cli-engine';
import { dockerFlavor, nerdctlFlavor, podmanFlavor, type CliFlavor } from './cli-flavor';
import { DockerCli } from './docker-cli';
import { NerdctlCli } from './nerdctl-cli';
import { PodmanCli } from './podman-cli';
import { runCaptured } from './process';
import { findOnPath } from './which';

export const RUNTIMES = ['podman', 'nerdctl', 'docker'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface DetectContext {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  cacheDir: string;
  log: Logger;
}

type Answer = { use: Runtime } | { skip: string };

const FLAVORS: Record<RuntimeName, CliFlavor> = { podman: podmanFlavor, nerdctl: nerdctlFlavor, docker: dockerFlavor };

function make(kind: RuntimeName, binary: string, ctx: DetectContext): Runtime {
  const o: CliOptions = { binary, uid: ctx.uid, env: ctx.env, cacheDir: ctx.cacheDir, log: ctx.log };
  return kind === 'podman' ? new PodmanCli(o) : kind === 'docker' ? new DockerCli(o) : new NerdctlCli(o);
}

/** A docker client is often installed without a daemon to talk to: that is "not me". */
async function dockerAnswers(binary: string, env: DetectContext['env']): Promise<string | undefined> {
  const r = await runCaptured(binary, ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 10_000 });
  if (r.code === 0 && /\d/.test(r.stdout)) return undefined;
  return (r.stderr.trim().split('\n').pop() || `exit code ${r.code}`).replace(/^Error: /, '');
}

async function onPath(kind: RuntimeName, ctx: DetectContext): Promise<Answer> {
  const binary = findOnPath(kind, ctx.env.PATH);
  if (!binary) return { skip: `${kind} is not on PATH` };
  if (kind === 'docker') {
    const why = await dockerAnswers(binary, ctx.env);
    if (why) return { skip: `${binary} is there but its daemon does not answer (${why})` };
  }
  return { use: make(kind, binary, ctx) };
}

export async function createRuntime(requested: string | undefined, ctx: DetectContext): Promise<Runtime> {
  if (requested !== undefined) {
    const kind = path.basename(requested) as RuntimeName;
    if (!(RUNTIMES as readonly string[]).includes(kind)) {
      throw new XcrossError(`unknown container runtime '${requested}'`, { fix: `xcross drives: ${RUNTIMES.join(', ')}` });
    }
    const binary = findOnPath(requested, ctx.env.PATH);
    if (!binary) {
      throw new XcrossError(requested.includes('/') ? `the container engine ${requested} does not exist or is not executable` : `${kind} is not installed (not found on PATH)`, {
        fix: FLAVORS[kind].install,
      });
    }
    ctx.log.debug(`runtime: ${kind} at ${binary} (asked for '${requested}')`);
    return make(kind, binary, ctx);
  }
  const reasons: string[] = [];
  for (const kind of RUNTIMES) {
    const a = await onPath(kind, ctx);
    if ('use' in a) {
      ctx.log.debug(`runtime: ${a.use.describe()}${reasons.length ? ` (before it: ${reasons.join('; ')})` : ' (found on PATH)'}`);
      return a.use;
    }
    ctx.log.debug(`runtime: not ${kind}: ${a.skip}`);
    reasons.push(a.skip);
  }
  throw new XcrossError(`no container engine found: ${reasons.join('; ')}`, { fix: `install podman: ${podmanFlavor.install}` });
}
