// A fake podman service on a Unix socket, for the fault tests: real sockets and real HTTP, with
// answers chosen by the test (error bodies, old versions, connections dropped mid-answer).
import * as http from 'node:http';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { tempDir } from './helpers';

export interface Seen {
  method: string;
  url: string;
}
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** For the attach (an HTTP upgrade), answered on the raw socket. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex) => void;

export interface FakeLibpod {
  socket: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** Routes are `METHOD /path-regex`; the first match answers, anything else is a libpod 404. Upgrades (the attach) are `/path-regex`. */
export async function fakeLibpod(
  routes: Record<string, Handler>,
  version: string | null = '4.3.1',
  upgrades: Record<string, UpgradeHandler> = {},
): Promise<FakeLibpod> {
  const socket = path.join(tempDir('xcross-fake-libpod-'), 'podman.sock');
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    if (req.url?.endsWith('/_ping')) {
      if (version) res.setHeader('Libpod-Api-Version', version);
      res.end('OK');
      return;
    }
    for (const [key, handler] of Object.entries(routes)) {
      const [method, pattern] = key.split(' ');
      if (req.method === method && new RegExp(pattern).test(req.url ?? '')) return handler(req, res);
    }
    errorBody(res, 404, 'no such route in the fake');
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    seen.push({ method: 'UPGRADE', url: req.url ?? '' });
    for (const [pattern, handler] of Object.entries(upgrades)) {
      if (new RegExp(pattern).test(req.url ?? '')) return handler(req, socket);
    }
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An attach that libpod hijacks, for a container that prints nothing and ends at once. */
export function attachEnded(_req: http.IncomingMessage, socket: Duplex): void {
  socket.end(
    'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
}

/** An error the way libpod writes them. */
export function errorBody(res: http.ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ cause: message, message, response: status }));
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}
