// An adaptation is learnt once and kept in a file per engine (or service) and user, under a key that
// changes with the engine binary, the user, the hard limits and the boot: any of them may change
// what the host needs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { safeRead, type Adaptation, type Limits } from './probe';

export function cacheKey(binary: string, uid: number, limits: Limits): string {
  let stamp = '';
  try {
    const st = fs.statSync(binary);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {}
  return [binary, stamp, uid, limits.nofile, limits.nproc, safeRead('/proc/sys/kernel/random/boot_id').trim()].join(
    '|',
  );
}

export function loadCached(file: string, key: string): Adaptation | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: unknown; adaptation?: Adaptation };
    const a = v.adaptation;
    if (v.key === key && a && Array.isArray(a.global) && Array.isArray(a.run) && Array.isArray(a.notes)) return a;
  } catch {}
  return undefined;
}

export function saveCached(file: string, key: string, adaptation: Adaptation): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ key, adaptation }));
  } catch {
    // A cache that cannot be written costs a probe next time, nothing more.
  }
}
