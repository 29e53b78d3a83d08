// Which engine over ssh the environment names: CONTAINER_HOST=ssh://user@host[:port]/path/to/podman.sock,
// or a podman system connection (CONTAINER_CONNECTION=name, or the default one for a podman that is
// only a client). Parsing only; nothing here opens a connection.
import { XcrossError } from '../../src/base/errors';
import { runCaptured } from '../process';
import { containerHost } from '../podman-service';

type Env = Readonly<Record<string, string | undefined>>;

export interface SshEngine {
  /** As the user wrote it (for -v and errors); never holds a password. */
  uri: string;
  user?: string;
  host: string;
  port?: number;
  /** The engine's socket on the far side. */
  socket: string;
  /** A private key file to log in with (the connection's Identity, or CONTAINER_SSHKEY). */
  identity?: string;
  /** Where it was named: CONTAINER_HOST, CONTAINER_CONNECTION=name, or the default connection. */
  from: string;
}

/** ssh://[user@]host[:port]/absolute/socket/path → its parts; throws a sentence for anything else. */
export function parseSshUri(uri: string, from: string, identity?: string): SshEngine {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new XcrossError(`${from} is not a URL: ${uri}`, {
      fix: 'write it as ssh://user@host/run/user/UID/podman/podman.sock',
    });
  }
  if (u.protocol !== 'ssh:') throw new XcrossError(`${from} is not an ssh:// URL: ${uri}`);
  if (u.password) {
    throw new XcrossError(`${from} holds a password, which xcross does not pass to ssh`, {
      fix: 'log in with a key (ssh-agent, or CONTAINER_SSHKEY=/path/to/key) and remove the password from the URL',
    });
  }
  const socket = decodeURIComponent(u.pathname);
  if (!socket || socket === '/') {
    throw new XcrossError(`${from} names no socket path: ${uri}`, {
      fix: 'add the remote podman socket, e.g. ssh://user@host/run/user/1000/podman/podman.sock (`podman info --format {{.Host.RemoteSocket.Path}}` on that host prints it)',
    });
  }
  const port = u.port ? Number(u.port) : undefined;
  return {
    uri,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    socket,
    identity,
    from,
  };
}

/** One podman system connection, as `podman system connection list --format json` prints it. */
interface ConnectionRow {
  Name: string;
  URI: string;
  Identity?: string;
  Default?: boolean;
}

function parseConnections(text: string): ConnectionRow[] {
  let v: unknown;
  try {
    v = JSON.parse(text || '[]');
  } catch {
    throw new XcrossError('`podman system connection list --format json` printed something that is not JSON');
  }
  if (!Array.isArray(v)) return [];
  return v.filter(
    (r): r is ConnectionRow =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as ConnectionRow).Name === 'string' &&
      typeof (r as ConnectionRow).URI === 'string',
  );
}

/**
 * The ssh engine the environment names, or undefined when it names none (a local socket, or nothing).
 * `podman` is the podman binary, asked for its system connections only when one is named, or when it is
 * a client only (podman-remote), for which the default connection is where it always goes.
 */
export async function sshEngineFromEnv(env: Env, podman: string | undefined): Promise<SshEngine | undefined> {
  const keyFromEnv = env.CONTAINER_SSHKEY?.trim() || undefined;
  const host = containerHost(env);
  if (host) return host.startsWith('ssh://') ? parseSshUri(host, 'CONTAINER_HOST', keyFromEnv) : undefined;
  const named = env.CONTAINER_CONNECTION?.trim() || undefined;
  const remoteOnly = podman !== undefined && /podman-remote[^/]*$/.test(podman);
  if (!named && !remoteOnly) return undefined;
  if (!podman) {
    throw new XcrossError(
      `CONTAINER_CONNECTION=${named} names a podman system connection, and podman is not installed to read it`,
      {
        fix: 'set CONTAINER_HOST=ssh://user@host/path/to/podman.sock instead',
      },
    );
  }
  const r = await runCaptured(podman, ['system', 'connection', 'list', '--format', 'json'], { env, timeoutMs: 10_000 });
  if (r.code !== 0) {
    throw new XcrossError(`\`podman system connection list\` failed: ${r.stderr.trim().split('\n').pop() ?? r.code}`);
  }
  const rows = parseConnections(r.stdout);
  const row = named ? rows.find((c) => c.Name === named) : rows.find((c) => c.Default);
  if (!row) {
    if (!named) return undefined;
    throw new XcrossError(
      `CONTAINER_CONNECTION=${named} is not one of podman's system connections (${rows.map((c) => c.Name).join(', ') || 'none'})`,
      {
        fix: `add it: podman system connection add ${named} ssh://user@host/run/user/UID/podman/podman.sock`,
      },
    );
  }
  if (!row.URI.startsWith('ssh://')) return undefined;
  const from = named ? `CONTAINER_CONNECTION=${named}` : `podman's default connection ${row.Name}`;
  return parseSshUri(row.URI, from, keyFromEnv ?? (row.Identity || undefined));
}

/** user@host, for messages and for ssh's destination. */
export function sshDestination(e: SshEngine): string {
  return e.user ? `${e.user}@${e.host}` : e.host;
}
