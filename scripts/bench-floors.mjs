#!/usr/bin/env node
// Benchmarks of the glibc floors, printed (not a timed test). Run it as the user whose podman to measure.
//  1. first build of each floor image: the image removed, then `xcross image build --target <t>.<floor>`
//     timed (the shared base and Rust layers stay; a missing one is built first, untimed);
//  2. the floor image's own layers (the image less its Rust layer), beside the default image's;
//  3. the check after a link on a no-op build: `xcross build --glibc <floor>` of the example crate with
//     nothing to compile, RUNS times with the check and RUNS times with XCROSS_GLIBC_CHECK=0 (medians),
//     and the check's own time as `-v` reports it.
//
//   node scripts/bench-floors.mjs [--runs N] [--floor 2.31] [--target T]... [--no-build]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { XCROSS, all, dist, exampleCopy, flag, imageSize, mb, median, must, opt, run } from './bench-lib.mjs';

const { loadRegistry, findTarget } = dist('src/targets/registry.js');
const { targetForFloor } = dist('src/targets/floor-select.js');
const { targetImageRef, targetParentRef } = dist('src/images/tag.js');
const RUNS = Number(opt('--runs', '5'));
const FLOOR = opt('--floor', '2.31');
const registry = loadRegistry();
const wanted = all('--target');
const triples = wanted.length ? wanted : ['x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu'];
const say = (m) => process.stderr.write(`bench-floors: ${m}\n`);
const xcross = (argv, opts) => run(process.execPath, [XCROSS, ...argv], opts);

const { dir: work, crate } = exampleCopy('xcross-bench-floors-');
const rows = [];
for (const triple of triples) {
  const plain = findTarget(registry, triple);
  const t = targetForFloor(registry, plain, { version: FLOOR, from: '--floor', explicit: true }, say);
  const ref = targetImageRef(registry.base, t);
  let build = NaN;
  if (!flag('--no-build')) {
    must(xcross(['image', 'build', '--target', triple]), `xcross image build --target ${triple}`);
    run('podman', ['rmi', ref]);
    say(`building ${triple}.${FLOOR} ...`);
    const r = must(
      xcross(['image', 'build', '--target', `${triple}.${FLOOR}`]),
      `xcross image build --target ${triple}.${FLOOR}`,
    );
    build = r.ms;
  }
  const tc = imageSize(targetParentRef(registry.base, t));
  const own = imageSize(ref) - tc;
  const ownDefault = imageSize(targetImageRef(registry.base, plain)) - tc;
  say(
    `no-op builds of the example for ${triple} at ${FLOOR}: a first build, then ${RUNS} with and ${RUNS} without the check`,
  );
  const cmd = ['build', '--target', triple, '--glibc', FLOOR];
  must(xcross(cmd, { cwd: crate }), 'xcross build');
  // Older than the two seconds of slack the check allows for coarse file times: a true no-op.
  spawnSync('sleep', ['2.5']);
  const withCheck = [];
  const without = [];
  const own_ms = [];
  for (let i = 0; i < RUNS; i++) {
    const r = must(xcross([...cmd, '-v'], { cwd: crate }), 'xcross build -v');
    withCheck.push(r.ms);
    const m = /glibc floor [\d.]+: .*\((\d+(?:\.\d+)?) ms\)/.exec(r.stderr.replace(/\x1b\[[0-9;]*m/g, ''));
    if (m) own_ms.push(Number(m[1]));
    without.push(
      must(
        xcross([...cmd, '-v'], { cwd: crate, env: { ...process.env, XCROSS_GLIBC_CHECK: '0' } }),
        'xcross build, no check',
      ).ms,
    );
  }
  rows.push({
    triple,
    build,
    own,
    ownDefault,
    withCheck: median(withCheck),
    without: median(without),
    check: median(own_ms),
  });
}
fs.rmSync(work, { recursive: true, force: true });

console.log(`glibc ${FLOOR} floor images, and the check after a link (medians of ${RUNS})\n`);
console.log(
  "| target | first build of the floor image | its own layers | the default image's | no-op build with the check | without | the check itself |",
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const sec = (ms) => (Number.isNaN(ms) ? 'not built' : `${(ms / 1000).toFixed(1)} s`);
  console.log(
    `| \`${r.triple}\` | ${sec(r.build)} | ${mb(r.own)} | ${mb(r.ownDefault)} | ${Math.round(r.withCheck)} ms | ${Math.round(r.without)} ms | ${r.check.toFixed(2)} ms |`,
  );
}
