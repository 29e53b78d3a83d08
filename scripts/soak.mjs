#!/usr/bin/env node
// Soak: N back-to-back `xcross build` + `xcross test` of the example crate (a source file touched
// before each build, so cargo compiles), then what is left: containers (buildah's too), the user's
// processes, their open sockets, images, volumes, temporary files and disk. Prints medians, the drift
// between the first and last tenth, and each count before and after; exits 1 on a leak.
// Run it as the user whose engine it measures, on an otherwise idle machine.
//
//   node scripts/soak.mjs [--iterations 100] [--target x86_64-unknown-linux-gnu] [--runtime podman]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XCROSS, exampleCopy, median, must, opt, run } from './bench-lib.mjs';

const N = Number(opt('--iterations', '100'));
const TARGET = opt('--target', 'x86_64-unknown-linux-gnu');
const RUNTIME = opt('--runtime', undefined);
const env = { ...process.env, ...(RUNTIME ? { XCROSS_RUNTIME: RUNTIME } : {}) };

const { dir, crate } = exampleCopy('xcross-soak-');
const xc = (...a) => run(process.execPath, [XCROSS, ...a, '--target', TARGET], { cwd: crate, env });

const lines = (r) => r.stdout.split('\n').filter(Boolean);
const uid = process.getuid();
/** Processes of this user that are not this script or its ancestors' shell. */
function processes() {
  const mine = new Set([process.pid, process.ppid]);
  const out = [];
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.statSync(`/proc/${p}`).uid !== uid || mine.has(Number(p))) continue;
      out.push({ pid: Number(p), comm: fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() });
    } catch {}
  }
  return out;
}
function sockets(procs) {
  let n = 0;
  for (const { pid } of procs) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
        } catch {}
      }
    } catch {}
  }
  return n;
}
// Inside the user namespace, so that files owned by the container's sub-uids can be read too.
/** This user's xcross* entries in the temporary folder, but for the soak's own. */
const tmpFiles = () =>
  fs
    .readdirSync(os.tmpdir())
    .filter((f) => f.startsWith('xcross') && path.join(os.tmpdir(), f) !== dir)
    .filter((f) => {
      try {
        return fs.statSync(path.join(os.tmpdir(), f)).uid === uid;
      } catch {
        return false;
      }
    }).length;
const du = (p) => Number(run('podman', ['unshare', 'du', '-sb', p]).stdout.split('\t')[0] || NaN);
const graphRoot = must(run('podman', ['info', '--format', '{{.Store.GraphRoot}}']), 'podman info').stdout.trim();
function snapshot() {
  const procs = processes();
  return {
    containers: lines(run('podman', ['ps', '-a', '--external', '--format', '{{.ID}}'])).length,
    images: lines(run('podman', ['images', '-a', '-q'])).length,
    volumes: lines(run('podman', ['volume', 'ls', '-q'])).length,
    processes: procs.length,
    sockets: sockets(procs),
    tmpFiles: tmpFiles(),
    graphRootBytes: du(graphRoot),
    names: procs
      .map((p) => p.comm)
      .sort()
      .join(' '),
  };
}

console.log(
  `soak: ${N} x (build + test), target ${TARGET}, runtime ${RUNTIME ?? 'auto'}, ${os.cpus().length} cpus, uid ${uid}`,
);
must(xc('build'), 'warm-up build');
must(xc('test'), 'warm-up test');
const before = snapshot();
const builds = [],
  tests = [];
const t0 = Date.now();
for (let i = 1; i <= N; i++) {
  const now = new Date();
  fs.utimesSync(path.join(crate, 'src', 'main.rs'), now, now);
  builds.push(must(xc('build'), `build ${i}`).ms);
  tests.push(must(xc('test'), `test ${i}`).ms);
  if (i % 10 === 0) process.stderr.write(`soak: ${i}/${N} (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
// Let an engine's own background work (conmon exiting, a service's idle timeout) settle.
await new Promise((r) => setTimeout(r, 5000));
const after = snapshot();

const tenth = Math.max(1, Math.floor(N / 10));
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`total ${Math.round((Date.now() - t0) / 1000)} s`);
console.log(
  `build median ${fmt(median(builds))} (first tenth ${fmt(median(builds.slice(0, tenth)))}, last tenth ${fmt(median(builds.slice(-tenth)))})`,
);
console.log(
  `test  median ${fmt(median(tests))} (first tenth ${fmt(median(tests.slice(0, tenth)))}, last tenth ${fmt(median(tests.slice(-tenth)))})`,
);
let leaked = false;
for (const k of ['containers', 'images', 'volumes', 'processes', 'sockets', 'tmpFiles', 'graphRootBytes']) {
  const d = after[k] - before[k];
  // The graph root may grow by a little metadata (a container's last state, the engine's db).
  const leak = k === 'graphRootBytes' ? d > 10e6 : d > 0;
  leaked ||= leak;
  console.log(
    `${k.padEnd(15)} before ${String(before[k]).padStart(12)}  after ${String(after[k]).padStart(12)}  ${leak ? 'LEAK' : 'ok'}`,
  );
}
if (after.processes !== before.processes)
  console.log(`processes before: ${before.names}\nprocesses after:  ${after.names}`);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(leaked ? 1 : 0);
