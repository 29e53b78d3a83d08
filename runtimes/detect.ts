// Choosing the engine, as a chain of strategies that each answer "use me" or "not me, because ...":
// a name the user gave (--runtime, XCROSS_RUNTIME, CROSS_CONTAINER_ENGINE; a name or a path), then
// a podman API socket that already answers, then podman, nerdctl, docker on PATH. -v shows every answer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../src/base/errors';
import type { Logger } from '../src/base/log';
import type { Runtime } from './runtime';
import type { Stopping } from './stop';
import type { CliOptions } from './cli/engine';
import { dockerFlavor, nerdctlFlavor, podmanFlavor, type CliFlavor } from './cli/flavor';
import { DockerCli } from './cli/docker';
import { NerdctlCli } from './cli/nerdctl';
import { PodmanCli } from './cli/podman';
import { runCaptured } from './process';
import { findOnPath } from './which';
import { PodmanApi } from './podman-api/runtime';
import { tryConnect, type Connection } from './podman-api/connect';
import { socketCandidates } from './podman-api/socket';
import { knownRefusal } from './podman-api/refusal';
import { API_FASTER, API_VERDICT } from './podman-api/preference';
import { sshEngineFromEnv } from './ssh/engine-uri';
import { openTunnel, type RemoteEngine } from './ssh/tunnel';
import { ENGINE_URI } from './podman-service';

export const RUNTIMES = ['podman', 'podman-api', 'nerdctl', 'docker'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
type CliName = Exclude<RuntimeName, 'podman-api'>;
const CLI_RUNTIMES: CliName[] = ['podman', 'nerdctl', 'docker'];

/** Runtimes made in this process, closed when xcross ends (a service of our own is stopped). */
const opened: Runtime[] = [];

export async function closeRuntimes(): Promise<void> {
  await Promise.all(opened.splice(0).map((r) => r.close?.().catch(() => {})));
}

function opening<R extends Runtime>(r: R): R {
  opened.push(r);
  return r;
}

export interface DetectContext {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  cacheDir: string;
  log: Logger;
  /** The command's stop (src/stop.ts), given to the runtime it makes. */
  stop?: Stopping;
}

type Answer = { use: Runtime } | { skip: string };

const FLAVORS: Record<CliName, CliFlavor> = { podman: podmanFlavor, nerdctl: nerdctlFlavor, docker: dockerFlavor };

function make(kind: CliName, binary: string, ctx: DetectContext): Runtime {
  const o: CliOptions = { binary, uid: ctx.uid, env: ctx.env, cacheDir: ctx.cacheDir, log: ctx.log, stop: ctx.stop };
  return kind === 'podman' ? new PodmanCli(o) : kind === 'docker' ? new DockerCli(o) : new NerdctlCli(o);
}

/** A docker client is often installed without a daemon to talk to: that is "not me". */
async function dockerAnswers(binary: string, env: DetectContext['env']): Promise<string | undefined> {
  const r = await runCaptured(binary, ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 10_000 });
  if (r.code === 0 && /\d/.test(r.stdout)) return undefined;
  return (r.stderr.trim().split('\n').pop() || `exit code ${r.code}`).replace(/^Error: /, '');
}

async function onPath(kind: CliName, ctx: DetectContext): Promise<Answer> {
  const binary = findOnPath(kind, ctx.env.PATH);
  if (!binary) return { skip: `${kind} is not on PATH` };
  if (kind === 'docker') {
    const why = await dockerAnswers(binary, ctx.env);
    if (why) return { skip: `${binary} is there but its daemon does not answer (${why})` };
  }
  return { use: make(kind, binary, ctx) };
}

/**
 * A podman service that already listens: used when the benchmark (scripts/bench-runtimes.mjs) found
 * the API faster than the CLI on a warm run. A socket xcross would have to start itself costs more
 * than it saves, so that is "not me" here (`--runtime podman-api` starts one).
 */
async function podmanSocket(ctx: DetectContext): Promise<Answer> {
  if (!API_FASTER) return { skip: `a podman socket is not preferred: ${API_VERDICT}` };
  let candidates;
  try {
    candidates = socketCandidates(ctx.env, ctx.uid);
  } catch (e) {
    return { skip: e instanceof Error ? e.message : String(e) };
  }
  const absent = candidates.filter((c) => !fs.existsSync(c.path));
  if (absent.length === candidates.length)
    return { skip: `no podman API socket is listening (looked at ${absent.map((c) => c.path).join(', ')})` };
  const reasons: string[] = [];
  for (const choice of candidates) {
    const refused = knownRefusal(ctx.cacheDir, ctx.uid, choice.path);
    if (refused) {
      reasons.push(`${refused} (seen before; restarting that service makes xcross try it again)`);
      continue;
    }
    const c = await tryConnect(choice, ctx.log).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    if (typeof c !== 'string') {
      ctx.log.debug(`runtime: podman-api, because ${c.socket} answers and ${API_VERDICT}`);
      // The podman CLI can stand in for a default socket's service; not for CONTAINER_HOST's, which
      // that very variable turns the CLI into a client of.
      const podman = findOnPath('podman', ctx.env.PATH);
      const fallback = podman && choice.source !== 'CONTAINER_HOST' ? () => make('podman', podman, ctx) : undefined;
      return { use: apiRuntime(ctx, c, podman, fallback) };
    }
    reasons.push(c);
  }
  return { skip: reasons.join('; ') };
}

