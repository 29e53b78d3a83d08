// Build contexts without what must stay out of them (target/, .git), without writing into them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * --ignorefile replaces the context's own .dockerignore, so the file holds both: the context's
 * patterns, then ours. It lives outside the context, which xcross never writes into.
 */
export function writeIgnoreFile(context: string, excludes: string[]): string {
  let own = '';
  for (const name of ['.containerignore', '.dockerignore']) {
    try {
      own = fs.readFileSync(path.join(context, name), 'utf8');
      break;
    } catch {}
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-ignore-'));
  const file = path.join(dir, 'ignore');
  // Patterns are relative to the context root anyway; buildah 1.28 (podman 4.3) matches nothing with
  // a leading slash, so it goes.
  fs.writeFileSync(file, `${own}\n${excludes.map((e) => e.replace(/^\/+/, '')).join('\n')}\n`);
  return file;
}

export function copyContext(context: string, excludes: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-context-'));
  const skip = new Set(excludes.map((e) => e.replace(/^\//, '')));
  fs.cpSync(context, dir, {
    recursive: true,
    filter: (src) => !skip.has(path.relative(context, src).split(path.sep)[0]),
  });
  fs.writeFileSync(path.join(dir, '.xcross-copy'), '');
  return dir;
}
