// Finding a podman service to talk to: the socket the environment names, else the default ones that
// answer, else (when podman is installed) a short-lived service of our own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XcrossError } from '../../src/base/errors';
import type { Logger } from '../../src/base/log';
import { installCommand } from '../../src/base/host-os/install';
import { ApiClient } from './client';
import { OwnService, checkApiVersion, socketCandidates, type SocketChoice } from './socket';
import { socketOwner } from '../podman-service';

export interface Connection {
  api: ApiClient;
  socket: string;
  /** Where the socket came from ("xcross's own service" when we started it). */
  source: string;
  version: string;
  rootless: boolean;
  own?: OwnService;
}

export interface ConnectOptions {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  log: Logger;
  /** podman's binary, to start a service when none answers; undefined: do not start one. */
  podman?: string;
  /** Global podman flags a service of our own needs on this host (from the adaptation cache). */
  serviceFlags?: string[];
}

/** A socket that answers _ping as libpod v4+, or the reason it does not. */
export async function tryConnect(choice: SocketChoice, log: Logger): Promise<Connection | string> {
  if (!fs.existsSync(choice.path)) return `no socket at ${choice.path} (${choice.source})`;
  const api = new ApiClient(choice.path, log);
  try {
    const version = checkApiVersion(await api.ping(), choice.path);
    return { api, socket: choice.path, source: choice.source, version, rootless: socketOwner(choice.path) !== 0 };
  } catch (e) {
    await api.close();
    if (choice.source === 'CONTAINER_HOST') throw e;
    return `${choice.path} (${choice.source}): ${e instanceof Error ? e.message : String(e)}`;
  }
}

export async function connect(o: ConnectOptions): Promise<Connection> {
  const reasons: string[] = [];
  for (const choice of socketCandidates(o.env, o.uid)) {
    const c = await tryConnect(choice, o.log);
    if (typeof c !== 'string') return c;
    // The user named this socket: not answering is an error, not a reason to look elsewhere.
    if (choice.source === 'CONTAINER_HOST') {
      throw new XcrossError(`CONTAINER_HOST names ${choice.path}, but there is no socket there`, {
        fix: `start the service there (\`podman system service --time=0 unix://${choice.path}\`), or unset CONTAINER_HOST to let xcross start its own`,
      });
    }
    o.log.debug(`podman-api: passing over ${c}`);
    reasons.push(c);
  }
  if (!o.podman) {
    throw new XcrossError(
      `no podman API socket answers${reasons.length ? ` (${reasons.join('; ')})` : ''}, and podman is not installed to start one`,
      {
        fix: `install podman (${installCommand('podman')}), or set CONTAINER_HOST=unix:///path/to/podman.sock`,
      },
    );
  }
  return startOwn(o, o.serviceFlags ?? []);
}

/** `podman system service` on a socket of our own, gone when xcross ends. */
export async function startOwn(o: ConnectOptions, flags: string[]): Promise<Connection> {
  const socket = ownSocketPath(o.env, o.uid);
  const api = new ApiClient(socket, o.log);
  const started = performance.now();
  o.log.command([o.podman!, ...flags, 'system', 'service', '--time=30', `unix://${socket}`]);
  let version = '';
  const own = await OwnService.start(o.podman!, socket, flags, o.env, async () => {
    version = checkApiVersion(await api.ping(1_000), socket);
    return true;
  });
  o.log.debug(
    `podman-api: started podman's service (pid ${own.pid}) in ${Math.round(performance.now() - started)} ms; it stops when xcross does`,
  );
  return { api, socket, source: "xcross's own service", version, rootless: o.uid !== 0, own };
}

function ownSocketPath(env: ConnectOptions['env'], uid: number): string {
  if (uid === 0) return path.join('/run/xcross', `podman-${process.pid}.sock`);
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'xcross', `podman-${process.pid}.sock`);
  // No runtime directory: a fresh private one, never a guessable shared path.
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-podman-')), 'podman.sock');
}
