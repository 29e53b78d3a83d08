// Digest of a build context's files, for custom image tags: every file's path and content, less
// target/ and .git at the root (what the build leaves out too). Symlinks count by their target text.
import * as fs from 'node:fs';
import { createHash } from '../base/hash';
import * as path from 'node:path';

export const CONTEXT_EXCLUDES = ['target', '.git'];

export function contextDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const entries = fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && CONTEXT_EXCLUDES.includes(e.name)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isSymbolicLink()) h.update(`L ${r} -> ${fs.readlinkSync(path.join(dir, r))}\n`);
      else if (e.isFile()) h.update(`F ${r} ${createHash('sha256').update(fs.readFileSync(path.join(dir, r))).digest('hex')}\n`);
    }
  };
  walk('');
  return h.digest('hex');
}
