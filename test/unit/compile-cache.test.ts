// The compile cache's pure parts: the setting and its precedence, the plan of a run (on, off and why,
// the missing sccache features), the spec it makes, redis's wire format, sccache's statistics.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  parseCompileCache,
  parseSize,
  redactUrl,
  resolveCompileCache,
  describeSetting,
  type CompileCacheChoice,
} from '../../src/compile-cache/setting';
import { planCompileCache, type CompileCacheFacts } from '../../src/compile-cache/plan';
import { encode, parseReply, RespClient, RespError } from '../../src/compile-cache/resp';
import { addToTotals, parseStats, readTotals } from '../../src/compile-cache/stats';
import { listEntries, writeEntry } from '../../src/compile-cache/local-dir';
import { manifestKey, RedisBridge } from '../../src/compile-cache/redis-bridge';
import { planCargo } from '../../src/plan/cargo-spec';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { rustLabels } from '../../src/images/labels';
import { recordingLogger, tempDir, throwsXcross } from './helpers';

describe('the setting', () => {
  test('flag over XCROSS_COMPILE_CACHE over [xcross] compile-cache over the default', () => {
    const configured = { value: 'off', file: 'Cross.toml' };
    assert.deepEqual(
      resolveCompileCache({ flag: 'local', env: { XCROSS_COMPILE_CACHE: 'off' }, configured }).from,
      '--compile-cache',
    );
    const env = resolveCompileCache({
      env: { XCROSS_COMPILE_CACHE: ' off ' },
      configured: { value: 'local', file: 'C' },
    });
    assert.deepEqual([env.setting, env.from], [{ kind: 'off' }, 'XCROSS_COMPILE_CACHE']);
    assert.equal(
      resolveCompileCache({ env: { XCROSS_COMPILE_CACHE: '' }, configured }).from,
      'compile-cache in Cross.toml',
    );
    const d = resolveCompileCache({ env: {} });
    assert.deepEqual([d.setting.kind, d.from, d.sizeBytes], ['off', 'default', 10 * 1024 ** 3]);
  });

  test('the values: off, local, redis URLs, s3, gha; anything else is one sentence', () => {
    assert.deepEqual(parseCompileCache('redis://:s3cr%40t@10.0.0.5:6380/2', 'X'), {
      kind: 'redis',
      redis: { host: '10.0.0.5', port: 6380, db: 2, password: 's3cr@t' },
    });
    assert.deepEqual(parseCompileCache('redis://cache.internal', 'X'), {
      kind: 'redis',
      redis: { host: 'cache.internal', port: 6379, db: 0 },
    });
    assert.deepEqual(parseCompileCache('redis://ci:pw@[::1]:7000', 'X'), {
      kind: 'redis',
      redis: { host: '::1', port: 7000, db: 0, username: 'ci', password: 'pw' },
    });
    assert.deepEqual(parseCompileCache('s3://bucket/team/cache/', 'X'), {
      kind: 's3',
      bucket: 'bucket',
      prefix: 'team/cache',
    });
    assert.deepEqual(parseCompileCache('gha', 'X'), { kind: 'gha' });
    throwsXcross(
      () => parseCompileCache('on', 'XCROSS_COMPILE_CACHE'),
      /XCROSS_COMPILE_CACHE is 'on', which is not a compile cache/,
    );
    const e = throwsXcross(() => parseCompileCache('redis://:hunter2@h:1/db', 'X'), /names the database 'db'/);
    assert.ok(!e.message.includes('hunter2'));
    throwsXcross(() => parseCompileCache('rediss://:hunter2@h:1', 'X'), /over TLS/);
  });

  test('what is shown of a setting never has the password', () => {
    assert.equal(describeSetting(parseCompileCache('redis://:hunter2@h:1/3', 'X')), 'redis://:***@h:1/3');
    assert.equal(describeSetting(parseCompileCache('redis://u:hunter2@h:1', 'X')), 'redis://u:***@h:1/0');
    assert.equal(redactUrl('redis://:hunter2@h:1/x'), 'redis://***@h:1/x');
  });

  test('sizes', () => {
    assert.equal(parseSize('500M', 'X'), 500 * 1024 ** 2);
    assert.equal(parseSize('2G', 'X'), 2 * 1024 ** 3);
    assert.equal(parseSize('1.5GiB', 'X'), 1.5 * 1024 ** 3);
    throwsXcross(
      () => parseSize('10', 'XCROSS_COMPILE_CACHE_SIZE'),
      /XCROSS_COMPILE_CACHE_SIZE is '10', which is not a size of at least 1M/,
    );
    throwsXcross(() => parseSize('big', 'X'), /not a size/);
  });
});

