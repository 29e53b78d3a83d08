#!/usr/bin/env node
// npm run bench:remote: an engine over ssh against the local one, on this machine. Run as the
// end-to-end user (scripts/setup-host.sh --e2e-user NAME made it and NAME-remote, the "other machine":
// Debian's sshd on a loopback port and that user's rootless podman, which cannot see this user's
// files; test/e2e/ssh-remote.ts starts them). Interleaved, per run, in a fresh copy of the example crate:
// the first `xcross build` (cargo from nothing; over ssh also every file sent into new volumes) and a
// second build after editing src/main.rs, over ssh (CONTAINER_HOST=ssh://...) and locally. Prints
// medians, the ratios, and the bytes sent (file content in the sync's tars, from -v) and brought back.
// The target's image must be on both sides (the e2e test puts it there; `xcross image load` over ssh).
//
//   node scripts/bench-remote.mjs [--target T] [--runs 3]
import * as fs from 'node:fs';
import { dist, exampleCopy, median, must, opt, run, XCROSS } from './bench-lib.mjs';

const { startSshRemote, sshRemoteMissing } = dist('test/e2e/ssh-remote.js');
const target = opt('--target', 'x86_64-unknown-linux-gnu');
const runs = Number(opt('--runs', '3'));
const say = (m) => process.stderr.write(`bench-remote: ${m}\n`);
const missing = sshRemoteMissing();
if (missing) {
  say(missing);
  process.exit(1);
}

const remote = await startSshRemote();
const sshEnv = { ...process.env, CONTAINER_HOST: remote.containerHost, CONTAINER_SSHKEY: remote.key };
const localEnv = { ...process.env };
delete localEnv.CONTAINER_HOST;
delete localEnv.CONTAINER_CONNECTION;
const xc = (args, cwd, env) => must(run(process.execPath, [XCROSS, ...args], { cwd, env }), `xcross ${args.join(' ')}`);
const sent = (stderr) => Number(/sync: sent \d+ file\(s\), (\d+) bytes/.exec(stderr)?.[1] ?? NaN);
const files = (stderr) => Number(/sync: sent (\d+) file\(s\)/.exec(stderr)?.[1] ?? NaN);
const back = (stderr) => Number(/brought back \d+ that changed \((\d+) bytes\)/.exec(stderr)?.[1] ?? 0);

const edit = (crate, i) =>
  fs.appendFileSync(`${crate}/src/main.rs`, `\n// bench edit ${i} ${Date.now()}\n`, { encoding: 'utf8' });

const m = {
  sshFirst: [],
  sshSecond: [],
  localFirst: [],
  localSecond: [],
  bytesFirst: [],
  bytesSecond: [],
  filesSecond: [],
  backSecond: [],
};
try {
  // Warm both engines' adaptation caches and images once, outside the figures.
  for (const env of [sshEnv, localEnv]) {
    const w = exampleCopy('xcross-bench-remote-');
    xc(['build', '--target', target], w.crate, env);
    if (env === sshEnv) xc(['volumes', 'rm', '--all'], w.crate, env);
    fs.rmSync(w.dir, { recursive: true, force: true });
  }
  for (let i = 0; i < runs; i++) {
    for (const side of i % 2 ? ['local', 'ssh'] : ['ssh', 'local']) {
      const env = side === 'ssh' ? sshEnv : localEnv;
      const { dir, crate } = exampleCopy('xcross-bench-remote-');
      const first = xc(['build', '--target', target, '-v'], crate, env);
      edit(crate, i);
      const second = xc(['build', '--target', target, '-v'], crate, env);
      if (side === 'ssh') {
        m.sshFirst.push(first.ms);
        m.sshSecond.push(second.ms);
        m.bytesFirst.push(sent(first.stderr));
        m.bytesSecond.push(sent(second.stderr));
        m.filesSecond.push(files(second.stderr));
        m.backSecond.push(back(second.stderr));
        xc(['volumes', 'rm', '--all'], crate, env);
      } else {
        m.localFirst.push(first.ms);
        m.localSecond.push(second.ms);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      say(`run ${i + 1}/${runs} ${side}: first ${Math.round(first.ms)} ms, second ${Math.round(second.ms)} ms`);
    }
  }
} finally {
  await remote.stop();
}

const s = (xs) => `${(median(xs) / 1000).toFixed(1)} s`;
const kb = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} KB`);
process.stdout.write(
  [
    `Over ssh (loopback, a second rootless user as the remote) vs the local engine, ${target}, ${runs} interleaved runs, medians:`,
    '',
    '| build of the example crate | over ssh | local | ratio | sent over ssh | brought back |',
    '|---|---|---|---|---|---|',
    `| first (fresh copy, cargo from nothing) | ${s(m.sshFirst)} | ${s(m.localFirst)} | ${(median(m.sshFirst) / median(m.localFirst)).toFixed(2)}x | ${kb(median(m.bytesFirst))} | the binary |`,
    `| second, after editing src/main.rs | ${s(m.sshSecond)} | ${s(m.localSecond)} | ${(median(m.sshSecond) / median(m.localSecond)).toFixed(2)}x | ${kb(median(m.bytesSecond))} (${median(m.filesSecond)} file) | ${kb(median(m.backSecond))} |`,
    '',
  ].join('\n'),
);
