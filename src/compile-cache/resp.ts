// A small redis client (RESP2 over TCP): what the compile cache's redis bridge needs (AUTH, SELECT,
// PING, SMEMBERS, EXISTS, GET, SET, SADD, DEL, MULTI/EXEC), pipelined. Replies are typed values; a
// redis error reply is a RespError value in the results, never thrown by the parser.
import * as net from 'node:net';

export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RespError';
  }
}

export type Reply = string | number | Buffer | null | RespError | Reply[];
export type Arg = string | Buffer;

/** The connection failed, timed out or closed: `why` is one short phrase (never a password). */
export class RespConnectionError extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'RespConnectionError';
  }
}

export function encode(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `at`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, at = 0): { value: Reply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('latin1', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at])) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new RespError(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, next };
      if (buf.length < next + n + 2) return undefined;
      return { value: Buffer.from(buf.subarray(next, next + n)), next: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next };
      const items: Reply[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (!r) return undefined;
        items.push(r.value);
        pos = r.next;
      }
      return { value: items, next: pos };
    }
    default:
      throw new RespConnectionError(
        `the server does not speak redis (it answered ${JSON.stringify(line.slice(0, 40))})`,
      );
  }
}

/** How many bytes a bulk reply at the start of `buf` needs in all, so that a big value is not re-parsed per chunk. */
function bulkNeeds(buf: Buffer): number {
  if (buf[0] !== 0x24) return 0;
  const eol = buf.indexOf('\r\n');
  return eol < 0 ? 0 : eol + 2 + Math.max(0, Number(buf.toString('latin1', 1, eol))) + 2;
}

export class RespClient {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private failure: RespConnectionError | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (e) => this.fail(new RespConnectionError(phrase(e))));
    socket.on('close', () => this.fail(new RespConnectionError('the server closed the connection')));
    // Idle between commands is fine (a build runs between two of them); silence while one waits is not.
    socket.on('timeout', () => {
      if (this.waiting.length > 0) this.fail(new RespConnectionError('the server stopped answering'));
    });
  }

  static connect(host: string, port: number, timeoutMs = 3000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RespConnectionError(`no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new RespConnectionError(phrase(e)));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        socket.setTimeout(Math.max(timeoutMs, 10_000));
        resolve(new RespClient(socket));
      });
    });
  }

  call(...args: Arg[]): Promise<Reply> {
    return this.pipeline([args]).then((r) => r[0]);
  }

  /** Sends every command at once and resolves with their replies in order. */
  pipeline(commands: Arg[][]): Promise<Reply[]> {
    if (this.failure) return Promise.reject(this.failure);
    const replies = commands.map(() => new Promise<Reply>((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.socket.write(Buffer.concat(commands.map(encode)));
    return Promise.all(replies);
  }

  close(): void {
    this.failure ??= new RespConnectionError('closed');
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.size += d.length;
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    if (bulkNeeds(buf) > buf.length) {
      this.chunks = [buf];
      return;
    }
    let pos = 0;
    try {
      while (pos < buf.length && this.waiting.length > 0) {
        const r = parseReply(buf, pos);
        if (!r) break;
        pos = r.next;
        this.waiting.shift()!.resolve(r.value);
      }
    } catch (e) {
      this.fail(e instanceof RespConnectionError ? e : new RespConnectionError(String(e)));
      return;
    }
    buf = buf.subarray(pos);
    this.chunks = buf.length > 0 ? [buf] : [];
    this.size = buf.length;
  }

  private fail(e: RespConnectionError): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    this.socket.destroy();
  }
}

function phrase(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'its host cannot be reached';
  if (code === 'ECONNRESET') return 'the connection was reset';
  return code ?? e.message;
}