function choice(value: string, from = 'XCROSS_COMPILE_CACHE'): CompileCacheChoice {
  return { setting: parseCompileCache(value, from), from, sizeBytes: 1024 ** 3 };
}

function facts(over: Partial<CompileCacheFacts> = {}): CompileCacheFacts {
  return {
    choice: choice('local', 'default'),
    subcommand: 'build',
    imageSccache: '0.4.0-pre.6',
    imageWhy: 'no sccache here',
    hostEnv: {},
    userEnv: {},
    localDir: '/home/u/.cache/xcross/compile-cache',
    targetDir: '/home/u/ws/target',
    containerName: 'xcross-build-1',
    port: 40123,
    ...over,
  };
}

describe('the plan of a run', () => {
  test('on: the wrapper, the server settings, the local directory, the helper before cargo', () => {
    const p = planCompileCache(facts());
    assert.ok(p.on);
    assert.deepEqual(p.env, {
      RUSTC_WRAPPER: '/usr/local/bin/xcross-compile-cache',
      SCCACHE_DIR: '/xcross/compile-cache',
      SCCACHE_CACHE_SIZE: String(1024 ** 3),
      SCCACHE_SERVER_PORT: '40123',
      SCCACHE_IDLE_TIMEOUT: '0',
    });
    assert.deepEqual(p.mounts, [
      {
        source: '/home/u/.cache/xcross/compile-cache',
        target: '/xcross/compile-cache',
        readOnly: false,
        optional: 'the compile cache',
      },
    ]);
    assert.deepEqual(p.prefix, [
      '/usr/local/bin/xcross-compile-cache',
      'run',
      '/home/u/ws/target/.xcross-compile-cache/xcross-build-1.json',
    ]);
  });

  test('redis is carried by xcross: the container gets the local cache and never the password', () => {
    const p = planCompileCache(facts({ choice: choice('redis://:hunter2@10.0.0.5:6379') }));
    assert.ok(p.on);
    assert.ok(!JSON.stringify(p).includes('hunter2'));
    assert.match(
      p.describe,
      /^redis:\/\/:\*\*\*@10\.0\.0\.5:6379\/0 \(XCROSS_COMPILE_CACHE\), sccache 0\.4\.0-pre\.6$/,
    );
  });

  test('s3 and gha: an error that names the backend and the missing sccache feature', () => {
    throwsXcross(
      () => planCompileCache(facts({ choice: choice('s3://b/p') })),
      /XCROSS_COMPILE_CACHE asks for s3:\/\/b\/p, which needs sccache's s3 feature; the images' sccache \(Debian's 0\.4\.0-pre\.6\) was built without it \(its `sccache --help` says S3: false/,
    );
    const e = throwsXcross(
      () => planCompileCache(facts({ choice: choice('gha', '--compile-cache') })),
      /needs sccache's gha feature.*GHA: false/,
    );
    assert.match(e.fix ?? '', /actions\/cache/);
  });

  test("off, metadata, an image without sccache, and the user's own wrapper: off, with the reason", () => {
    assert.deepEqual(planCompileCache(facts({ choice: choice('off') })), {
      on: false,
      why: 'off (XCROSS_COMPILE_CACHE)',
      warn: false,
    });
    assert.equal(planCompileCache(facts({ subcommand: 'metadata' })).on, false);
    const img = planCompileCache(facts({ imageSccache: undefined }));
    assert.deepEqual(img, { on: false, why: 'not used: no sccache here', warn: false });
    // Asked for explicitly, a reason to go without is a warning; by default only -v says it.
    const explicit = planCompileCache(facts({ imageSccache: undefined, choice: choice('local') }));
    assert.ok(!explicit.on && explicit.warn);
    const own = planCompileCache(facts({ hostEnv: { RUSTC_WRAPPER: 'sccache' } }));
    assert.ok(!own.on);
    assert.match(own.why, /your RUSTC_WRAPPER=sccache keeps precedence over xcross's sccache; it is a host setting/);
    const passed = planCompileCache(facts({ userEnv: { CARGO_BUILD_RUSTC_WRAPPER: '/opt/w' } }));
    assert.ok(!passed.on);
    assert.match(passed.why, /your CARGO_BUILD_RUSTC_WRAPPER=\/opt\/w keeps precedence/);
    // Empty is cargo's "no wrapper".
    assert.equal(planCompileCache(facts({ hostEnv: { RUSTC_WRAPPER: '' } })).on, true);
  });

  test('the cargo spec: the helper runs cargo, its variables win, the cache is mounted', () => {
    const target = findTarget(loadRegistry(), 'x86_64-unknown-linux-gnu');
    const p = planCompileCache(facts());
    assert.ok(p.on);
    const spec = planCargo({
      cargoArgs: ['build'],
      target,
      image: 'localhost/xcross/x:1',
      workspace: { root: '/home/u/ws', manifest: '/home/u/ws/Cargo.toml', externalPaths: [] },
      targetDir: '/home/u/ws/target',
      cargoHome: '/home/u/.cargo',
      toolchain: { source: 'image', rustc: '1.96.0', why: 't' },
      readOnlySource: false,
      interactive: false,
      name: 'xcross-build-1',
      host: { uid: 1, gid: 1, cwd: '/home/u/ws', env: {}, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false },
      extra: { env: { SCCACHE_DIR: '/elsewhere' }, mounts: [] },
      compileCache: p,
    });
    assert.deepEqual(spec.command.slice(0, 4), [...p.prefix, 'cargo']);
    // An engine's message about the run names cargo, not the wrapper around it.
    assert.equal(spec.program, 'cargo');
    assert.equal(spec.env.SCCACHE_DIR, '/xcross/compile-cache');
    assert.equal(spec.env.RUSTC_WRAPPER, '/usr/local/bin/xcross-compile-cache');
    assert.ok(spec.mounts.some((m) => m.target === '/xcross/compile-cache' && !m.readOnly));
  });
});

describe('the images', () => {
  test("the images' rustc pins sccache and labels it; a rust table without the key has none", () => {
    const reg = loadRegistry();
    assert.equal(reg.rust.sccache, '0.4.0-pre.6');
    assert.equal(rustLabels(reg.rust)['io.xcross.toolchain-sccache'], '0.4.0-pre.6');
    assert.equal(rustLabels({ ...reg.rust, sccache: undefined })['io.xcross.toolchain-sccache'], undefined);
    for (const t of reg.targets) assert.equal(t.rust.sccache, '0.4.0-pre.6', t.triple);
  });
});

describe('redis on the wire', () => {
  test('commands are RESP arrays of bulk strings', () => {
    assert.equal(
      encode(['SET', 'k', Buffer.from('v\r\n')]).toString(),
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n',
    );
  });

  test('replies: simple, error, integer, bulk, null, nested arrays; incomplete ones wait', () => {
    const all = Buffer.from('+OK\r\n-WRONGPASS invalid\r\n:5\r\n$3\r\na\r\n\r\n$-1\r\n*2\r\n$1\r\nx\r\n:1\r\n');
    const values = [];
    for (let at = 0; at < all.length;) {
      const r = parseReply(all, at)!;
      values.push(r.value);
      at = r.next;
    }
    assert.equal(values[0], 'OK');
    assert.ok(values[1] instanceof RespError && values[1].message === 'WRONGPASS invalid');
    assert.equal(values[2], 5);
    assert.deepEqual(values[3], Buffer.from('a\r\n'));
    assert.equal(values[4], null);
    assert.deepEqual(values[5], [Buffer.from('x'), 1]);
    assert.equal(parseReply(Buffer.from('$10\r\nabc')), undefined);
    assert.equal(parseReply(Buffer.from('*2\r\n:1\r\n')), undefined);
  });
});

/** A fake redis on a real socket: a map, AUTH with one password, and replies in several pieces. */
function fakeRedis(
  password: string,
  opts: { full?: boolean } = {},
): Promise<{ port: number; data: Map<string, Buffer | Set<string>>; close: () => void }> {
  const data = new Map<string, Buffer | Set<string>>();
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let authed = false;
    let queued: Buffer[] | undefined;
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parseReply(buf);
        if (!r) break;
        buf = buf.subarray(r.next);
        const [cmd, ...args] = (r.value as Buffer[]).map((b) => b.toString('latin1'));
        const raw = (r.value as Buffer[]).slice(1);
        const reply = (s: string) => (queued && cmd !== 'EXEC' ? (queued.push(Buffer.from(s)), '+QUEUED\r\n') : s);
        let out: string;
        if (cmd === 'AUTH')
          out =
            args[args.length - 1] === password
              ? ((authed = true), '+OK\r\n')
              : '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
        else if (!authed) out = '-NOAUTH Authentication required.\r\n';
        else if (cmd === 'PING') out = '+PONG\r\n';
        else if (cmd === 'SELECT') out = '+OK\r\n';
        else if (cmd === 'MULTI') {
          queued = [];
          out = '+OK\r\n';
        } else if (cmd === 'EXEC') {
          out = `*${queued!.length}\r\n${queued!.map((b) => b.toString()).join('')}`;
          queued = undefined;
        } else if (cmd === 'SMEMBERS') {
          const s = data.get(args[0]);
          const m = s instanceof Set ? [...s] : [];
          out = `*${m.length}\r\n${m.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`;
        } else if (cmd === 'EXISTS') out = `:${data.has(args[0]) ? 1 : 0}\r\n`;
        else if (cmd === 'GET') {
          const v = data.get(args[0]);
          // Written in two pieces: the client must wait for the rest.
          if (Buffer.isBuffer(v)) {
            sock.write(`$${v.length}\r\n`);
            sock.write(Buffer.concat([v, Buffer.from('\r\n')]));
            continue;
          }
          out = '$-1\r\n';
        } else if (cmd === 'SET')
          out = opts.full
            ? "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
            : (data.set(args[0], raw[1]), '+OK\r\n');
        else if (cmd === 'DEL') {
          data.delete(args[0]);
          out = ':1\r\n';
        } else if (cmd === 'SADD') {
          data.set(args[0], new Set(args.slice(1)));
          out = `:${args.length - 1}\r\n`;
        } else out = `-ERR unknown command '${cmd}'\r\n`;
        if (queued && cmd !== 'MULTI') out = reply(out);
        sock.write(out);
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as net.AddressInfo).port, data, close: () => server.close() }),
    ),
  );
}

