// `podman version` and `podman info`, asked with a time limit and parsed into the few facts the
// doctor needs; an engine that crashes, hangs or prints garbage is a reason, never an exception.
import { runCaptured, type ProcEnv } from '../../runtimes/process';

export interface EngineFacts {
  version: string;
  rootless: boolean;
  ociRuntime: string;
  cgroupManager: string;
  cgroupVersion: string;
  storageDriver: string;
}

export async function podmanFacts(binary: string, env: ProcEnv): Promise<EngineFacts | string> {
  const v = await runCaptured(binary, ['version', '--format', 'json'], { env, timeoutMs: 15_000 });
  if (v.code !== 0) return `\`podman version\` failed (exit code ${v.code}): ${firstLine(v.stderr)}`;
  const version = dig(parseJson(v.stdout), ['Client', 'Version']);
  if (typeof version !== 'string') return `\`podman version\` did not answer with the JSON podman prints: ${firstLine(v.stdout)}`;
  const i = await runCaptured(binary, ['info', '--format', 'json'], { env, timeoutMs: 30_000 });
  if (i.code !== 0) return `\`podman info\` failed (exit code ${i.code}): ${firstLine(i.stderr)}`;
  const info = parseJson(i.stdout);
  const str = (path: string[]) => {
    const x = dig(info, path);
    return typeof x === 'string' ? x : typeof x === 'boolean' ? String(x) : '';
  };
  if (!str(['host', 'ociRuntime', 'name'])) return `\`podman info\` did not answer with the JSON podman prints: ${firstLine(i.stdout)}`;
  return {
    version,
    rootless: str(['host', 'security', 'rootless']) === 'true',
    ociRuntime: str(['host', 'ociRuntime', 'name']),
    cgroupManager: str(['host', 'cgroupManager']),
    cgroupVersion: str(['host', 'cgroupVersion']),
    storageDriver: str(['store', 'graphDriverName']),
  };
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
