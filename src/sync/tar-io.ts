// Tars both ways for a sync: the changed files of a folder as a stream made while it is sent, and a
// tar from the engine unpacked here. What comes back is untrusted: only plain files and folders land,
// each at a normalised relative path that stays inside the destination (no '..', no absolute names,
// no links followed or made).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Pack } from 'tar-stream';
import type { Tree } from './tree';

type TarStream = typeof import('tar-stream');
const tarStream = (): TarStream => require('tar-stream') as TarStream;

/** A tar of `send` (relative paths of `tree`, parents first) read from `root`; owned by the container's root. */
export function packFiles(root: string, tree: Tree, send: string[]): { tar: Readable; done: Promise<void> } {
  const pack = tarStream().pack();
  const add = (header: Parameters<Pack['entry']>[0], body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) pack.entry(header, body, cb);
      else pack.entry(header, cb);
    });
  const done = (async () => {
    try {
      for (const rel of send) {
        const e = tree.get(rel)!;
        const abs = path.join(root, rel);
        const owner = { uid: 0, gid: 0 };
        if (e.kind === 'dir') await add({ name: `${rel}/`, type: 'directory', mode: e.mode, ...owner });
        else if (e.kind === 'link') await add({ name: rel, type: 'symlink', linkname: e.target, ...owner });
        else {
          // Read whole: a file that changes while it is sent must not break the tar's sizes.
          const body = fs.readFileSync(abs);
          await add(
            { name: rel, type: 'file', size: body.length, mode: e.mode, mtime: new Date(e.mtimeMs), ...owner },
            body,
          );
        }
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
      throw err;
    }
  })();
  done.catch(() => {});
  return { tar: pack as unknown as Readable, done };
}

/** A tar entry's name as a safe relative path, or undefined when it would leave the destination. */
export function safeRelative(name: string): string | undefined {
  const n = path.posix.normalize(name.replace(/\/+$/, ''));
  if (n === '.' || n === '' || path.posix.isAbsolute(n) || n === '..' || n.startsWith('../') || n.includes('\0'))
    return undefined;
  return n;
}

export interface Unpacked {
  files: number;
  bytes: number;
  skipped: string[];
}

/**
 * Where an entry of a tar from the engine lands, relative to the destination, or undefined. A folder's
 * tar names its files either under the folder's own name (`top`/...) or from its root (`/...`, podman
 * 4.3 for a volume's mount point); both land inside the destination, never above it.
 */
export function landing(name: string, top: string | undefined): string | undefined {
  let n = name.replace(/^\/+/, '');
  const rooted = n !== name;
  if (!rooted && top !== undefined) {
    if (n === top || n === `${top}/`) return undefined;
    if (!n.startsWith(`${top}/`)) return undefined;
    n = n.slice(top.length + 1);
  }
  return safeRelative(n);
}

/**
 * Unpacks a tar from the engine into `dest`; `top` is the folder's own name when the tar is of a
 * folder (see landing). Files are written under a temporary name and renamed, with the mode and mtime
 * the tar gives.
 */
export async function unpackInto(tar: NodeJS.ReadableStream, dest: string, top?: string): Promise<Unpacked> {
  const extract = tarStream().extract();
  const reading = pipeline(tar as Readable, extract);
  reading.catch(() => {});
  const out: Unpacked = { files: 0, bytes: 0, skipped: [] };
  for await (const entry of extract) {
    const h = entry.header;
    const rel = landing(h.name, top);
    if (h.type === 'directory') {
      if (rel) fs.mkdirSync(path.join(dest, rel), { recursive: true });
      entry.resume();
      continue;
    }
    if (h.type === 'link' && rel && h.linkname) {
      // A hard link (cargo links each artifact into deps/ and its profile folder): to a file that
      // already landed here, never to anything outside.
      const from = landing(h.linkname, top);
      const src = from && path.join(dest, from);
      if (src && fs.existsSync(src) && fs.lstatSync(src).isFile()) {
        const file = path.join(dest, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.rmSync(file, { force: true });
        fs.linkSync(src, file);
        out.files++;
        entry.resume();
        continue;
      }
    }
    if (h.type !== 'file' || !rel) {
      if (h.name) out.skipped.push(h.name);
      entry.resume();
      continue;
    }
    const file = path.join(dest, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A link on our side where a file lands would be followed: never write through one.
    try {
      if (fs.lstatSync(file).isSymbolicLink()) fs.rmSync(file);
    } catch {}
    const tmp = `${file}.xcross-${process.pid}.tmp`;
    await pipeline(entry, fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.chmodSync(tmp, (h.mode ?? 0o644) & 0o777);
    if (h.mtime) fs.utimesSync(tmp, h.mtime, h.mtime);
    fs.renameSync(tmp, file);
    out.files++;
    out.bytes += h.size ?? 0;
  }
  await reading;
  return out;
}
