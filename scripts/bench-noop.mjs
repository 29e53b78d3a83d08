#!/usr/bin/env node
// Benchmarks, printed (not a timed test):
//  1. a no-op `xcross build` of the example crate against the plainest `podman run` that does the same
//     no-op cargo build in the same image (with only the flags this host needs for podman to run at all);
//  2. `xcross --version` against `node -e 0`.
// Each pair is run interleaved, RUNS times, after a warm-up; medians and ratios are printed.
//
//   node scripts/bench-noop.mjs [--runs N] [--target T]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { XCROSS, exampleCopy, median, must, opt, run as runOnce } from './bench-lib.mjs';

const RUNS = Number(opt('--runs', '15'));
const TARGET = opt('--target', 'aarch64-unknown-linux-gnu');
/** Every timed command here must succeed: a failure ends the benchmark. */
const run = (cmd, argv, opts) => must(runOnce(cmd, argv, opts), `${cmd} ${argv.join(' ')}`);

function pair(label, a, b) {
  a.fn();
  b.fn(); // warm-up
  const ta = [],
    tb = [];
  for (let i = 0; i < RUNS; i++) {
    ta.push(a.fn());
    tb.push(b.fn());
  }
  const ma = median(ta),
    mb = median(tb);
  console.log(`${label}`);
  console.log(
    `  ${a.name.padEnd(44)} median ${ma.toFixed(1).padStart(8)} ms  (min ${Math.min(...ta).toFixed(1)}, max ${Math.max(...ta).toFixed(1)})`,
  );
  console.log(
    `  ${b.name.padEnd(44)} median ${mb.toFixed(1).padStart(8)} ms  (min ${Math.min(...tb).toFixed(1)}, max ${Math.max(...tb).toFixed(1)})`,
  );
  console.log(`  ratio ${(ma / mb).toFixed(2)}x over ${RUNS} runs each`);
  return ma / mb;
}

// A private copy of the example crate, built once so that every measured build is a no-op.
const { dir, crate } = exampleCopy('xcross-bench-');
console.log(`bench: ${os.cpus().length} cpus, node ${process.version}, uid ${process.getuid()}, target ${TARGET}`);
const first = run(process.execPath, [XCROSS, 'build', '--target', TARGET, '-v'], {
  cwd: crate,
  stdio: ['ignore', 'pipe', 'pipe'],
});

// The same container, the plain way: what -v printed, minus what only xcross adds (name, labels,
// --init), keeping the flags this host needs for podman to start anything.
const line = first.stderr.split('\n').find((l) => / run --rm .* cargo build /.test(l));
if (!line) throw new Error(`no podman run line in:\n${first.stderr}`);
const words = line
  .replace(/^\+ /, '')
  .replace(/ \[\d+ ms\]$/, '')
  .match(/'[^']*'|\S+/g)
  .map((w) => w.replace(/^'(.*)'$/, '$1'));
const plain = [];
for (let i = 1; i < words.length; i++) {
  const w = words[i];
  if (w === '--name' || w === '--label') {
    i++;
    continue;
  }
  if (w === '--init' || w === '--pull=never') continue;
  plain.push(w);
}
if (plain.at(-1) === '-v') plain.pop(); // cargo's -v came from the capture run only
console.log(`bench: plain command: ${words[0]} ${plain.join(' ')}`);

const ratioBuild = pair(
  'no-op build of the example crate',
  {
    name: `xcross build --target ${TARGET}`,
    fn: () => run(process.execPath, [XCROSS, 'build', '--target', TARGET], { cwd: crate }).ms,
  },
  { name: 'podman run ... cargo build (plain)', fn: () => run(words[0], plain, { cwd: crate }).ms },
);
const ratioVersion = pair(
  'start-up',
  { name: 'xcross --version', fn: () => run(process.execPath, [XCROSS, '--version']).ms },
  { name: 'node -e 0', fn: () => run(process.execPath, ['-e', '0']).ms },
);
console.log(
  `goals: no-op build ratio ${ratioBuild.toFixed(2)} (goal <= 1.3) ${ratioBuild <= 1.3 ? 'met' : 'NOT met'}; ` +
    `--version ratio ${ratioVersion.toFixed(2)} (goal <= 2.5) ${ratioVersion <= 2.5 ? 'met' : 'NOT met'}`,
);
fs.rmSync(dir, { recursive: true, force: true });
