// HTTP over podman's Unix socket with undici: JSON requests, streamed bodies, hijacked attach
// connections. Every transport failure and engine error body becomes one sentence here, so the
// runtime above deals in answers, not sockets.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import type { Client } from 'undici';
import { XcrossError } from '../../src/base/errors';
import type { Logger } from '../../src/base/log';
import { PACKAGE_ROOT } from '../../src/base/package-root';
import { requireWithCodeCache } from '../../src/base/code-cache';

/** The libpod API prefix: v4 paths are served by podman 4 and 5 alike. */
export const API = '/v4.0.0/libpod';

/** A streamed answer: read it as it comes, or whole with text(). */
export type StreamBody = Readable & AsyncIterable<Buffer> & { text(): Promise<string> };

export type Query = Record<string, string | number | boolean | string[] | undefined>;

/** An error body from the engine (`{"cause","message","response"}`), with its status. */
export class ApiError extends XcrossError {
  constructor(
    readonly status: number,
    readonly engineMessage: string,
    what: string,
  ) {
    super(`${what}: ${engineMessage || `HTTP ${status}`}`);
  }
}

export function queryString(q: Query = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v])
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(one))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The engine's own sentence from an error body, whatever shape it came in. */
export function errorMessage(body: string): string {
  try {
    const v = JSON.parse(body) as { message?: unknown; cause?: unknown };
    if (typeof v.message === 'string') return v.message;
    if (typeof v.cause === 'string') return v.cause;
  } catch {}
  return body.trim().split('\n')[0] ?? '';
}

export class ApiClient {
  private client: Client;

  constructor(
    readonly socket: string,
    private readonly log: Logger,
  ) {
    this.client = this.connect();
  }

  private connect(): Client {
    // Queries answer within seconds; streams (attach, build, pull) may be silent for as long as
    // the work takes, so their requests turn the timeouts off.
    return new (loadUndici().Client)('http://podman', {
      socketPath: this.socket,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
      connect: { timeout: 5_000 },
    });
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }

  /** Drops the connection pool, e.g. after the service behind the socket was replaced. */
  async reset(): Promise<void> {
    await this.client.destroy().catch(() => {});
    this.client = this.connect();
  }

