// The compile cache for real: sccache in the images, a local cache that gives the same build its
// entries back and never gives them to another target, glibc floor, RUSTFLAGS, profile or rustc; and
// redis (Debian's redis-server on 127.0.0.1, with a password) shared by two rootless users, down, or
// answering with the wrong password. The crate is test/fixtures/regex-tree: regex and its crates, from
// Debian's librust-regex-dev (scripts/setup-host.sh --e2e-user installs it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTargetImages, FIXTURES, tail, XCROSS, xcross, type Result } from './harness';
import { asPeer, PEER, sh } from './registry';
import { RespClient } from '../../src/compile-cache/resp';
import { loadRegistry } from '../../src/targets/registry';
import { targetImageRef } from '../../src/images/tag';
import { findTarget } from '../../src/targets/registry';

const X64 = 'x86_64-unknown-linux-gnu';
const A64 = 'aarch64-unknown-linux-gnu';
const DEBIAN_CRATES = '/usr/share/cargo/registry';
const HOUR = 60 * 60_000;
const PASSWORD = 'cc-pw-5d1e0b7a93-never-printed';
const rustupHome = process.env.XCROSS_E2E_RUSTUP_HOME ?? path.join(os.homedir(), '.rustup');
const hostStable = path.join(rustupHome, 'toolchains', `stable-${X64}`, 'lib', 'rustlib', X64, 'lib');

const missing = !fs.existsSync(path.join(DEBIAN_CRATES, 'regex-1.7.1'))
  ? `${DEBIAN_CRATES}/regex-1.7.1 is not here: apt-get install librust-regex-dev (scripts/setup-host.sh --e2e-user does)`
  : sh('sh', ['-c', 'command -v redis-server']).code !== 0
    ? 'redis-server is not installed: apt-get install redis-server (scripts/setup-host.sh --e2e-user does)'
    : undefined;

/** The regex-tree crate copied to a fresh directory of `owner`'s, readable by both users. */
function copyCrate(base: string, name: string): string {
  const dir = path.join(base, name);
  fs.cpSync(path.join(FIXTURES, 'regex-tree'), dir, { recursive: true, filter: (s) => !s.includes('/target') });
  return dir;
}

interface Counts {
  hits: number;
  misses: number;
}