function apiRuntime(
  ctx: DetectContext,
  connection?: Connection,
  podman = findOnPath('podman', ctx.env.PATH),
  fallback?: () => Runtime,
): Runtime {
  return new PodmanApi({
    uid: ctx.uid,
    env: ctx.env,
    cacheDir: ctx.cacheDir,
    log: ctx.log,
    podman,
    connection,
    fallback,
    stop: ctx.stop,
  });
}

export async function createRuntime(requested: string | undefined, ctx: DetectContext): Promise<Runtime> {
  const remote = await openRemote(requested, ctx);
  if (!remote) return opening(await choose(requested, ctx));
  // Every runtime then sees a local socket: the CLI as CONTAINER_HOST's client, the API directly.
  const env = {
    ...ctx.env,
    CONTAINER_HOST: `unix://${remote.socket}`,
    CONTAINER_CONNECTION: undefined,
    [ENGINE_URI]: remote.uri,
  };
  let runtime: Runtime;
  try {
    runtime = await choose(requested ?? 'podman-api', { ...ctx, env }, requested ? undefined : 'podman-api');
  } catch (e) {
    await remote.close();
    throw e;
  }
  runtime.remote = remote;
  const close = runtime.close?.bind(runtime);
  runtime.close = async () => {
    await close?.();
    await remote.close();
  };
  return opening(runtime);
}

/** The ssh tunnel to the engine CONTAINER_HOST or a podman connection names, when it is over ssh. */
async function openRemote(requested: string | undefined, ctx: DetectContext): Promise<RemoteEngine | undefined> {
  // podman-remote only where there is no podman: its default connection is where podman itself goes.
  const podman = findOnPath('podman', ctx.env.PATH) ?? findOnPath('podman-remote', ctx.env.PATH);
  const engine = await sshEngineFromEnv(ctx.env, podman);
  if (!engine) return undefined;
  if (requested !== undefined && !['podman', 'podman-api'].includes(path.basename(requested))) {
    throw new XcrossError(`${engine.from} names a podman service over ssh, which ${requested} cannot drive`, {
      fix: 'use --runtime podman-api (the default for ssh://) or --runtime podman, or unset it',
    });
  }
  return openTunnel(engine, { env: ctx.env, log: ctx.log });
}

async function choose(requested: string | undefined, ctx: DetectContext, implied?: string): Promise<Runtime> {
  if (requested === 'podman-api') {
    ctx.log.debug(
      implied
        ? `runtime: podman-api, because the engine is over ssh (its API through one ssh connection; --runtime podman makes the podman CLI its client instead)`
        : `runtime: podman-api (asked for)`,
    );
    return apiRuntime(ctx);
  }
  if (requested !== undefined) {
    const kind = path.basename(requested) as CliName;
    if (!(CLI_RUNTIMES as readonly string[]).includes(kind)) {
      throw new XcrossError(`unknown container runtime '${requested}'`, {
        fix: `xcross drives: ${RUNTIMES.join(', ')}`,
      });
    }
    const binary = findOnPath(requested, ctx.env.PATH);
    if (!binary) {
      throw new XcrossError(
        requested.includes('/')
          ? `the container engine ${requested} does not exist or is not executable`
          : `${kind} is not installed (not found on PATH)`,
        {
          fix: FLAVORS[kind].install,
        },
      );
    }
    ctx.log.debug(`runtime: ${kind} at ${binary} (asked for '${requested}')`);
    return make(kind, binary, ctx);
  }
  const reasons: string[] = [];
  for (const kind of ['podman-socket', ...CLI_RUNTIMES] as const) {
    const a = kind === 'podman-socket' ? await podmanSocket(ctx) : await onPath(kind, ctx);
    if ('use' in a) {
      const why = reasons.length
        ? ` (before it: ${reasons.join('; ')})`
        : kind === 'podman-socket'
          ? ''
          : ' (found on PATH)';
      ctx.log.debug(`runtime: ${a.use.describe()}${why}`);
      return a.use;
    }
    ctx.log.debug(`runtime: not ${kind === 'podman-socket' ? 'a podman socket' : kind}: ${a.skip}`);
    reasons.push(a.skip);
  }
  throw new XcrossError(`no container engine found: ${reasons.join('; ')}`, {
    fix: `install podman: ${podmanFlavor.install}`,
  });
}