  /** `_ping`: the Libpod-Api-Version header (undefined when the service is not podman). */
  async ping(timeoutMs = 5_000): Promise<string | undefined> {
    // A deadline of our own: with a listener that accepts and hangs up at once, undici's request
    // never settles (neither its timeouts nor an abort signal end it), so the connection is dropped.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.reset();
        reject(Object.assign(new Error('no answer'), { name: 'TimeoutError' }));
      }, timeoutMs);
    });
    try {
      const ask = (async () => {
        const r = await this.client.request({
          method: 'GET',
          path: '/libpod/_ping',
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        await r.body.text();
        return r.headers['libpod-api-version'];
      })();
      ask.catch(() => {});
      const h = await Promise.race([ask, deadline]);
      return typeof h === 'string' ? h : undefined;
    } catch (e) {
      throw this.transportError(e, 'the version check (_ping)');
    } finally {
      clearTimeout(timer);
    }
  }

  /** A request whose answer is small: status and text. Transport failures throw a clear XcrossError. */
  async text(
    method: string,
    path: string,
    opts: { query?: Query; json?: unknown; timeoutMs?: number } = {},
  ): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
    const url = `${API}${path}${queryString(opts.query)}`;
    this.log.debug(`api: ${method} ${url}`);
    try {
      const r = await this.client.request({
        method: method as 'GET',
        path: url,
        headers: opts.json === undefined ? {} : { 'content-type': 'application/json' },
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
    } catch (e) {
      throw this.transportError(e, `${method} ${path}`);
    }
  }

  /** Like text(), but a status of 400 or more throws the engine's sentence as an ApiError. */
  async json<T>(
    method: string,
    path: string,
    what: string,
    opts: { query?: Query; json?: unknown; timeoutMs?: number } = {},
  ): Promise<T> {
    const r = await this.text(method, path, opts);
    if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body), what);
    if (r.body.trim() === '') return undefined as T;
    try {
      return JSON.parse(r.body) as T;
    } catch {
      throw new XcrossError(
        `${what}: the podman service answered with something that is not JSON: ${r.body.slice(0, 120)}`,
      );
    }
  }

  /** A request whose answer streams for as long as the work takes (build, pull). */
  async stream(
    method: string,
    path: string,
    opts: { query?: Query; body?: NodeJS.ReadableStream; contentType?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: StreamBody }> {
    const url = `${API}${path}${queryString(opts.query)}`;
    // Headers are not logged: X-Registry-Auth carries credentials.
    this.log.debug(`api: ${method} ${url} (streamed)`);
    try {
      const r = await this.client.request({
        method: method as 'POST',
        path: url,
        headers: { ...(opts.contentType ? { 'content-type': opts.contentType } : {}), ...opts.headers },
        body: opts.body as Readable | undefined,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      return { status: r.statusCode, body: r.body as unknown as StreamBody };
    } catch (e) {
      throw this.transportError(e, `${method} ${path}`);
    }
  }

  /** A hijacked connection (attach): after the 101 answer the socket carries the container's stdio. */
  async upgrade(path: string, query: Query): Promise<Duplex> {
    const url = `${API}${path}${queryString(query)}`;
    this.log.debug(`api: POST ${url} (attach)`);
    try {
      const r = await this.client.upgrade({
        method: 'POST',
        path: url,
        protocol: 'tcp',
        headersTimeout: 60_000,
      } as Parameters<Client['upgrade']>[0]);
      return r.socket;
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status)
        throw new ApiError(
          status,
          errorMessage(String((e as { body?: unknown }).body ?? '')),
          'attaching to the container',
        );
      throw this.transportError(e, `POST ${path}`);
    }
  }

  /** What went wrong between us and the service, in words a user can act on. */
  transportError(e: unknown, what: string): XcrossError {
    if (e instanceof XcrossError) return e;
    const err = e as NodeJS.ErrnoException & { code?: string };
    const code = err.code ?? '';
    const s = this.socket;
    if (code === 'ENOENT')
      return new XcrossError(`there is no podman API socket at ${s}`, {
        fix: 'start one with `podman system service --time=0 unix://' + s + '`, or use `--runtime podman`',
        cause: e,
      });
    if (code === 'ECONNREFUSED')
      return new XcrossError(
        `nothing listens on the podman API socket ${s} (the service has stopped; the file is left over)`,
        {
          fix: 'start the service again (`systemctl --user start podman.socket`), or remove the file and let xcross start its own',
          cause: e,
        },
      );
    if (code === 'EACCES' || code === 'EPERM') {
      return new XcrossError(`permission denied on the podman API socket ${s}${ownerOf(s)}`, {
        fix: 'use your own rootless socket ($XDG_RUNTIME_DIR/podman/podman.sock) or ask its owner for access; `--runtime podman` needs no socket',
        cause: e,
      });
    }
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') {
      return new XcrossError(
        `the podman service on ${s} closed the connection during ${what} without answering (it stopped, or it is not a podman service)`,
        { fix: 'check it with `podman --url unix://' + s + ' info`, or use `--runtime podman`', cause: e },
      );
    }
    if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
      return new XcrossError(
        `the service on ${s} closed the connection or did not answer during ${what} (it is not a working podman service)`,
        { fix: 'check it with `podman --url unix://' + s + ' info`, or use `--runtime podman`', cause: e },
      );
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new XcrossError(`the podman service on ${s} did not answer ${what} in time`, {
        fix: 'check the service (`podman --url unix://' + s + ' info`), or use `--runtime podman`',
        cause: e,
      });
    }
    return new XcrossError(`talking to the podman service on ${s} failed during ${what}: ${err.message ?? String(e)}`, {
      cause: e,
    });
  }
}

let undici: Pick<typeof import('undici'), 'Client'> | undefined;

/**
 * Loaded on first use, not at the top: the CLI runtimes' hot path should not pay for undici. The
 * build's slim bundle of it (scripts/bundle.mjs) loads with the code cache; the package is the fallback.
 */
function loadUndici(): Pick<typeof import('undici'), 'Client'> {
  if (undici) return undici;
  const bundle = path.join(PACKAGE_ROOT, 'dist', 'src', 'undici.bundle.js');
  undici = (fs.existsSync(bundle) ? requireWithCodeCache(bundle) : require('undici')) as Pick<
    typeof import('undici'),
    'Client'
  >;
  return undici;
}

function ownerOf(file: string): string {
  try {
    const st = fs.statSync(file);
    return st.uid === process.getuid?.() ? '' : ` (it belongs to uid ${st.uid}, you are uid ${process.getuid?.()})`;
  } catch {
    return '';
  }
}
