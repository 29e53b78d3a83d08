// The local compile cache on the host: sccache's disk cache, one directory shared by every target,
// workspace and engine of this user ($XDG_CACHE_HOME/xcross/compile-cache), mounted into the container.
// sccache keeps each entry at <dir>/<h0>/<h1>/<hash> and sets an entry's time when it is used.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the container sees the local cache. */
export const CONTAINER_CACHE_DIR = '/xcross/compile-cache';
/** The in-image helper (images/compile-cache.sh): the orchestration of a run, and cargo's RUSTC_WRAPPER. */
export const IMAGE_HELPER = '/usr/local/bin/xcross-compile-cache';

export function localCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'compile-cache');
}

export interface Entry {
  /** The entry's name: sccache's hash of the compilation. */
  name: string;
  file: string;
  size: number;
  mtimeMs: number;
}

const ENTRY = /^[0-9a-f]{16,128}$/;

export function entryFile(dir: string, name: string): string {
  return path.join(dir, name[0], name[1], name);
}

export function isEntryName(name: string): boolean {
  return ENTRY.test(name);
}

/** Every entry under `dir` (none when it does not exist). */
export function listEntries(dir: string): Entry[] {
  const out: Entry[] = [];
  for (const a of readdir(dir)) {
    for (const b of readdir(path.join(dir, a))) {
      for (const name of readdir(path.join(dir, a, b))) {
        if (!isEntryName(name)) continue;
        const file = path.join(dir, a, b, name);
        try {
          const st = fs.statSync(file);
          if (st.isFile()) out.push({ name, file, size: st.size, mtimeMs: st.mtimeMs });
        } catch {
          // removed by a running sccache meanwhile
        }
      }
    }
  }
  return out;
}

function readdir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Writes an entry whole (a temporary name, then rename), dated `mtime` so it does not look used yet. */
export function writeEntry(dir: string, name: string, data: Buffer, mtime: Date): void {
  const file = entryFile(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.xcross-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.utimesSync(tmp, mtime, mtime);
  fs.renameSync(tmp, file);
}
