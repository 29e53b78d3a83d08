// The files cargo linked in this invocation: in <target-dir>/<triple>/<profile>/ (binaries, cdylibs),
// its deps/ (test binaries) and examples/, those written since the run started. Only names that can be
// a linked file are looked at (no extension, or a shared library), so a no-op build stats a handful.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Filesystems that keep modification times in whole seconds (or two) must not hide a fresh file. */
const SLACK_MS = 2000;

export function freshLinkedFiles(targetDir: string, triple: string, sinceMs: number): string[] {
  const root = path.join(targetDir, triple);
  const since = sinceMs - SLACK_MS;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const profile of entries(root)) {
    if (!profile.isDirectory()) continue;
    const dir = path.join(root, profile.name);
    // The profile's own files first: a binary there is a hard link to deps/, and its name is the user's.
    for (const sub of [dir, path.join(dir, 'examples'), path.join(dir, 'deps')]) {
      for (const e of entries(sub)) {
        if (!(e.isFile() && mayBeLinked(e.name))) continue;
        const file = path.join(sub, e.name);
        let st: fs.Stats;
        try {
          st = fs.statSync(file);
        } catch {
          continue; // removed meanwhile (cargo clean in another terminal)
        }
        const id = `${st.dev}:${st.ino}`;
        if (st.mtimeMs < since || seen.has(id)) continue;
        seen.add(id);
        out.push(file);
      }
    }
  }
  return out;
}

function mayBeLinked(name: string): boolean {
  return !name.includes('.') || /\.so(\.|$)/.test(name);
}

function entries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
