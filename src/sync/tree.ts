// The local side of a synced mount: the files under a folder (what a build reads), each with what
// tells a change: size, mtime and mode from stat, and its content hash, computed only when stat says
// it may have changed since the last sync.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from '../base/hash';

export interface FileEntry {
  kind: 'file';
  size: number;
  mtimeMs: number;
  mode: number;
}
export interface LinkEntry {
  kind: 'link';
  target: string;
}
export interface DirEntry {
  kind: 'dir';
  mode: number;
}
export type Entry = FileEntry | LinkEntry | DirEntry;

/** Relative path (with '/') → entry; the root itself is not listed. */
export type Tree = Map<string, Entry>;

/** Decides, for a relative path (a folder's with a trailing '/'), whether it is part of the sync. */
export type Filter = (rel: string, isDir: boolean) => boolean;

/** Every file, link and folder under `root` that `keep` keeps; unreadable ones are left out. */
export function walk(root: string, keep: Filter): Tree {
  const out: Tree = new Map();
  const visit = (dir: string, prefix: string) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names) {
      const rel = prefix + d.name;
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        if (!keep(rel + '/', true)) continue;
        let mode = 0o755;
        try {
          mode = fs.statSync(full).mode & 0o7777;
        } catch {}
        out.set(rel, { kind: 'dir', mode });
        visit(full, rel + '/');
      } else if (d.isSymbolicLink()) {
        if (!keep(rel, false)) continue;
        try {
          out.set(rel, { kind: 'link', target: fs.readlinkSync(full) });
        } catch {}
      } else if (d.isFile()) {
        if (!keep(rel, false)) continue;
        try {
          const st = fs.statSync(full);
          out.set(rel, { kind: 'file', size: st.size, mtimeMs: Math.floor(st.mtimeMs), mode: st.mode & 0o7777 });
        } catch {}
      }
    }
  };
  visit(root, '');
  return out;
}

/** sha256 of a file's content, hex. */
export function hashFile(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}
