// A container the engine knows, as `podman container inspect`, `docker container inspect` and libpod's
// GET /containers/{name}/json describe it (one JSON shape): its ID, names and mounts. xcross reads
// its own container this way when it runs in one and the engine runs outside it (src/placement/).
import { XcrossError } from '../src/base/errors';

export interface KnownMount {
  /** bind, volume, tmpfs, ... */
  type: string;
  /** The path on the engine's host (a volume's is its mountpoint there); absent for a tmpfs. */
  source?: string;
  /** The path inside the container. */
  destination: string;
  rw: boolean;
}

export interface KnownContainer {
  id: string;
  /** Without docker's leading '/'. */
  name: string;
  hostname?: string;
  running: boolean;
  mounts: KnownMount[];
}

/** The engine's words for a container it does not have (podman, docker, nerdctl, libpod's 404 body). */
export const NO_SUCH_CONTAINER = /no such container|no container with name or id|no such object/i;

/** One container from inspect's output: an array of one (the CLIs) or the object itself (libpod). */
export function parseContainerInspect(text: string, engine: string): KnownContainer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new XcrossError(`${engine} printed container details that are not JSON: ${text.slice(0, 80)}`);
  }
  const c: unknown = Array.isArray(v) ? v[0] : v;
  if (!isObject(c) || typeof c.Id !== 'string' || c.Id === '')
    throw new XcrossError(`${engine} printed container details without an Id`);
  const config = isObject(c.Config) ? c.Config : {};
  const state = isObject(c.State) ? c.State : {};
  const mounts = Array.isArray(c.Mounts) ? c.Mounts : [];
  return {
    id: c.Id,
    name: typeof c.Name === 'string' ? c.Name.replace(/^\//, '') : '',
    ...(typeof config.Hostname === 'string' && config.Hostname ? { hostname: config.Hostname } : {}),
    running: state.Running === true,
    mounts: mounts.flatMap((m): KnownMount[] => {
      if (!isObject(m) || typeof m.Destination !== 'string' || !m.Destination.startsWith('/')) return [];
      const source = typeof m.Source === 'string' && m.Source.startsWith('/') ? m.Source : undefined;
      return [
        {
          type: typeof m.Type === 'string' ? m.Type : 'bind',
          ...(source ? { source } : {}),
          destination: m.Destination,
          rw: m.RW !== false,
        },
      ];
    }),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
