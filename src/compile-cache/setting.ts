// The compile cache asked for: --compile-cache, then XCROSS_COMPILE_CACHE, then [xcross] compile-cache,
// then the default. Values: off, local, redis://[user][:password@]host:port[/db], s3://bucket/prefix,
// gha. Parsed here once; a password stays inside `RedisTarget` and leaves only through `redacted`.
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import { quoted } from '../ui/quote';

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

export type CompileCacheSetting =
  | { kind: 'off' }
  | { kind: 'local' }
  | { kind: 'redis'; redis: RedisTarget }
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'gha' };

export interface CompileCacheChoice {
  setting: CompileCacheSetting;
  /** Where it was chosen: `--compile-cache`, `XCROSS_COMPILE_CACHE`, the file, or `default`. */
  from: string;
  /** The local cache's size limit in bytes (XCROSS_COMPILE_CACHE_SIZE, [xcross] compile-cache-size). */
  sizeBytes: number;
}

/**
 * The default, chosen by measurement (README, Benchmarks: Compile cache): a clean release build that
 * fills an empty local cache must cost at most 10% more than a plain one for `local` to be the default.
 * On an idle 2-core VM (2026-12-03) it cost 12-23% more (medians of 3 and 5 rounds), so it is off.
 */
export const DEFAULT_COMPILE_CACHE: CompileCacheSetting['kind'] = 'off';
export const DEFAULT_SIZE = '10G';
export const VALUES = 'off, local, redis://[:password@]host:port[/db], s3://bucket/prefix or gha';

export interface CompileCacheInputs {
  flag?: string;
  env: Env;
  configured?: { value: string; file: string };
  configuredSize?: { value: string; file: string };
}

export function resolveCompileCache(i: CompileCacheInputs): CompileCacheChoice {
  const fromEnv = i.env.XCROSS_COMPILE_CACHE?.trim();
  const [value, from] =
    i.flag !== undefined
      ? [i.flag, '--compile-cache']
      : fromEnv
        ? [fromEnv, 'XCROSS_COMPILE_CACHE']
        : i.configured
          ? [i.configured.value, `compile-cache in ${i.configured.file}`]
          : [DEFAULT_COMPILE_CACHE, 'default'];
  const sizeEnv = i.env.XCROSS_COMPILE_CACHE_SIZE?.trim();
  const sizeBytes = sizeEnv
    ? parseSize(sizeEnv, 'XCROSS_COMPILE_CACHE_SIZE')
    : i.configuredSize
      ? parseSize(i.configuredSize.value, `compile-cache-size in ${i.configuredSize.file}`)
      : parseSize(DEFAULT_SIZE, 'the default');
  return { setting: parseCompileCache(value, from), from, sizeBytes };
}

export function parseCompileCache(value: string, where: string): CompileCacheSetting {
  const v = value.trim();
  if (v === 'off' || v === 'local' || v === 'gha') return { kind: v };
  if (/^rediss:\/\//i.test(v)) {
    throw new XcrossError(
      `${where}: ${redactUrl(v)} asks for redis over TLS, which xcross's redis client does not speak`,
      {
        fix: 'use redis:// (over a private network or a tunnel), or local',
      },
    );
  }
  if (/^redis:\/\//i.test(v)) return { kind: 'redis', redis: parseRedisUrl(v, where) };
  const s3 = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(v);
  if (s3) return { kind: 's3', bucket: s3[1], prefix: (s3[2] ?? '').replace(/\/+$/, '') };
  throw new XcrossError(`${where} is ${quoted(redactUrl(v))}, which is not a compile cache`, {
    fix: `use one of ${VALUES}`,
  });
}

function parseRedisUrl(v: string, where: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new XcrossError(`${where}: ${quoted(redactUrl(v))} is not a URL`, {
      fix: 'write redis://[:password@]host:port[/db], e.g. redis://:secret@10.0.0.5:6379/0',
    });
  }
  const db = u.pathname === '' || u.pathname === '/' ? 0 : Number(u.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0 || !/^\/?\d*$/.test(u.pathname)) {
    throw new XcrossError(`${where}: ${redactUrl(v)} names the database ${quoted(u.pathname.slice(1))}, not a number`, {
      fix: 'end the URL with /0, /1, ... or nothing (database 0)',
    });
  }
  if (!u.hostname) throw new XcrossError(`${where}: ${redactUrl(v)} names no host`, { fix: 'write redis://host:port' });
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** What may be shown of a setting: never a password. */
export function describeSetting(s: CompileCacheSetting): string {
  switch (s.kind) {
    case 'redis':
      return redisName(s.redis);
    case 's3':
      return `s3://${s.bucket}/${s.prefix}`;
    default:
      return s.kind;
  }
}

export function redisName(r: RedisTarget): string {
  const auth = r.password !== undefined || r.username ? `${r.username ?? ''}:***@` : '';
  const host = r.host.includes(':') ? `[${r.host}]` : r.host;
  return `redis://${auth}${host}:${r.port}/${r.db}`;
}

/** A URL as it may be printed: whatever stands between `//` and `@` becomes `***`. */
export function redactUrl(v: string): string {
  return v.replace(/^([a-z0-9]+:\/\/)[^@/]*@/i, '$1***@');
}

/** 500M, 10G, 2T or a number of bytes. */
export function parseSize(v: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(v.trim());
  const n = m ? Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
  if (!m || !Number.isFinite(n) || n < 1024 * 1024) {
    throw new XcrossError(`${where} is ${quoted(v)}, which is not a size of at least 1M`, {
      fix: 'write a size such as 500M, 10G or 1T',
    });
  }
  return Math.floor(n);
}
