// A fake podman service on a Unix socket, for the fault tests: real sockets and real HTTP, with
// answers chosen by the test (error bodies, old versions, connections dropped mid-answer).
import * as http from 'node:http';
import * as path from 'node:path';
import { tempDir } from './helpers';

export interface Seen { method: string; url: string }
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FakeLibpod {
  socket: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** Routes are `METHOD /path-regex`; the first match answers, anything else is a libpod 404. */
export async function fakeLibpod(routes: Record<string, Handler>, version: string | null = '4.3.1'): Promise<FakeLibpod> {
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
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    seen,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
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
