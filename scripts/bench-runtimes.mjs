#!/usr/bin/env node
// Benchmark of the two podman runtimes, printed (not a timed test). Medians side by side, one run:
//  1. round trip of a container that runs `true` (create, run, exit code, removal), in one process,
//     through `podman` (the CLI) and `podman-api` (REST on a socket that already listens);
//  2. a no-op `xcross build` of the example crate through `podman`, `podman-api` on a listening
//     socket, and `podman-api` with no socket (xcross starts and stops a service of its own); each
//     with -v, whose timestamps give the REST client's own start (loading undici, the first _ping),
//     so that the ratio a client costing nothing would reach is printed too.
// The socket is a `podman system service` this script starts, as podman.socket would for a user.
//
//   node scripts/bench-runtimes.mjs [--runs N] [--target T]      (as the user whose podman to measure)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XCROSS, dist, exampleCopy, median, opt } from './bench-lib.mjs';

const RUNS = Number(opt('--runs', '15'));
const TARGET = opt('--target', 'x86_64-unknown-linux-gnu');
const BASE = 'localhost/xcross/debian-base:bookworm';
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // adds ~50 ms to every node start in some shells
delete env.CONTAINER_HOST;

// A service that listens before anything is measured.
const sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-bench-sock-'));
const socket = path.join(sockDir, 'podman.sock');
const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore', env });
process.on('exit', () => {
  service.kill();
  fs.rmSync(sockDir, { recursive: true, force: true });
});
for (let i = 0; i < 300 && !fs.existsSync(socket); i++) spawnSync('sleep', ['0.02']);
if (!fs.existsSync(socket)) throw new Error('podman system service did not open its socket');

async function series(cases) {
  for (const c of cases) await c.fn(); // warm-up (and the adaptation probe, cached afterwards)
  const times = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) for (const [k, c] of cases.entries()) times[k].push(await c.fn());
  const medians = times.map(median);
  for (const [k, c] of cases.entries()) {
    console.log(
      `  ${c.name.padEnd(52)} median ${medians[k].toFixed(1).padStart(7)} ms  (min ${Math.min(...times[k]).toFixed(1)}, max ${Math.max(...times[k]).toFixed(1)})`,
    );
  }
  return medians;
}

console.log(
  `bench: ${os.cpus().length} cpus, node ${process.version}, uid ${process.getuid()}, ${RUNS} interleaved runs per case`,
);

// 1. Round trip in one process, through the Runtime interface itself.
const { createRuntime, closeRuntimes } = dist('runtimes/detect.js');
const { createLogger } = dist('src/ui/log.js');
const ctx = (extra) => ({
  env: { ...env, ...extra },
  uid: process.getuid(),
  cacheDir: path.join(os.homedir(), '.cache', 'xcross'),
  log: createLogger(0),
});
const cli = await createRuntime('podman', ctx({}));
const api = await createRuntime('podman-api', ctx({ CONTAINER_HOST: `unix://${socket}` }));
let n = 0;
const roundTrip = (rt) => async () => {
  const spec = {
    image: BASE,
    name: `xcross-bench-${process.pid}-${n++}`,
    command: ['true'],
    workdir: '/',
    env: {},
    mounts: [],
    owner: { uid: process.getuid(), gid: process.getgid() },
    labels: { 'io.xcross.managed': 'true' },
    interactive: false,
    tty: false,
  };
  const t = performance.now();
  const r = await rt.run(spec);
  if (r.code !== 0) throw new Error(`true exited ${r.code} through ${rt.name}`);
  return performance.now() - t;
};
console.log('round trip of a container running `true`');
const [rtCli, rtApi] = await series([
  { name: 'podman (CLI)', fn: roundTrip(cli) },
  { name: 'podman-api (listening socket)', fn: roundTrip(api) },
]);
console.log(`  ratio api/cli ${(rtApi / rtCli).toFixed(2)}x`);
await closeRuntimes();

// 2. No-op builds of a private copy of the example crate.
const { dir, crate } = exampleCopy('xcross-bench-');
const clientStarts = [];
const stamp = (text, re) => Number(re.exec(text)?.[1]);
const xbuild = (extra) => async () => {
  const t = performance.now();
  const r = spawnSync(process.execPath, [XCROSS, 'build', '--target', TARGET, '-v'], {
    cwd: crate,
    env: { ...env, ...extra },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`xcross build failed (${r.status}):\n${r.stderr}`);
  const ms = performance.now() - t;
  if (extra.CONTAINER_HOST) {
    // From "runtime: podman-api (...)" to "podman-api: using <socket> (...)": undici and the _ping.
    const start = stamp(r.stderr, /runtime: podman-api .*\[(\d+) ms\]/);
    const using = stamp(r.stderr, /podman-api: using .*\[(\d+) ms\]/);
    if (Number.isFinite(start) && Number.isFinite(using)) clientStarts.push(using - start);
  }
  return ms;
};
console.log(`no-op xcross build --target ${TARGET}`);
const [bCli, bApi, bOwn] = await series([
  { name: 'XCROSS_RUNTIME=podman', fn: xbuild({ XCROSS_RUNTIME: 'podman' }) },
  {
    name: 'XCROSS_RUNTIME=podman-api (listening socket)',
    fn: xbuild({ XCROSS_RUNTIME: 'podman-api', CONTAINER_HOST: `unix://${socket}` }),
  },
  {
    name: 'XCROSS_RUNTIME=podman-api (starts its own service)',
    fn: xbuild({ XCROSS_RUNTIME: 'podman-api', XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR ?? '' }),
  },
]);
console.log(
  `  ratio api/cli ${(bApi / bCli).toFixed(2)}x (goal <= 0.8: ${bApi / bCli <= 0.8 ? 'met' : 'NOT met'}); own service/cli ${(bOwn / bCli).toFixed(2)}x`,
);
if (clientStarts.length) {
  const c = median(clientStarts);
  console.log(
    `  the REST client's own start (undici + first _ping, from -v): median ${c.toFixed(1)} ms; with a client costing nothing: ${((bApi - c) / bCli).toFixed(2)}x`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
