#!/usr/bin/env node
// npm run bench:cache: the image cache's figures on this machine. Run as the end-to-end user (the one
// scripts/setup-host.sh --e2e-user made), with its peer (NAME-peer, sudo without a password): starts the
// tests' TLS registry on 127.0.0.1:5443, pushes each target's image from this user's store, then, in the
// peer's emptied store, times the first `xcross build` of the example crate with the cache (medians of
// --runs) and once without it (every image built from the Debian mirror), reads the bytes pulled per
// target from the registry's manifests, and saves and loads an archive per target.
//
//   node scripts/bench-cache.mjs [--target T ...] [--runs 3] [--skip-mirror]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { all, dist, flag, mb, median, opt, XCROSS } from './bench-lib.mjs';

const { TestRegistry, asPeer, sh, HOSTPORT, USER, PASSWORD, PEER, missingParts } = dist('test/e2e/registry.js');
const { copyFixturesCommand } = dist('test/e2e/harness.js');
const timed = async (f) => {
  const t = Date.now();
  await f();
  return Date.now() - t;
};
const CACHE = `${HOSTPORT}/bench/xcross`;
const DEAD = 'http://127.0.0.1:9';

const targets = all('--target');
if (targets.length === 0) targets.push('x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu');
const runs = Number(opt('--runs', '3'));
const skipMirror = flag('--skip-mirror');
const missing = missingParts();
if (missing) {
  process.stderr.write(`bench-cache: ${missing}\n`);
  process.exit(1);
}
const say = (m) => process.stderr.write(`bench-cache: ${m}\n`);

const reg = new TestRegistry();
await reg.start();
const ca = fs.readFileSync(reg.ca, 'utf8');
sh('sh', ['-c', TestRegistry.trustScript(ca)]);
asPeer(['sh', '-c', TestRegistry.trustScript(ca)]);
sh('podman', ['login', '--password-stdin', '-u', USER, HOSTPORT], { input: PASSWORD });
const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-bench-cache-'));
fs.chmodSync(shared, 0o777);
// The peer's own copy of the example, its target/ left out (whoever built it in the checkout may have
// left files there that the peer cannot read).
const copied = asPeer(copyFixturesCommand(shared));
if (copied.code !== 0) throw new Error(`the peer could not copy the example crate:\n${copied.out}`);
const crate = path.join(shared, 'hello-xcross');

function resetPeer() {
  asPeer(['podman', 'system', 'reset', '--force']);
  asPeer(['rm', '-rf', `/home/${PEER}/.cache/xcross`, `${crate}/target`]);
  asPeer(['podman', 'login', '--password-stdin', '-u', USER, HOSTPORT], {}, PASSWORD);
}

function peerBuild(target, env) {
  const r = asPeer(
    ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', crate, process.execPath, XCROSS, 'build', '--target', target],
    env,
  );
  if (r.code !== 0) throw new Error(`the peer's build for ${target} failed:\n${r.out.slice(-3000)}`);
}

const rows = [];
try {
  for (const target of targets)
    try {
      const pushed = sh(process.execPath, [XCROSS, 'image', 'build', '--target', target, '--push'], {
        env: { ...process.env, XCROSS_IMAGE_CACHE: CACHE },
      });
      if (pushed.code !== 0) throw new Error(pushed.out);
      const p = sh(process.execPath, [XCROSS, 'image', 'push', '--target', target], {
        env: { ...process.env, XCROSS_IMAGE_CACHE: CACHE },
      });
      if (p.code !== 0) throw new Error(p.out);
      const ref = p.stdout.split('\n')[0].trim();
      const [repo, tag] = [ref.slice(HOSTPORT.length + 1, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
      const manifest = JSON.parse(reg.get(`/v2/${repo}/manifests/${tag}`));
      const bytes = manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0);
      const withCache = [];
      for (let i = 0; i < runs; i++) {
        resetPeer();
        withCache.push(
          await timed(async () =>
            peerBuild(target, {
              XCROSS_IMAGE_CACHE: CACHE,
              http_proxy: DEAD,
              https_proxy: DEAD,
              no_proxy: '127.0.0.1',
            }),
          ),
        );
        say(`${target}: first build with the cache ${(withCache.at(-1) / 1000).toFixed(1)} s`);
      }
      let fromMirror;
      if (!skipMirror && target === targets[0]) {
        resetPeer();
        fromMirror = await timed(async () => peerBuild(target, {}));
        say(`${target}: first build from the mirror ${(fromMirror / 1000).toFixed(1)} s`);
      }
      const archive = path.join(shared, `${target}.tar`);
      const saveMs = await timed(async () => {
        const s = sh(process.execPath, [XCROSS, 'image', 'save', '-o', archive, '--target', target]);
        if (s.code !== 0) throw new Error(s.out);
      });
      fs.chmodSync(archive, 0o644);
      resetPeer();
      const loadMs = await timed(async () => {
        const l = asPeer([process.execPath, XCROSS, 'image', 'load', archive]);
        if (l.code !== 0) throw new Error(l.out);
      });
      rows.push({
        target,
        bytes,
        cache: median(withCache),
        fromMirror,
        archive: fs.statSync(archive).size,
        saveMs,
        loadMs,
      });
      fs.rmSync(archive);
    } catch (e) {
      // One target's failure (an image an older xcross built: rebuild it with --force) leaves the others' figures.
      say(`${target}: not measured: ${e.message.split('\n')[0]}`);
    }
} finally {
  sh('podman', ['logout', HOSTPORT]);
  resetPeer();
  asPeer(['podman', 'logout', HOSTPORT]);
  await reg.stop();
  asPeer(['rm', '-rf', shared]);
  fs.rmSync(shared, { recursive: true, force: true });
  fs.rmSync(reg.dir, { recursive: true, force: true });
}

const s = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
console.log(
  `Image cache, ${new Date().toISOString().slice(0, 10)}: first \`xcross build\` of the example crate in an empty image store (median of ${runs})`,
);
console.log('');
console.log('| target | pulled from the cache | with the cache | from the mirror | ratio | archive | save | load |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const ratio = r.fromMirror ? `${(r.cache / r.fromMirror).toFixed(2)}x` : '-';
  console.log(
    `| \`${r.target}\` | ${mb(r.bytes)} | ${s(r.cache)} | ${s(r.fromMirror)} | ${ratio} | ${mb(r.archive)} | ${s(r.saveMs)} | ${s(r.loadMs)} |`,
  );
}