/** The hits and misses of `-v`'s last line; fails when the build did not end with them. */
function counts(r: Result): Counts {
  const last = r.stderr.trimEnd().split('\n').pop() ?? '';
  const m = /^xcross: compile cache: (\d+) hits, (\d+) misses, \d+ not cacheable/.exec(last);
  assert.ok(m, `-v did not end with the compile cache's hits and misses: ${tail(r.stderr, 1500)}`);
  return { hits: Number(m[1]), misses: Number(m[2]) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe(
  'the compile cache: one build gets its entries back, no other build does',
  { skip: missing, timeout: HOUR },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-cc-'));
    const cacheHome = path.join(dir, 'cache-home');
    let crate: string;
    const base = { XDG_CACHE_HOME: cacheHome, XCROSS_COMPILE_CACHE: 'local' };

    /** `cargo build -p memchr` (one cacheable crate, seconds) from an empty target directory. */
    async function memchr(args: string[], env: Record<string, string> = {}): Promise<Counts> {
      fs.rmSync(path.join(crate, 'target'), { recursive: true, force: true });
      const r = await xcross(['build', '-p', 'memchr', '-v', ...args], {
        cwd: crate,
        env: { ...base, ...env },
        timeoutMs: HOUR,
      });
      assert.equal(r.code, 0, tail(r.stderr));
      return counts(r);
    }

    before(async () => {
      await ensureTargetImages([X64, A64]);
      crate = copyCrate(dir, 'regex-tree');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('the same build twice: the second gets its entry (the control of every test below)', async () => {
      assert.deepEqual(await memchr(['--release', '--target', X64]), { hits: 0, misses: 1 });
      assert.deepEqual(await memchr(['--release', '--target', X64]), { hits: 1, misses: 0 });
    });

    test(
      'another target, glibc floor, RUSTFLAGS or profile: a miss each (nothing shared)',
      { timeout: HOUR },
      async () => {
        const variants: [string, string[], Record<string, string>][] = [
          ['target aarch64', ['--release', '--target', A64], {}],
          ['glibc floor 2.31', ['--release', '--target', X64, '--glibc', '2.31'], {}],
          ['RUSTFLAGS', ['--release', '--target', X64], { RUSTFLAGS: '--cfg xcross_cc_probe' }],
          ['the dev profile', ['--target', X64], {}],
        ];
        for (const [what, args, env] of variants) {
          assert.deepEqual(await memchr(args, env), { hits: 0, misses: 1 }, `${what} was given another build's entry`);
        }
        // The first build's entry is still there: the misses above were not an empty cache.
        assert.deepEqual(await memchr(['--release', '--target', X64]), { hits: 1, misses: 0 });
      },
    );

    test(
      'another rustc (the host rustup toolchain instead of the image rustc): a miss',
      { skip: fs.existsSync(hostStable) ? false : `no rustup stable toolchain in ${rustupHome}` },
      async () => {
        const env = { RUSTUP_HOME: rustupHome, RUSTUP_TOOLCHAIN: 'stable', PATH: '/usr/bin:/bin' };
        assert.deepEqual(await memchr(['--release', '--target', X64, '--toolchain-source', 'host'], env), {
          hits: 0,
          misses: 1,
        });
        assert.deepEqual(await memchr(['--release', '--target', X64, '--toolchain-source', 'host'], env), {
          hits: 1,
          misses: 0,
        });
      },
    );

    test('xcross cache stats and clear: the local cache, its totals, then empty', async () => {
      const stats = await xcross(['cache', 'stats'], { cwd: crate, env: base });
      assert.equal(stats.code, 0, stats.stderr);
      assert.match(stats.stdout, new RegExp(`${path.join(cacheHome, 'xcross', 'compile-cache')}`));
      assert.match(stats.stdout, /entries\s+\d+ \(/);
      assert.match(stats.stdout, /hits\s+\d+, misses \d+/);
      const clear = await xcross(['cache', 'clear'], { cwd: crate, env: base });
      assert.equal(clear.code, 0, clear.stderr);
      assert.match(clear.stderr, /removed \d+ entries/);
      assert.deepEqual(await memchr(['--release', '--target', X64]), { hits: 0, misses: 1 });
    });

    test(
      "docker (a real, rootful daemon): the same cache, the second build hits, the files are the user's",
      {
        timeout: HOUR,
        skip: process.env.XCROSS_E2E_DOCKER_HOST ? false : 'no private dockerd (XCROSS_E2E_DOCKER_HOST; CI starts one)',
      },
      async () => {
        // aarch64: the image docker.test.ts builds in the daemon too (one build for both files).
        const env = { XCROSS_RUNTIME: 'docker', DOCKER_HOST: process.env.XCROSS_E2E_DOCKER_HOST! };
        const cacheDir = path.join(cacheHome, 'xcross', 'compile-cache');
        fs.rmSync(cacheDir, { recursive: true, force: true });
        assert.deepEqual(await memchr(['--release', '--target', A64], env), { hits: 0, misses: 1 });
        assert.deepEqual(await memchr(['--release', '--target', A64], env), { hits: 1, misses: 0 });
        const foreign = sh('find', [cacheDir, path.join(crate, 'target'), '!', '-user', String(process.getuid!())]);
        assert.equal(foreign.stdout.trim(), '', 'files not owned by the user');
      },
    );

    test('a RUSTC_WRAPPER of the user keeps precedence, and -v says so', async () => {
      fs.rmSync(path.join(crate, 'target'), { recursive: true, force: true });
      const r = await xcross(['build', '-p', 'memchr', '--target', X64, '-v'], {
        cwd: crate,
        env: { ...base, RUSTC_WRAPPER: '/opt/my-wrapper' },
      });
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /compile cache: not used: your RUSTC_WRAPPER=\/opt\/my-wrapper keeps precedence/);
      assert.doesNotMatch(r.stderr, /xcross-compile-cache/);
    });
  },
);

describe(
  'the compile cache in redis, shared by two rootless users',
  { skip: missing ?? (PEER ? false : 'no peer user (XCROSS_E2E_PEER)'), timeout: HOUR },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-cc-redis-'));
    let redis: ChildProcess | undefined;
    let port = 0;
    let url = '';
    let crate: string;
    let peerCrate: string;
    const X64_REF = targetImageRef(loadRegistry().base, findTarget(loadRegistry(), X64));
    const outputs: string[] = [];

    async function startRedis(): Promise<void> {
      const conf = path.join(dir, 'redis.conf');
      // The password in a file, as a server would have it: not on a command line the test prints.
      fs.writeFileSync(
        conf,
        `port ${port}\nbind 127.0.0.1\nrequirepass ${PASSWORD}\nsave ""\nappendonly no\ndir ${dir}\n`,
      );
      redis = spawn('redis-server', [conf], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        try {
          (await RespClient.connect('127.0.0.1', port, 500)).close();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error(`redis-server did not listen on 127.0.0.1:${port}`);
    }

    async function redisCall(...args: string[]) {
      const c = await RespClient.connect('127.0.0.1', port);
      try {
        await c.call('AUTH', PASSWORD);
        return await c.call(...args);
      } finally {
        c.close();
      }
    }

    async function build(env: Record<string, string>, args: string[] = []): Promise<Result> {
      const r = await xcross(['build', '--release', '--target', X64, '-v', ...args], {
        cwd: crate,
        env: { XDG_CACHE_HOME: path.join(dir, 'cache-self'), ...env },
        timeoutMs: HOUR,
      });
      outputs.push(r.stdout, r.stderr);
      return r;
    }

    before(async () => {
      await ensureTargetImages([X64]);
      fs.chmodSync(dir, 0o755);
      crate = copyCrate(dir, 'self');
      port = await freePort();
      url = `redis://:${PASSWORD}@127.0.0.1:${port}/3`;
      await startRedis();
      // The peer's own copy of the crate, and the x86_64 image in its own store (no mirror needed).
      const shared = path.join(dir, 'shared');
      fs.mkdirSync(shared, { mode: 0o777 });
      fs.chmodSync(shared, 0o777);
      peerCrate = path.join(shared, 'peer-crate');
      assert.equal(asPeer(['cp', '-r', path.join(FIXTURES, 'regex-tree'), peerCrate]).code, 0);
      if (asPeer(['podman', 'image', 'exists', X64_REF]).code !== 0) {
        const uid = sh('id', ['-u', PEER]).stdout.trim();
        const r = sh('sh', [
          '-c',
          `podman save ${X64_REF} | sudo -n -u ${PEER} env -i HOME=/home/${PEER} XDG_RUNTIME_DIR=/run/user/${uid} PATH=/usr/bin:/bin podman load`,
        ]);
        assert.equal(r.code, 0, `could not give the peer the x86_64 image: ${tail(r.out)}`);
      }
    });

    after(() => {
      redis?.kill('SIGKILL');
      // The peer's files (its crate, its cache home) in the shared folder, which itself is ours.
      asPeer(['sh', '-c', 'rm -rf "$1"/*', 'sh', path.dirname(peerCrate)]);
      asPeer(['podman', 'rmi', X64_REF]);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('the first user fills redis with a clean release build of the tree', { timeout: HOUR }, async () => {
      const r = await build({ XCROSS_COMPILE_CACHE: url });
      assert.equal(r.code, 0, tail(r.stderr));
      assert.deepEqual(counts(r), { hits: 0, misses: 4 });
      assert.match(r.stderr, /compile cache: stored 4 new entries in redis/);
      assert.match(
        r.stderr,
        /compile cache: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/3 \(XCROSS_COMPILE_CACHE\), sccache 0\.4\.0-pre\.6/,
      );
      // 4 entries and the manifest, in database 3.
      const c = await RespClient.connect('127.0.0.1', port);
      await c.pipeline([
        ['AUTH', PASSWORD],
        ['SELECT', '3'],
      ]);
      assert.equal(await c.call('DBSIZE'), 5);
      c.close();
    });

    test(
      'the second user, with an empty target directory and no local cache, builds from it (podman-api) and the binary runs',
      { timeout: HOUR },
      async () => {
        const peerCache = path.join(path.dirname(peerCrate), 'peer-cache');
        const started = Date.now();
        const r = asPeer(
          [
            'sh',
            '-c',
            'cd "$1" && shift && exec "$@"',
            'sh',
            peerCrate,
            process.execPath,
            XCROSS,
            'build',
            '--release',
            '--target',
            X64,
            '-v',
          ],
          { XDG_CACHE_HOME: peerCache, XCROSS_COMPILE_CACHE: url, XCROSS_RUNTIME: 'podman-api' },
        );
        const stderr = r.out.slice(r.stdout.length);
        outputs.push(r.out);
        assert.equal(r.code, 0, tail(stderr));
        assert.match(stderr, /fetched 4 \(/);
        assert.deepEqual(counts({ code: r.code, signal: null, stdout: r.stdout, stderr, ms: Date.now() - started }), {
          hits: 4,
          misses: 0,
        });
        const run = asPeer([path.join(peerCrate, 'target', X64, 'release', 'regex-tree')]);
        assert.equal(run.code, 0, run.out);
        assert.match(run.stdout, /^regex-tree: 3 matches, digits 6, set \[1, 2\]$/m);
      },
    );

    test('a wrong password: one warning, and a plain build', async () => {
      const r = await build({ XCROSS_COMPILE_CACHE: `redis://:not-the-password@127.0.0.1:${port}/3` });
      assert.equal(r.code, 0, tail(r.stderr));
      const warnings = r.stderr.split('\n').filter((l) => /warning/.test(l));
      assert.equal(warnings.length, 1, r.stderr);
      assert.match(
        warnings[0],
        /the compile cache redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/3 refused the password \(WRONGPASS\): building without the compile cache/,
      );
      assert.doesNotMatch(r.stderr, /RUSTC_WRAPPER|xcross-compile-cache/);
      assert.doesNotMatch(r.stderr, /not-the-password/);
    });

    test('redis full (maxmemory reached): one warning, the build succeeds', async () => {
      assert.equal(await redisCall('CONFIG', 'SET', 'maxmemory', '1'), 'OK');
      try {
        // Other RUSTFLAGS: entries redis does not have yet, so the build stores some.
        const r = await build({ XCROSS_COMPILE_CACHE: url, RUSTFLAGS: '--cfg xcross_cc_full' }, ['-p', 'memchr']);
        assert.equal(r.code, 0, tail(r.stderr));
        const warnings = r.stderr.split('\n').filter((l) => /warning/.test(l));
        assert.equal(warnings.length, 1, r.stderr);
        assert.match(
          warnings[0],
          /is full \(redis: OOM, maxmemory reached\) while storing entries: the build itself is not affected/,
        );
      } finally {
        await redisCall('CONFIG', 'SET', 'maxmemory', '0');
      }
    });

    test('redis down: one warning, and a plain build', async () => {
      redis?.kill('SIGKILL');
      await new Promise((r) => redis?.once('exit', r));
      const r = await build({ XCROSS_COMPILE_CACHE: url });
      assert.equal(r.code, 0, tail(r.stderr));
      const warnings = r.stderr.split('\n').filter((l) => /warning/.test(l));
      assert.equal(warnings.length, 1, r.stderr);
      assert.match(warnings[0], /cannot be reached \(connection refused\): building without the compile cache/);
      assert.doesNotMatch(r.stderr, /RUSTC_WRAPPER|xcross-compile-cache/);
    });

    test('the password never showed: not in any output of these builds', () => {
      assert.ok(outputs.length >= 5);
      for (const o of outputs) assert.ok(!o.includes(PASSWORD), `the redis password was printed:\n${tail(o)}`);
    });
  },
);
