#!/usr/bin/env node
// Benchmark of the compile cache, printed (not a timed test). Run it as the user whose podman to
// measure, with Debian's librust-regex-dev and redis-server installed (scripts/setup-host.sh does).
// For each target, RUNS rounds of a clean `xcross build --release` of test/fixtures/regex-tree (regex
// and its crates), each round in this order, every build from an empty target directory:
//   plain         XCROSS_COMPILE_CACHE=off
//   filling       local, the local cache emptied first
//   warm local    local, the cache the filling build left
//   redis fill    redis://, redis and the local cache emptied first
//   warm redis    redis://, the local cache emptied (another machine: everything comes from redis)
// Prints medians, the ratios to plain, and where the time went (cargo's own time; redis's fetch and
// store, from -v). redis-server runs on 127.0.0.1 with a password, started and stopped here.
//
//   node scripts/bench-compile-cache.mjs [--runs N] [--target T]...
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { XCROSS, all, dist, median, must, opt, root, run } from './bench-lib.mjs';

const { RespClient } = dist('src/compile-cache/resp.js');
const RUNS = Number(opt('--runs', '3'));
const wanted = all('--target');
const triples = wanted.length ? wanted : ['x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu'];
const say = (m) => process.stderr.write(`bench-compile-cache: ${m}\n`);
const KINDS = ['plain', 'filling', 'warm local', 'redis fill', 'warm redis'];

if (!fs.existsSync('/usr/share/cargo/registry/regex-1.7.1')) {
  say("needs Debian's librust-regex-dev (/usr/share/cargo/registry/regex-1.7.1): apt-get install librust-regex-dev");
  process.exit(1);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-bench-cc-'));
const crate = path.join(work, 'regex-tree');
fs.cpSync(path.join(root, 'test', 'fixtures', 'regex-tree'), crate, { recursive: true });
// A cache home of its own (the user's compile cache is left alone); the first, untimed build of each
// target makes what xcross keeps there besides (the engine's probe).
const cacheHome = path.join(work, 'cache-home');
const localDir = path.join(cacheHome, 'xcross', 'compile-cache');

const password = `bench-${process.pid}-${Date.now()}`;
const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
fs.writeFileSync(
  path.join(work, 'redis.conf'),
  `port ${port}\nbind 127.0.0.1\nrequirepass ${password}\nsave ""\nappendonly no\ndir ${work}\n`,
);
const redis = spawn('redis-server', [path.join(work, 'redis.conf')], { stdio: 'ignore' });
const redisUrl = `redis://:${password}@127.0.0.1:${port}/0`;
async function redisCall(...args) {
  for (let i = 0; ; i++) {
    try {
      const c = await RespClient.connect('127.0.0.1', port, 1000);
      try {
        await c.call('AUTH', password);
        return await c.call(...args);
      } finally {
        c.close();
      }
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
await redisCall('PING');

const emptyLocal = () => fs.rmSync(localDir, { recursive: true, force: true });
function build(triple, cache) {
  fs.rmSync(path.join(crate, 'target'), { recursive: true, force: true });
  const r = must(
    run(process.execPath, [XCROSS, 'build', '--release', '--target', triple, '-v'], {
      cwd: crate,
      env: { ...process.env, XDG_CACHE_HOME: cacheHome, XCROSS_COMPILE_CACHE: cache },
    }),
    `xcross build --target ${triple} (${cache === 'off' ? 'off' : cache === 'local' ? 'local' : 'redis'})`,
  );
  const text = r.stderr.replace(/\x1b\[[0-9;]*m/g, '');
  const secs = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) + (m[3] ? Number(m[3]) : 0) : NaN;
  };
  const cargo =
    secs(/Finished `release` profile .* in (?:(\d+)(m) )?(\d+(?:\.\d+)?)s/) ||
    secs(/Finished .* in (\d+(?:\.\d+)?)(s)/);
  const fetch = secs(/fetched \d+ \([\d.]+ MB\) in ([\d.]+)( )s/);
  const store = secs(/stored \d+ new entries in redis \([\d.]+ MB\) in ([\d.]+)( )s/);
  const stats = /compile cache: (\d+) hits, (\d+) misses/.exec(text);
  return {
    ms: r.ms,
    cargo,
    fetch,
    store,
    hits: stats ? Number(stats[1]) : NaN,
    misses: stats ? Number(stats[2]) : NaN,
  };
}

const results = {};
try {
  for (const triple of triples) {
    say(`${triple}: the image, then a first build (untimed)`);
    must(
      run(process.execPath, [XCROSS, 'image', 'build', '--target', triple], {
        env: { ...process.env, XDG_CACHE_HOME: cacheHome },
      }),
      `xcross image build --target ${triple}`,
    );
    build(triple, 'off');
    const r = (results[triple] = Object.fromEntries(KINDS.map((k) => [k, []])));
    for (let i = 0; i < RUNS; i++) {
      say(`${triple}: round ${i + 1} of ${RUNS}`);
      r.plain.push(build(triple, 'off'));
      emptyLocal();
      r.filling.push(build(triple, 'local'));
      r['warm local'].push(build(triple, 'local'));
      emptyLocal();
      await redisCall('FLUSHALL');
      r['redis fill'].push(build(triple, redisUrl));
      emptyLocal();
      r['warm redis'].push(build(triple, redisUrl));
      for (const k of KINDS) {
        const last = r[k][r[k].length - 1];
        say(
          `  ${k.padEnd(10)} ${(last.ms / 1000).toFixed(1)} s (cargo ${last.cargo.toFixed(1)} s; ${Number.isNaN(last.hits) ? 'no cache' : `${last.hits} hits, ${last.misses} misses`})`,
        );
      }
    }
  }
} finally {
  redis.kill('SIGKILL');
  emptyLocal();
  fs.rmSync(work, { recursive: true, force: true });
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(
  `\nMedians of ${RUNS} rounds, clean \`xcross build --release\` of test/fixtures/regex-tree (4 cacheable crates):\n`,
);
console.log(
  '| target | plain | filling (local) | warm local | redis fill | warm from redis | filling / plain | warm local / plain | warm redis / plain |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [triple, r] of Object.entries(results)) {
  const m = Object.fromEntries(KINDS.map((k) => [k, median(r[k].map((x) => x.ms))]));
  const ratio = (k) => `${(m[k] / m.plain).toFixed(2)}x`;
  console.log(
    `| \`${triple}\` | ${s(m.plain)} | ${s(m.filling)} | ${s(m['warm local'])} | ${s(m['redis fill'])} | ${s(m['warm redis'])} | ${ratio('filling')} | ${ratio('warm local')} | ${ratio('warm redis')} |`,
  );
}
console.log("\nWhere the time went (medians): cargo's own time in the container, and redis from -v:\n");
console.log("| target | kind | whole | cargo | redis fetch | redis store | every run's whole time |");
console.log('|---|---|---|---|---|---|---|');
for (const [triple, r] of Object.entries(results)) {
  for (const k of KINDS) {
    const xs = r[k];
    const med = (f) => median(xs.map(f).filter((x) => Number.isFinite(x)));
    const f = (v) => (Number.isFinite(v) ? `${v.toFixed(2)} s` : '');
    console.log(
      `| \`${triple}\` | ${k} | ${s(med((x) => x.ms))} | ${f(med((x) => x.cargo))} | ${f(med((x) => x.fetch))} | ${f(med((x) => x.store))} | ${xs.map((x) => (x.ms / 1000).toFixed(1)).join(', ')} |`,
    );
  }
}