describe('the redis bridge (a fake redis on a real socket)', () => {
  const name = (c: string) => c.repeat(64);

  test('stores what a build wrote and its manifest; another machine fetches them, dated before its build', async () => {
    const r = await fakeRedis('pw');
    const log = recordingLogger(1);
    const target = { host: '127.0.0.1', port: r.port, db: 2, password: 'pw' };
    const key = manifestKey({ image: 'i', toolchain: 't', triple: 'x', workspace: 'w', cargoArgs: ['build'] });
    const a = tempDir();
    const since = Date.now() - 1000;
    writeEntry(a, name('a'), Buffer.alloc(200_000, 1), new Date());
    writeEntry(a, name('b'), Buffer.from('bee'), new Date());
    writeEntry(a, name('c'), Buffer.from('old, unused'), new Date(since - 60_000));
    const one = (await RedisBridge.open(target, log))!;
    assert.deepEqual(await one.store(key, a, since, new Set([name('b')])), { stored: 1, bytes: 200_000, used: 2 });
    one.close();
    assert.deepEqual([...(r.data.get(key) as Set<string>)].sort(), [name('a'), name('b')]);

    const b = tempDir();
    const before = new Date(Date.now() - 60_000);
    const two = (await RedisBridge.open(target, log))!;
    assert.deepEqual(await two.prefetch(key, b, before), { listed: 2, fetched: 1, bytes: 200_000 });
    two.close();
    const got = listEntries(b);
    assert.deepEqual(
      got.map((e) => [e.name, e.size]),
      [[name('a'), 200_000]],
    );
    assert.ok(Math.abs(got[0].mtimeMs - before.getTime()) < 1000);
    assert.equal(path.relative(b, got[0].file), path.join('a', 'a', name('a')));
    assert.deepEqual(
      log.lines.filter((l) => /warn/.test(l)),
      [],
    );
    r.close();
  });

  test('a wrong password, nothing listening, a full redis: one warning each, never the password', async () => {
    const r = await fakeRedis('right');
    const log = recordingLogger();
    assert.equal(
      await RedisBridge.open({ host: '127.0.0.1', port: r.port, db: 0, password: 'hunter2' }, log),
      undefined,
    );
    const closed = await fakeRedis('x');
    closed.close();
    assert.equal(await RedisBridge.open({ host: '127.0.0.1', port: closed.port, db: 0 }, log), undefined);
    const full = await fakeRedis('pw', { full: true });
    const dir = tempDir();
    writeEntry(dir, name('d'), Buffer.from('x'), new Date());
    writeEntry(dir, name('e'), Buffer.from('y'), new Date());
    const bridge = (await RedisBridge.open({ host: '127.0.0.1', port: full.port, db: 0, password: 'pw' }, log))!;
    await bridge.store('k', dir, 0, new Set());
    await bridge.store('k', dir, 0, new Set());
    bridge.close();
    assert.deepEqual(
      log.lines.map((l) => l.replace(/\d{4,5}/, 'PORT')),
      [
        'warn: the compile cache redis://:***@127.0.0.1:PORT/0 refused the password (WRONGPASS): building without the compile cache',
        'warn: the compile cache redis://127.0.0.1:PORT/0 cannot be reached (connection refused): building without the compile cache',
        'warn: the compile cache redis://:***@127.0.0.1:PORT/0 is full (redis: OOM, maxmemory reached) while storing entries: the build itself is not affected',
      ],
    );
    assert.ok(!log.lines.join('\n').includes('hunter2'));
    r.close();
    full.close();
  });

  test('a server that stops answering is a timeout, not a hang', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    const c = await RespClient.connect('127.0.0.1', (silent.address() as net.AddressInfo).port, 200);
    // The socket's idle limit is at least 10 s; close it here rather than wait.
    const pending = c.call('PING');
    c.close();
    await assert.rejects(pending);
    silent.close();
  });
});

