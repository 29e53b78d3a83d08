// `image inspect` JSON, the same shape from podman, docker and nerdctl, parsed at the edge.
import { XcrossError } from '../src/base/errors';
import type { ImageInfo } from './runtime';

export function parseImageInspect(text: string): ImageInfo[] {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || '[]');
  } catch {
    throw new XcrossError('the engine printed image details that are not JSON');
  }
  if (!Array.isArray(v)) throw new XcrossError('the engine printed image details that are not a list');
  return v.map((x: unknown, i) => {
    const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
    const id = o.Id ?? o.ID;
    if (typeof id !== 'string') throw new XcrossError(`the engine's image entry ${i} has no Id`);
    const config = (typeof o.Config === 'object' && o.Config !== null ? o.Config : {}) as Record<string, unknown>;
    const rawLabels = config.Labels ?? o.Labels;
    const labels = typeof rawLabels === 'object' && rawLabels !== null ? (rawLabels as Record<string, unknown>) : {};
    const created =
      typeof o.Created === 'string' ? Date.parse(o.Created) / 1000 : typeof o.Created === 'number' ? o.Created : 0;
    return {
      id: id.replace(/^sha256:/, ''),
      names: Array.isArray(o.RepoTags) ? o.RepoTags.filter((n): n is string => typeof n === 'string') : [],
      created: Number.isFinite(created) ? Math.floor(created) : 0,
      size: typeof o.Size === 'number' ? o.Size : 0,
      labels: Object.fromEntries(Object.entries(labels).filter(([, l]) => typeof l === 'string')) as Record<
        string,
        string
      >,
    };
  });
}
