// `<engine> version` and `<engine> info`, asked with a time limit and parsed into the few facts the
// doctor needs; an engine that crashes, hangs or prints garbage is a reason, never an exception.
// podman and docker answer in different shapes; nerdctl answers like docker.
import { runCaptured, type ProcEnv } from '../../runtimes/process';

export interface EngineFacts {
  version: string;
  rootless: boolean;
  ociRuntime: string;
  cgroupManager: string;
  cgroupVersion: string;
  storageDriver: string;
  /** podman's: where its images are stored, and the program that mounts their layers (fuse-overlayfs). */
  graphRoot?: string;
  mountProgram?: string;
}

type EngineKind = 'podman' | 'docker' | 'nerdctl';

/** The engine's version from `<engine> version` (docker's and nerdctl's daemon's), or why not. */
export async function engineVersion(
  binary: string,
  env: ProcEnv,
  engine: EngineKind = 'podman',
  timeoutMs = 15_000,
): Promise<{ version: string } | string> {
  const isPodman = engine === 'podman';
  const v = await runCaptured(binary, ['version', '--format', isPodman ? 'json' : '{{json .}}'], { env, timeoutMs });
  if (v.code !== 0) {
    if (/timed out after/.test(v.stderr)) return `\`${engine} version\` did not answer within ${timeoutMs / 1000} s`;
    return `\`${engine} version\` failed (exit code ${v.code}): ${firstLine(v.stderr)}`;
  }
  const ver = parseJson(v.stdout);
  const version = dig(ver, isPodman ? ['Client', 'Version'] : ['Server', 'Version']) ?? dig(ver, ['Client', 'Version']);
  if (typeof version !== 'string')
    return `\`${engine} version\` did not answer with the JSON ${engine} prints: ${firstLine(v.stdout)}`;
  return { version };
}

export async function podmanFacts(
  binary: string,
  env: ProcEnv,
  engine: EngineKind = 'podman',
  timeoutMs = 15_000,
): Promise<EngineFacts | string> {
  const isPodman = engine === 'podman';
  const v = await engineVersion(binary, env, engine, timeoutMs);
  if (typeof v === 'string') return v;
  const version = v.version;
  const i = await runCaptured(binary, ['info', '--format', isPodman ? 'json' : '{{json .}}'], {
    env,
    timeoutMs: timeoutMs * 2,
  });
  if (i.code !== 0) {
    if (/timed out after/.test(i.stderr)) return `\`${engine} info\` did not answer within ${(timeoutMs * 2) / 1000} s`;
    return `\`${engine} info\` failed (exit code ${i.code}): ${firstLine(i.stderr)}`;
  }
  const info = parseJson(i.stdout);
  const str = (path: string[]) => {
    const x = dig(info, path);
    return typeof x === 'string' ? x : typeof x === 'boolean' || typeof x === 'number' ? String(x) : '';
  };
  if (isPodman) {
    const facts = podmanInfoFacts(version, info);
    return facts ?? `\`podman info\` did not answer with the JSON podman prints: ${firstLine(i.stdout)}`;
  }
  // docker and nerdctl: the daemon's view.
  if (!str(['Driver']))
    return `\`${engine} info\` did not answer with the JSON ${engine} prints: ${firstLine(i.stdout)}`;
  const security = dig(info, ['SecurityOptions']);
  return {
    version,
    rootless: Array.isArray(security) && security.some((o) => typeof o === 'string' && o.includes('rootless')),
    ociRuntime: str(['DefaultRuntime']),
    cgroupManager: str(['CgroupDriver']),
    cgroupVersion: `v${str(['CgroupVersion'])}`,
    storageDriver: str(['Driver']),
  };
}

/** podman's `info` JSON (the CLI's and libpod's /info are the same shape), or undefined when it is not that. */
export function podmanInfoFacts(version: string, info: unknown): EngineFacts | undefined {
  const str = (path: string[]) => {
    const x = dig(info, path);
    return typeof x === 'string' ? x : typeof x === 'boolean' || typeof x === 'number' ? String(x) : '';
  };
  if (!str(['host', 'ociRuntime', 'name'])) return undefined;
  return {
    version,
    rootless: str(['host', 'security', 'rootless']) === 'true',
    ociRuntime: str(['host', 'ociRuntime', 'name']),
    cgroupManager: str(['host', 'cgroupManager']),
    cgroupVersion: str(['host', 'cgroupVersion']),
    storageDriver: str(['store', 'graphDriverName']),
    ...(str(['store', 'graphRoot']) ? { graphRoot: str(['store', 'graphRoot']) } : {}),
    ...(str(['store', 'graphOptions', 'overlay.mount_program', 'Executable'])
      ? { mountProgram: str(['store', 'graphOptions', 'overlay.mount_program', 'Executable']) }
      : {}),
  };
}

/** The same facts through the REST API: libpod's /info. */
export async function apiFacts(info: () => Promise<unknown>): Promise<EngineFacts | string> {
  let v: unknown;
  try {
    v = await info();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const version = dig(v, ['version', 'Version']);
  return (
    (typeof version === 'string' ? podmanInfoFacts(version, v) : undefined) ??
    'its /info answer is not the JSON podman gives'
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function dig(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 200) || '(nothing)';
}
