// podman's JSON answers, parsed into typed values at the edge.
import { XcrossError } from '../src/errors';
import type { ImageInfo } from './runtime';

export function parseImageList(text: string): ImageInfo[] {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || '[]');
  } catch {
    throw new XcrossError('podman printed an image list that is not JSON');
  }
  if (!Array.isArray(v)) throw new XcrossError('podman printed an image list that is not an array');
  return v.map((x: unknown, i) => {
    const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
    const id = o.Id ?? o.ID;
    if (typeof id !== 'string') throw new XcrossError(`podman's image list entry ${i} has no Id`);
    const labels = typeof o.Labels === 'object' && o.Labels !== null ? (o.Labels as Record<string, unknown>) : {};
    return {
      id,
      names: Array.isArray(o.Names) ? o.Names.filter((n): n is string => typeof n === 'string') : [],
      created: typeof o.Created === 'number' ? o.Created : 0,
      size: typeof o.Size === 'number' ? o.Size : 0,
      labels: Object.fromEntries(Object.entries(labels).filter(([, l]) => typeof l === 'string')) as Record<string, string>,
    };
  });
}
