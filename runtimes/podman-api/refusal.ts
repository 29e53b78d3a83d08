// What detection remembers about a podman service that cannot start containers on this host as it
// was started (e.g. it runs crun where only runc works, and its flags are its owner's to change):
// the socket's identity and why. A restarted service has a new socket file, so it is tried again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fnv1a } from '../../src/base/hash';

interface Refusal {
  socket: string;
  /** The socket file's inode and change time in ns (as text): a new file has others. */
  ino: string;
  ctime: string;
  why: string;
}

function file(cacheDir: string, uid: number, socket: string): string {
  return path.join(cacheDir, `podman-api-refused-${uid}-${fnv1a(socket)}.json`);
}

function identity(socket: string): { ino: string; ctime: string } | undefined {
  try {
    const st = fs.statSync(socket, { bigint: true });
    return { ino: String(st.ino), ctime: String(st.ctimeNs) };
  } catch {
    return undefined;
  }
}

export function recordRefusal(cacheDir: string, uid: number, socket: string, why: string): void {
  const id = identity(socket);
  if (!id) return;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(file(cacheDir, uid, socket), JSON.stringify({ socket, ...id, why } satisfies Refusal));
  } catch {}
}

/** Why this very socket (same file, not one made since) could not start containers, if it could not. */
export function knownRefusal(cacheDir: string, uid: number, socket: string): string | undefined {
  let r: Partial<Refusal>;
  try {
    r = JSON.parse(fs.readFileSync(file(cacheDir, uid, socket), 'utf8')) as Partial<Refusal>;
  } catch {
    return undefined;
  }
  const id = identity(socket);
  if (!id || r.socket !== socket || r.ino !== id.ino || r.ctime !== id.ctime || typeof r.why !== 'string')
    return undefined;
  return r.why;
}
