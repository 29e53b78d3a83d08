// Where each image came from (built here, pulled from the cache, loaded from an archive): labels
// cannot say it (pulling or loading keeps the image's own), so a small record per user does, keyed
// by image ID. `xcross image list` reads it; an image it does not know is shown as "here".
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Origin = { how: 'built' } | { how: 'pulled'; from: string } | { how: 'loaded'; from: string };
type Record_ = Origin & { at: string };

const FILE = 'image-origins.json';
/** Enough for every image a machine keeps; the oldest records go first. */
const MAX_RECORDS = 500;

export function readOrigins(cacheDir: string): Map<string, Origin> {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(cacheDir, FILE), 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return new Map();
    const out = new Map<string, Origin>();
    for (const [id, r] of Object.entries(v as Record<string, unknown>)) {
      const o = parseOrigin(r);
      if (o) out.set(id, o);
    }
    return out;
  } catch {
    return new Map();
  }
}

function parseOrigin(r: unknown): Origin | undefined {
  if (typeof r !== 'object' || r === null) return undefined;
  const o = r as { how?: unknown; from?: unknown };
  if (o.how === 'built') return { how: 'built' };
  if ((o.how === 'pulled' || o.how === 'loaded') && typeof o.from === 'string') return { how: o.how, from: o.from };
  return undefined;
}

/** Records the origin of an image ID (written whole to a temp file and renamed: never half a file). */
export function recordOrigin(cacheDir: string, imageId: string, origin: Origin, now = new Date()): void {
  let all: Record<string, Record_> = {};
  try {
    const v = JSON.parse(fs.readFileSync(path.join(cacheDir, FILE), 'utf8')) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) all = v as Record<string, Record_>;
  } catch {}
  all[imageId.replace(/^sha256:/, '')] = { ...origin, at: now.toISOString() };
  const kept = Object.entries(all)
    .sort((a, b) => String(a[1].at).localeCompare(String(b[1].at)))
    .slice(-MAX_RECORDS);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = path.join(cacheDir, `${FILE}.${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept), null, 1));
    fs.renameSync(tmp, path.join(cacheDir, FILE));
  } catch {
    // A record is a courtesy for `image list`; a read-only cache dir must not fail a build.
  }
}

export function describeOrigin(o: Origin | undefined): string {
  if (!o) return 'here';
  return o.how === 'built' ? 'built here' : o.how === 'pulled' ? `pulled from ${o.from}` : `loaded from ${o.from}`;
}