describe("sccache's statistics", () => {
  test('hits, misses and not cacheable from --stats-format json; anything else is none', () => {
    const json = JSON.stringify({
      stats: {
        cache_hits: { counts: { Rust: 3, C: 1 } },
        cache_misses: { counts: { Rust: 2 } },
        requests_not_cacheable: 6,
        cache_errors: { counts: {} },
        cache_read_errors: 1,
        cache_write_errors: 0,
        cache_timeouts: 0,
      },
    });
    assert.deepEqual(parseStats(json), { hits: 4, misses: 2, notCacheable: 6, errors: 1 });
    assert.equal(parseStats('sccache: error'), undefined);
    assert.equal(parseStats('{"x":1}'), undefined);
  });

  test('the totals add up across builds', () => {
    const f = path.join(tempDir(), 'totals.json');
    addToTotals(f, { hits: 1, misses: 2, notCacheable: 3, errors: 0 }, new Date('2026-12-02T10:00:00Z'));
    addToTotals(f, { hits: 4, misses: 0, notCacheable: 3, errors: 1 });
    assert.deepEqual(readTotals(f), {
      builds: 2,
      hits: 5,
      misses: 2,
      notCacheable: 6,
      errors: 1,
      since: '2026-12-02T10:00:00.000Z',
    });
    fs.writeFileSync(f, 'garbage');
    assert.equal(readTotals(f), undefined);
  });
});
