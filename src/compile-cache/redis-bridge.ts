// redis:// as the compile cache. Debian's sccache has no redis backend (nor any remote one), so xcross
// carries entries between redis and the local cache itself, on the host: before a build it fetches the
// entries that the last build of the same crate, target, image and cargo arguments used (its
// manifest), and after the build it stores the entries this build wrote and the new manifest.
// sccache still decides every hit by its own hash of the compilation: a fetched entry that does not
// fit this build is never used, so the manifest only decides what is worth fetching.
// Anything going wrong with redis is one warning; the build itself never depends on it.
import { createHash } from '../base/hash';
import type { Logger } from '../base/log';
import { redisName, type RedisTarget } from './setting';
import { RespClient, RespConnectionError, RespError, type Arg, type Reply } from './resp';
import { entryFile, isEntryName, listEntries, writeEntry } from './local-dir';
import * as fs from 'node:fs';

const PREFIX = 'xcross:compile-cache:1:';
const BATCH = 16;

export interface ManifestInputs {
  image: string;
  toolchain: string;
  triple: string;
  /** The root package's name (else the workspace directory's): the same crate checked out elsewhere shares its manifest. */
  workspace: string;
  cargoArgs: string[];
}

export function manifestKey(m: ManifestInputs): string {
  const h = createHash('sha256')
    .update(JSON.stringify([m.image, m.toolchain, m.triple, m.workspace, m.cargoArgs]))
    .digest('hex');
  return `${PREFIX}m:${h.slice(0, 32)}`;
}

const entryKey = (name: string) => `${PREFIX}e:${name}`;

export interface Prefetched {
  /** Entries the manifest named, and how many of them were fetched (the rest were here already). */
  listed: number;
  fetched: number;
  bytes: number;
}

export interface Stored {
  stored: number;
  bytes: number;
  used: number;
}

/** The failures redis can answer with, each as the sentence of the one warning a run prints. */
function failure(name: string, e: unknown): string {
  if (e instanceof RespConnectionError) return `the compile cache ${name} cannot be reached (${e.why})`;
  const msg = e instanceof Error ? e.message : String(e);
  if (/^(WRONGPASS|NOAUTH|NOPERM)|without any password configured|invalid password/i.test(msg))
    return `the compile cache ${name} refused the password (${msg.split(' ')[0]})`;
  if (/^OOM/.test(msg)) return `the compile cache ${name} is full (redis: OOM, maxmemory reached)`;
  return `the compile cache ${name} answered an error (${msg.slice(0, 120)})`;
}

function check(r: Reply): Reply {
  if (r instanceof RespError) throw r;
  return r;
}

/** A connection, authenticated, on the database: redis may close idle ones, so one per use. */
async function connect(target: RedisTarget, timeoutMs: number): Promise<RespClient> {
  const client = await RespClient.connect(target.host, target.port, timeoutMs);
  try {
    const hello: Arg[][] = [];
    if (target.password !== undefined)
      hello.push(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]);
    if (target.db !== 0) hello.push(['SELECT', String(target.db)]);
    hello.push(['PING']);
    for (const r of await client.pipeline(hello)) check(r);
    return client;
  } catch (e) {
    client.close();
    throw e;
  }
}

export class RedisBridge {
  private warned = false;

  private constructor(
    private client: RespClient | undefined,
    private readonly target: RedisTarget,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  private get name(): string {
    return redisName(this.target);
  }

  /** Connects, authenticates and selects the database; undefined (after one warning) when redis cannot be used. */
  static async open(target: RedisTarget, log: Logger, timeoutMs = 3000): Promise<RedisBridge | undefined> {
    try {
      return new RedisBridge(await connect(target, timeoutMs), target, log, timeoutMs);
    } catch (e) {
      log.warn(`${failure(redisName(target), e)}: building without the compile cache`);
      return undefined;
    }
  }

  /** The connection of `open` while it lasts (prefetch right after it), else a new one (store, after the build). */
  private async conn(): Promise<RespClient> {
    if (!this.client) this.client = await connect(this.target, this.timeoutMs);
    return this.client;
  }

  /** Fetches the manifest's entries that `dir` lacks, dated before `before` (so they count as used only when sccache uses them). */
  async prefetch(key: string, dir: string, before: Date): Promise<Prefetched> {
    const out: Prefetched = { listed: 0, fetched: 0, bytes: 0 };
    try {
      const client = await this.conn();
      const names = (check(await client.call('SMEMBERS', key)) as Buffer[])
        .map((b) => b.toString())
        .filter(isEntryName);
      out.listed = names.length;
      const missing = names.filter((n) => !fs.existsSync(entryFile(dir, n)));
      for (let i = 0; i < missing.length; i += BATCH) {
        const batch = missing.slice(i, i + BATCH);
        const replies = await client.pipeline(batch.map((n) => ['GET', entryKey(n)]));
        replies.forEach((r, j) => {
          const data = check(r);
          if (!Buffer.isBuffer(data)) return; // evicted from redis since: a miss, nothing worse
          writeEntry(dir, batch[j], data, before);
          out.fetched++;
          out.bytes += data.length;
        });
      }
    } catch (e) {
      this.warnOnce(e, 'fetching');
    }
    this.close();
    return out;
  }

  /**
   * After the build: stores the entries written since `since` that redis lacks, and makes the entries
   * used since then (sccache dates an entry when it hits) the manifest.
   */
  async store(key: string, dir: string, since: number, existedBefore: Set<string>): Promise<Stored> {
    const used = listEntries(dir).filter((e) => e.mtimeMs >= since);
    const out: Stored = { stored: 0, bytes: 0, used: used.length };
    if (this.warned || used.length === 0) return out;
    try {
      const client = await this.conn();
      const fresh = used.filter((e) => !existedBefore.has(e.name));
      for (let i = 0; i < fresh.length; i += BATCH) {
        const batch = fresh.slice(i, i + BATCH);
        const exists = await client.pipeline(batch.map((e) => ['EXISTS', entryKey(e.name)]));
        const absent = batch.filter((_, j) => check(exists[j]) === 0);
        const data = absent.map((e) => fs.readFileSync(e.file));
        const replies = await client.pipeline(absent.map((e, j) => ['SET', entryKey(e.name), data[j], 'NX']));
        replies.forEach((r, j) => {
          check(r);
          out.stored++;
          out.bytes += data[j].length;
        });
      }
      const names = used.map((e) => e.name);
      const tx = await client.pipeline([['MULTI'], ['DEL', key], ['SADD', key, ...names], ['EXEC']]);
      for (const r of tx) check(r);
      const exec = tx[3];
      if (Array.isArray(exec)) for (const r of exec) check(r);
    } catch (e) {
      this.warnOnce(e, 'storing');
    }
    return out;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private warnOnce(e: unknown, doing: string): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(`${failure(this.name, e)} while ${doing} entries: the build itself is not affected`);
  }
}
