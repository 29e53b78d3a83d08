// Named volumes through libpod's API, and files into and out of them: a container that is created
// (never started) with the volumes mounted takes a tar at a path (PUT .../archive) and gives one back
// (GET .../archive), as `podman cp` does. Seen working with podman 4.3: mode and mtime survive, and
// the files belong to the container's root (the remote user, for a rootless service).
import { ApiError, errorMessage, type ApiClient, type StreamBody } from './client';

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
  createdAt: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Volumes carrying the label (`key` or `key=value`). */
export async function listVolumes(api: ApiClient, label: string): Promise<VolumeInfo[]> {
  const rows = await api.json<unknown>('GET', '/volumes/json', 'listing volumes', {
    query: { filters: JSON.stringify({ label: [label] }) },
  });
  if (!Array.isArray(rows)) return [];
  return rows
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null)
    .map((r) => ({ name: str(r.Name), labels: labelsOf(r.Labels), createdAt: str(r.CreatedAt) }))
    .filter((v) => v.name !== '');
}

export async function createVolume(api: ApiClient, name: string, labels: Record<string, string>): Promise<void> {
  await api.json('POST', '/volumes/create', `creating the volume ${name}`, { json: { Name: name, Label: labels } });
}

/** Removes a volume; false when a container still uses it (the engine's 409). A missing one is gone already. */
export async function removeVolume(api: ApiClient, name: string): Promise<boolean> {
  const r = await api.text('DELETE', `/volumes/${encodeURIComponent(name)}`);
  if (r.status === 409) return false;
  if (r.status >= 400 && r.status !== 404)
    throw new ApiError(r.status, errorMessage(r.body), `removing the volume ${name}`);
  return true;
}

/** A container that is only created, to reach the volumes' files; `undefined` when the image is not there. */
export async function createCarrier(
  api: ApiClient,
  o: { name: string; image: string; volumes: { name: string; dest: string }[]; labels: Record<string, string> },
): Promise<string | undefined> {
  try {
    const r = await api.json<{ Id?: string }>('POST', '/containers/create', 'creating a container for the files', {
      json: {
        name: o.name,
        image: o.image,
        command: ['true'],
        labels: o.labels,
        netns: { nsmode: 'none' },
        volumes: o.volumes.map((v) => ({ Name: v.name, Dest: v.dest, Options: ['rw'] })),
      },
    });
    return r?.Id ?? o.name;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && /image|no such/i.test(e.engineMessage)) return undefined;
    throw e;
  }
}

export async function removeContainer(api: ApiClient, id: string): Promise<void> {
  await api
    .text('DELETE', `/containers/${encodeURIComponent(id)}`, { query: { force: true, v: false } })
    .catch(() => {});
}

/** Unpacks `tar` at `dir` in the container (into the volume mounted there). */
export async function putArchive(api: ApiClient, id: string, dir: string, tar: NodeJS.ReadableStream): Promise<void> {
  const r = await api.stream('PUT', `/containers/${encodeURIComponent(id)}/archive`, {
    query: { path: dir },
    body: tar,
    contentType: 'application/x-tar',
  });
  const text = await r.body.text();
  if (r.status >= 400) throw new ApiError(r.status, errorMessage(text), `copying files to ${dir}`);
}

/** A tar of `file` (a file or a folder) in the container; undefined when there is no such path. */
export async function getArchive(api: ApiClient, id: string, file: string): Promise<StreamBody | undefined> {
  const r = await api.stream('GET', `/containers/${encodeURIComponent(id)}/archive`, { query: { path: file } });
  if (r.status === 404) {
    await r.body.text();
    return undefined;
  }
  if (r.status >= 400) throw new ApiError(r.status, errorMessage(await r.body.text()), `copying ${file} back`);
  return r.body;
}

export interface PathStat {
  size: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
}

/** Size and mtime of a path in the container (HEAD .../archive), undefined when it is not there. */
export async function statPath(api: ApiClient, id: string, file: string): Promise<PathStat | undefined> {
  const r = await api.text('HEAD', `/containers/${encodeURIComponent(id)}/archive`, { query: { path: file } });
  if (r.status >= 400) return undefined;
  const h = r.headers['x-docker-container-path-stat'];
  if (typeof h !== 'string') return undefined;
  try {
    const v = JSON.parse(Buffer.from(h, 'base64').toString()) as { size?: unknown; mtime?: unknown };
    const mtimeMs = typeof v.mtime === 'string' ? Date.parse(v.mtime) : NaN;
    if (typeof v.size !== 'number' || !Number.isFinite(mtimeMs)) return undefined;
    return { size: v.size, mtimeMs };
  } catch {
    return undefined;
  }
}
