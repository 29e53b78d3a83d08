// The build context as a tar stream made while it is sent: files are read one after the other, so
// memory stays flat whatever the context's size. Ignored paths never leave the disk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pack } from 'tar-stream';
import { isInside } from '../../src/base/paths';
import { IgnoreRules, contextIgnorePatterns } from './ignore';

export interface ContextTar {
  stream: Pack;
  /** The Containerfile's name inside the tar. */
  containerfile: string;
  /** Settles when every entry was written (rejects on a read error). */
  done: Promise<{ files: number; bytes: number }>;
}

/** Name for a Containerfile that lives outside its context. */
const OUTSIDE_NAME = '.xcross.Containerfile';

export function contextTar(context: string, containerfile: string, excludes: string[] = []): ContextTar {
  const rules = new IgnoreRules([...contextIgnorePatterns(context), ...excludes]);
  const rel = path.relative(context, containerfile);
  const inside = isInside(containerfile, context);
  const name = inside ? rel.split(path.sep).join('/') : OUTSIDE_NAME;
  const stream = (require('tar-stream') as typeof import('tar-stream')).pack();
  const done = (async () => {
    let files = 0;
    let bytes = 0;
    const add = (header: Parameters<Pack['entry']>[0]) =>
      new Promise<void>((resolve, reject) => {
        stream.entry(header, (err) => (err ? reject(err) : resolve()));
      });
    const file = (abs: string, relName: string, st: fs.Stats) =>
      new Promise<void>((resolve, reject) => {
        const entry = stream.entry(
          { name: relName, size: st.size, mode: st.mode & 0o7777, mtime: st.mtime, type: 'file' },
          (err) => (err ? reject(err) : resolve()),
        );
        const input = fs.createReadStream(abs);
        input.on('error', reject);
        input.pipe(entry);
      });
    const walk = async (dirRel: string): Promise<void> => {
      const abs = path.join(context, dirRel);
      const entries = await fs.promises.readdir(abs, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const r = dirRel ? `${dirRel}/${e.name}` : e.name;
        const excluded = rules.excluded(r) && r !== name;
        const full = path.join(context, r);
        if (e.isDirectory()) {
          if (excluded && !rules.hasNegations && !name.startsWith(`${r}/`)) continue;
          if (!excluded) {
            const st = await fs.promises.lstat(full);
            await add({ name: `${r}/`, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime });
          }
          await walk(r);
        } else if (excluded) {
          continue;
        } else if (e.isSymbolicLink()) {
          const st = await fs.promises.lstat(full);
          await add({
            name: r,
            type: 'symlink',
            linkname: await fs.promises.readlink(full),
            mode: st.mode & 0o7777,
            mtime: st.mtime,
          });
        } else if (e.isFile()) {
          const st = await fs.promises.stat(full);
          await file(full, r, st);
          files++;
          bytes += st.size;
        }
      }
    };
    try {
      await walk('');
      if (!inside) {
        const st = await fs.promises.stat(containerfile);
        await file(containerfile, OUTSIDE_NAME, st);
      }
      stream.finalize();
      return { files, bytes };
    } catch (e) {
      stream.destroy(e as Error);
      throw e;
    }
  })();
  // The caller learns of a failure through `done`; the stream only ends early.
  done.catch(() => {});
  return { stream, containerfile: name, done };
}
