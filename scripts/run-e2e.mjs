#!/usr/bin/env node
// Runs the end-to-end tests (test/e2e, compiled to dist/test/e2e) against real podman, as a non-root
// user: as yourself when you are not root; as root, as the user XCROSS_E2E_USER (default xcross-e2e,
// made by `scripts/setup-host.sh --e2e-user xcross-e2e`), from a copy of the package that user can read.
// XCROSS_E2E_RUSTUP_HOME names a rustup home for the host-toolchain tests (root's, hard-linked; else
// your own ~/.rustup is used when it exists). They need podman: without it this fails and says so (XCROSS_SKIP_E2E=1 skips them, loudly).
// Arguments name test files to run instead of all of them: `node scripts/run-e2e.mjs targets aarch64`
// runs dist/test/e2e/targets.test.js and aarch64.test.js. `--dir NAME` runs dist/test/NAME instead of
// dist/test/e2e (`npm run test:podman5`: dist/test/podman5).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const say = (m) => process.stderr.write(`run-e2e: ${m}\n`);

if (process.env.XCROSS_SKIP_E2E === '1') {
  say('XCROSS_SKIP_E2E=1: the end-to-end tests were NOT run');
  process.exit(0);
}
const onPath = (bin) => (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, bin)));
if (!onPath('podman')) {
  say(
    'podman is not installed, and the end-to-end tests need it: run scripts/setup-host.sh (or XCROSS_SKIP_E2E=1 to skip them)',
  );
  process.exit(1);
}

const argv = process.argv.slice(2);
const dirAt = argv.indexOf('--dir');
const testDir = dirAt >= 0 ? argv.splice(dirAt, 2)[1] : 'e2e';
if (!/^[a-z0-9-]+$/.test(testDir ?? '')) {
  say(`--dir takes a folder name under dist/test (got '${testDir}')`);
  process.exit(2);
}
const only = argv.map((a) =>
  path
    .basename(a)
    .replace(/\.test\.[jt]s$/, '')
    .replace(/\.[jt]s$/, ''),
);
for (const name of only) {
  if (!fs.existsSync(path.join(root, 'dist/test', testDir, `${name}.test.js`))) {
    say(`no end-to-end test file dist/test/${testDir}/${name}.test.js (run npm run build first?)`);
    process.exit(2);
  }
}
/** What node --test runs: the whole folder, or the files named, under the package root `pkg`. */
const testPaths = (pkg) =>
  only.length
    ? only.map((n) => path.join(pkg, 'dist/test', testDir, `${n}.test.js`))
    : [path.join(pkg, 'dist/test', testDir)];

const peerExists = (name) => spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
const testArgs = ['--test', '--test-reporter=spec', '--test-concurrency=1'];
let code;
if (process.getuid() !== 0) {
  code = spawnSync(process.execPath, [...testArgs, ...testPaths(root)], { stdio: 'inherit' }).status;
} else {
  const user = process.env.XCROSS_E2E_USER || 'xcross-e2e';
  let uid;
  try {
    uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  } catch {
    say(
      `running as root, and the non-root user '${user}' does not exist: run scripts/setup-host.sh --e2e-user ${user}`,
    );
    process.exit(1);
  }
  const home = execFileSync('getent', ['passwd', user]).toString().split(':')[5];
  // The checkout may sit in root's home, which the user cannot read: copy what the tests use. Not the
  // fixtures' target/: the README's first command builds the example in the checkout as root, and the
  // tests' copies (and the peer user's) must start clean (see copyFixturesInto in test/e2e/harness.ts).
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-e2e-pkg-'));
  const { isFixtureBuildOutput } = createRequire(import.meta.url)(path.join(root, 'dist/test/e2e/harness.js'));
  for (const entry of ['package.json', 'dist', 'node_modules', 'images', 'scripts', 'test']) {
    fs.cpSync(path.join(root, entry), path.join(copy, entry), {
      recursive: true,
      dereference: false,
      filter: (src) => !isFixtureBuildOutput(src),
    });
  }
  execFileSync('chown', ['-R', `${user}:`, copy]);
  // Root's rustup toolchain, for the test of the host-toolchain source: hard links (instant, no
  // space), left owned by root and read-only to the user, as a shared toolchain would be.
  const rustupHome = path.join(os.homedir(), '.rustup');
  let hostRustup;
  if (fs.existsSync(path.join(rustupHome, 'settings.toml'))) {
    hostRustup = path.join(copy, 'rustup-home');
    execFileSync('cp', ['-al', rustupHome, hostRustup]);
    execFileSync('chmod', ['-R', 'a+rX', hostRustup]);
  }
  fs.chmodSync(copy, 0o755);
  say(`running as ${user} (uid ${uid}) from ${copy}`);
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: user,
    LOGNAME: user,
    XDG_RUNTIME_DIR: `/run/user/${uid}`,
    LANG: 'C.UTF-8',
    ...(process.env.CI ? { CI: process.env.CI } : {}),
    // Which targets test/e2e/targets.test.ts proves (ci, all or a list), and where its timings go.
    ...Object.fromEntries(
      ['XCROSS_E2E_TARGETS', 'XCROSS_E2E_REPORT'].filter((k) => process.env[k]).map((k) => [k, process.env[k]]),
    ),
    ...(hostRustup ? { XCROSS_E2E_RUSTUP_HOME: hostRustup } : {}),
    // The second rootless user of scripts/setup-cache-peer.sh: the image cache's tests pull into its store.
    ...(peerExists(`${user}-peer`) ? { XCROSS_E2E_PEER: `${user}-peer` } : {}),
    // The private dockerd of scripts/start-private-dockerd.sh, when it runs: the docker runtime's tests
    // (XCROSS_E2E_DOCKER_HOST names another user's, started with a DIR of its own).
    ...(process.env.XCROSS_E2E_DOCKER_HOST
      ? { XCROSS_E2E_DOCKER_HOST: process.env.XCROSS_E2E_DOCKER_HOST }
      : fs.existsSync('/run/xcross-docker/docker.sock')
        ? { XCROSS_E2E_DOCKER_HOST: 'unix:///run/xcross-docker/docker.sock' }
        : {}),
  };
  code = spawnSync(
    'runuser',
    [
      '-u',
      user,
      '--',
      'env',
      '-i',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      process.execPath,
      ...testArgs,
      ...testPaths(copy),
    ],
    { stdio: 'inherit', cwd: copy },
  ).status;
  fs.rmSync(copy, { recursive: true, force: true });
}
process.exit(code ?? 1);
