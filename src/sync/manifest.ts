// What was sent to a volume, kept on this side between runs (one JSON file per volume), and the
// difference between it and the files now: what to send, what to remove. A file whose size, mtime and
// mode are what was sent is not read; one that stat says changed is hashed, and sent only when its
// content (or mode) differs. The volume carries an id (a label set when it was made): a manifest for
// another id (the volume was removed and made again) counts for nothing, so everything is sent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tree } from './tree';

export interface SentFile {
  size: number;
  mtimeMs: number;
  mode: number;
  hash: string;
}

export interface Manifest {
  volumeId: string;
  files: Record<string, SentFile>;
  links: Record<string, string>;
  dirs: Record<string, number>;
}

export function emptyManifest(volumeId: string): Manifest {
  return { volumeId, files: {}, links: {}, dirs: {} };
}

export function loadManifest(file: string, volumeId: string): Manifest {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Manifest>;
    if (v.volumeId === volumeId && v.files && v.links && v.dirs) return v as Manifest;
  } catch {}
  return emptyManifest(volumeId);
}

export function saveManifest(file: string, m: Manifest): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(m));
  fs.renameSync(tmp, file);
}

export interface Delta {
  /** Relative paths to send (folders, files and links), parents first. */
  send: string[];
  /** Relative paths to remove on the far side (a removed folder stands for what was in it). */
  remove: string[];
  /** Bytes of file content to send. */
  bytes: number;
  /** How many changed-looking files were hashed and found unchanged. */
  sameContent: number;
  /** The manifest once the delta is applied. */
  next: Manifest;
}

/** The delta between what was sent (`old`) and the files now (`tree`); `hash` reads a file's content hash. */
export function diffTree(tree: Tree, old: Manifest, hash: (rel: string) => string): Delta {
  const next = emptyManifest(old.volumeId);
  const send: string[] = [];
  let bytes = 0;
  let sameContent = 0;
  for (const rel of [...tree.keys()].sort()) {
    const e = tree.get(rel)!;
    if (e.kind === 'dir') {
      next.dirs[rel] = e.mode;
      if (old.dirs[rel] !== e.mode) send.push(rel);
    } else if (e.kind === 'link') {
      next.links[rel] = e.target;
      if (old.links[rel] !== e.target) send.push(rel);
    } else {
      const was = old.files[rel];
      if (was && was.size === e.size && was.mtimeMs === e.mtimeMs && was.mode === e.mode) {
        next.files[rel] = was;
        continue;
      }
      const h = hash(rel);
      next.files[rel] = { size: e.size, mtimeMs: e.mtimeMs, mode: e.mode, hash: h };
      if (was && was.hash === h && was.mode === e.mode) {
        sameContent++;
        continue;
      }
      send.push(rel);
      bytes += e.size;
    }
  }
  const gone = [...Object.keys(old.files), ...Object.keys(old.links), ...Object.keys(old.dirs)]
    .filter((rel) => {
      const now = tree.get(rel);
      if (!now) return true;
      // Changed kind (a file became a folder): remove the old one before the new one lands.
      const wasKind = rel in old.dirs ? 'dir' : rel in old.links ? 'link' : 'file';
      return now.kind !== wasKind;
    })
    .sort();
  const remove: string[] = [];
  for (const rel of gone) if (!remove.some((r) => rel.startsWith(r + '/'))) remove.push(rel);
  return { send, remove, bytes, sameContent, next };
}
