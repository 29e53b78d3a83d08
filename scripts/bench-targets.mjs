#!/usr/bin/env node
// Benchmarks of the targets, printed (not a timed test). Run it as the user whose podman to measure.
//  1. cold image build per target: its image removed, then `xcross image build` timed; the layers it
//     shares (base, Rust, a std built in the image) stay, and their own build times are printed when they get built
//     (--from-scratch removes every image xcross built first, so they are);
//  2. image sizes: the whole image, and the target's own part (the image less the std or Rust layer under it);
//  3. `xcross test` of the example crate under each target's emulator: a first run compiles, then RUNS
//     runs with nothing to compile; the median, and its ratio to the native x86_64 target's median.
// Ends with `podman system df`.
//
//   node scripts/bench-targets.mjs [--runs N] [--target T]... [--from-scratch] [--no-build]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { XCROSS, all, dist, exampleCopy, flag, imageSize, mb, median, must, opt, run } from './bench-lib.mjs';

const { baseImageRef, rustImageRef, targetImageRef, targetParentRef } = dist('src/images/tag.js');
const { imageHasStd, loadRegistry, qemuBinary, runsNatively } = dist('src/targets/registry.js');
const RUNS = Number(opt('--runs', '5'));
const registry = loadRegistry();
const wanted = all('--target');
const targets = registry.targets.filter((t) => wanted.length === 0 || wanted.includes(t.triple));
const say = (m) => process.stderr.write(`bench-targets: ${m}\n`);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;

if (flag('--from-scratch')) {
  say('removing every image xcross built (xcross image prune --all)');
  must(run(process.execPath, [XCROSS, 'image', 'prune', '--all']), 'xcross image prune --all');
}

// 1. Builds: the layers' own times from xcross's "built <ref> in N s" lines.
const layerTimes = new Map();
const builds = new Map();
for (const t of targets) {
  const ref = targetImageRef(registry.base, t);
  if (!flag('--no-build')) {
    run('podman', ['rmi', ref]);
    say(`building ${t.triple} ...`);
    const r = must(
      run(process.execPath, [XCROSS, 'image', 'build', '--target', t.triple]),
      `xcross image build --target ${t.triple}`,
    );
    for (const m of r.stderr.matchAll(/built (\S+) in (\d+(?:\.\d+)?)\s*s/g)) layerTimes.set(m[1], Number(m[2]) * 1000);
    builds.set(t.triple, layerTimes.get(ref) ?? r.ms);
  }
}

// 2 and 3. Sizes, and `xcross test` of a copy of the example crate.
const { dir: work, crate } = exampleCopy('xcross-bench-targets-');
const rows = [];
for (const t of targets) {
  const ref = targetImageRef(registry.base, t);
  const total = imageSize(ref);
  const own = total - imageSize(targetParentRef(registry.base, t));
  let test = NaN;
  if (imageHasStd(t)) {
    say(`xcross test --target ${t.triple}: a first run, then ${RUNS}`);
    must(
      run(process.execPath, [XCROSS, 'test', '--target', t.triple], { cwd: crate }),
      `xcross test --target ${t.triple}`,
    );
    const times = [];
    for (let i = 0; i < RUNS; i++)
      times.push(must(run(process.execPath, [XCROSS, 'test', '--target', t.triple], { cwd: crate }), 'xcross test').ms);
    test = median(times);
  }
  // Another CPU's programs (i386) run natively only where this kernel runs them: the image's probe tells.
  const kernelRuns = () =>
    t.cpu.name === 'x86_64' || run('podman', ['run', '--rm', ref, '/usr/local/lib/xcross/native-probe']).code === 0;
  const runner =
    t.runner.kind === 'wine'
      ? `wine ${t.pins.wine}`
      : runsNatively(t, 'x86_64') && kernelRuns()
        ? 'native'
        : qemuBinary(t).replace(/-static$/, '');
  rows.push({ t, runner, build: builds.get(t.triple), total, own, test });
}
fs.rmSync(work, { recursive: true, force: true });

const native = rows.find((r) => r.t.triple === 'x86_64-unknown-linux-gnu')?.test;
console.log(`\nMedians of ${RUNS} runs; ${os.cpus().length} CPUs; ${new Date().toISOString().slice(0, 10)}\n`);
console.log(
  '| target | tests run under | cold image build | target layers | whole image | `xcross test` (nothing to compile) | vs native x86_64 |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const ratio = Number.isFinite(r.test) && native ? `${(r.test / native).toFixed(2)}x` : '';
  console.log(
    `| \`${r.t.triple}\` | ${r.runner} | ${r.build ? s(r.build) : ''} | ${mb(r.own)} | ${mb(r.total)} | ${Number.isFinite(r.test) ? s(r.test) : 'host std only'} | ${ratio} |`,
  );
}
const shared = [...layerTimes].filter(([ref]) => /\/(base|rust-[^:/]+|std\/[^:]+):/.test(ref));
if (shared.length)
  console.log(`\nShared layers built on the way: ${shared.map(([ref, ms]) => `${ref} ${s(ms)}`).join(', ')}`);
console.log(`Base ${baseImageRef(registry.base)}: ${mb(imageSize(baseImageRef(registry.base)))}`);
const rustRef = rustImageRef(registry.base, registry.rust);
console.log(`Rust ${rustRef}: ${mb(imageSize(rustRef))} with the base under it`);
// podman 4.3's system df adds up every image's full size, shared layers and the builds' intermediate
// images included; what the storage really holds on disk is du's answer, read inside the user namespace.
const graphRoot = run('podman', ['info', '--format', '{{.Store.GraphRoot}}']).stdout.trim();
const du = run('podman', ['unshare', 'du', '-sm', graphRoot]).stdout.split(/\s/)[0];
const tagged = run('podman', ['images', '-q']).stdout.trim().split('\n').filter(Boolean).length;
const every = run('podman', ['images', '-a', '-q']).stdout.trim().split('\n').filter(Boolean).length;
console.log(
  `\nOn disk: ${du} MB in ${graphRoot} (${tagged} tagged images, ${every - tagged} intermediate ones of the builds)`,
);
console.log('\npodman system df:');
console.log(run('podman', ['system', 'df']).stdout);
