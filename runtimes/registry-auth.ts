// The credentials the engine's own login stored for a registry, for the one path where xcross must
// hand them over itself: libpod's pull and push take them in the X-Registry-Auth header. Read from
// the files podman and docker read (containers-auth.json(5)); never logged, never on a command line.
import * as fs from 'node:fs';
import * as path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** The auth files in the order podman reads them (its own first, docker's last). */
export function authFiles(env: Env): string[] {
  const home = env.HOME ?? '';
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers', 'auth.json'));
  files.push(path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json'));
  return files;
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * The credentials for `ref`'s registry: the entry with the longest matching `host[/path]` key, in
 * the first file that has one. Entries of credential helpers (credHelpers, credsStore) are not read:
 * the engine then uses its own defaults.
 */
export function credentialsFor(
  ref: string,
  env: Env,
  read: (file: string) => string | undefined = readQuietly,
): Credentials | undefined {
  const repo = ref.replace(/[:@][^/]*$/, '');
  for (const file of authFiles(env)) {
    const text = read(file);
    if (text === undefined) continue;
    let auths: unknown;
    try {
      auths = (JSON.parse(text) as { auths?: unknown }).auths;
    } catch {
      continue;
    }
    if (typeof auths !== 'object' || auths === null) continue;
    let best: { len: number; creds: Credentials } | undefined;
    for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
      const k = key
        .replace(/^https?:\/\//, '')
        .replace(/\/v[12]\/?$/, '')
        .replace(/\/+$/, '');
      if (repo !== k && !repo.startsWith(`${k}/`)) continue;
      const creds = decode(value);
      if (creds && (!best || k.length > best.len)) best = { len: k.length, creds };
    }
    if (best) return best.creds;
  }
  return undefined;
}

function decode(value: unknown): Credentials | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { auth?: unknown; username?: unknown; password?: unknown };
  if (typeof v.username === 'string' && typeof v.password === 'string')
    return { username: v.username, password: v.password };
  if (typeof v.auth !== 'string') return undefined;
  const plain = Buffer.from(v.auth, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return colon > 0 ? { username: plain.slice(0, colon), password: plain.slice(colon + 1) } : undefined;
}

/** libpod's X-Registry-Auth value: base64 of the JSON auth config. */
export function registryAuthHeader(creds: Credentials): string {
  return Buffer.from(JSON.stringify({ username: creds.username, password: creds.password })).toString('base64');
}

function readQuietly(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
