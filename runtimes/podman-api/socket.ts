// Which podman API socket to use, whether it is a podman that speaks libpod v4+, and, when none
// listens, a short-lived `podman system service` of our own that ends with xcross.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../../src/base/errors';
import { containerHost } from '../podman-service';

export interface SocketChoice {
  path: string;
  /** Where the path came from, for -v and errors. */
  source: 'CONTAINER_HOST' | 'rootless default' | 'rootful default';
}

type Env = Readonly<Record<string, string | undefined>>;

/** CONTAINER_HOST=unix://..., else the rootless socket (not for root), else the system one. A user
 * reaches the system one only where its owner opened it to them; its containers are then rootful and
 * get the user's ids. */
export function socketCandidates(env: Env, uid: number): SocketChoice[] {
  const host = containerHost(env);
  if (host) {
    if (!host.startsWith('unix://')) {
      throw new XcrossError(
        `CONTAINER_HOST=${host} is not a Unix socket: the podman-api runtime talks to a local socket only`,
        {
          fix: 'set CONTAINER_HOST=unix:///path/to/podman.sock, unset it, or use `--runtime podman`',
        },
      );
    }
    return [{ path: host.slice('unix://'.length), source: 'CONTAINER_HOST' }];
  }
  const out: SocketChoice[] = [];
  if (uid !== 0 && env.XDG_RUNTIME_DIR)
    out.push({ path: path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'), source: 'rootless default' });
  out.push({ path: '/run/podman/podman.sock', source: 'rootful default' });
  return out;
}

/** The Libpod-Api-Version header of `_ping`, checked: xcross speaks libpod v4 and newer. */
export function checkApiVersion(header: string | undefined, socket: string): string {
  if (!header) {
    throw new XcrossError(
      `the service on ${socket} is not podman (its _ping has no Libpod-Api-Version; a Docker daemon?)`,
      {
        fix: 'point CONTAINER_HOST at a podman socket, or use `--runtime docker` for a Docker daemon',
      },
    );
  }
  const major = Number(/^(\d+)\./.exec(header)?.[1]);
  if (!Number.isFinite(major) || major < 4) {
    throw new XcrossError(
      `the podman service on ${socket} speaks libpod API ${header}, older than the v4 xcross needs`,
      {
        fix: 'upgrade podman to 4.0 or newer, or use `--runtime podman`',
      },
    );
  }
  return header;
}

/** A `podman system service` that xcross started, on a socket of its own, stopped when xcross ends. */
export class OwnService {
  private exited = false;
  private stderr = '';

  private constructor(
    readonly socket: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    child.on('exit', () => {
      this.exited = true;
    });
    // Last resort if xcross ends without stop(): never leave a service behind. The idle timeout
    // (--time) covers a SIGKILL of xcross.
    process.once('exit', () => this.kill());
  }

  /**
   * Starts podman's service on `socket` and waits until it accepts connections. `global` holds the
   * global flags this host needs (e.g. --runtime runc --cgroup-manager cgroupfs).
   */
  static async start(
    podman: string,
    socket: string,
    global: string[],
    env: Env,
    ready: () => Promise<boolean>,
  ): Promise<OwnService> {
    fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o700 });
    fs.rmSync(socket, { force: true });
    // CONTAINER_HOST would turn this podman into a client of some other service.
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env))
      if (v !== undefined && k !== 'CONTAINER_HOST' && k !== 'CONTAINER_CONNECTION') childEnv[k] = v;
    const child = spawn(podman, [...global, 'system', 'service', '--time=30', `unix://${socket}`], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    child.unref();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    const service = new OwnService(socket, child);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    let failure: Error | undefined;
    void spawnError.then((e) => {
      failure = e;
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (failure)
        throw new XcrossError(`could not start \`${podman} system service\`: ${failure.message}`, {
          fix: 'check that podman is installed and works: `podman info`',
        });
      if (service.exited) {
        throw new XcrossError(`\`podman system service\` stopped at once: ${lastLines(service.stderr)}`, {
          fix: 'run `podman system service --time=0` yourself to see why, or use `--runtime podman`',
        });
      }
      if (fs.existsSync(socket) && (await ready().catch(() => false))) return service;
      await new Promise((r) => setTimeout(r, 10));
    }
    service.kill();
    throw new XcrossError(`\`podman system service\` did not open ${socket} within 15 s`, {
      fix: 'use `--runtime podman`, or start the service yourself and set CONTAINER_HOST',
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the service process has ended (it died, or it was stopped). */
  get dead(): boolean {
    return this.exited;
  }

  get lastWords(): string {
    return lastLines(this.stderr);
  }

  private kill(): void {
    if (!this.exited) {
      try {
        this.child.kill('SIGTERM');
      } catch {}
    }
    try {
      fs.rmSync(this.socket, { force: true });
    } catch {}
  }

  async stop(): Promise<void> {
    if (this.exited) return this.kill();
    // Held (ref'd) while it stops: an event loop with nothing left would end xcross before its exit code is set.
    this.child.ref();
    let timer: NodeJS.Timeout | undefined;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.kill();
    await Promise.race([
      gone,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 3_000);
      }),
    ]);
    clearTimeout(timer);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

function lastLines(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .filter((l) => l && !/level=(warning|info)/.test(l))
      .slice(-2)
      .join(' ')
      .replace(/^Error: /, '') || 'no message'
  );
}
