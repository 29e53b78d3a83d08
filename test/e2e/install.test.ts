// Installing xcross where there is no compiler: the packed tarball (`npm pack`) goes through
// `npm install -g` in a container that has Node and npm but no gcc, g++, make or python, and the
// installed xcross works there through this user's podman, whose API socket is mounted in
// (`xcross targets`, `xcross shell -- true`, a build, and the pseudo-terminal's prebuilt binary).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PKG_ROOT, copyFixtures, elfMachine, tail, xcross } from './harness';
import { loadRegistry } from '../../src/targets/registry';

const T = 'x86_64-unknown-linux-gnu';
const BASE = 'localhost/xcross/debian-base:bookworm';
// node's own npm, beside it as Node's tarballs and NodeSource's package lay it out.
const NPM_DIR = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');

/** A real precondition missing: the test says which and how to get it, instead of passing. */
function missing(): string | undefined {
  if (spawnSync('podman', ['image', 'exists', BASE]).status !== 0)
    return `${BASE} is not in this user's podman storage: run scripts/setup-host.sh --e2e-user $USER`;
  if (!fs.existsSync(path.join(NPM_DIR, 'bin', 'npm-cli.js'))) return `no npm at ${NPM_DIR} beside ${process.execPath}`;
  if (process.arch !== 'x64')
    return `this test installs into an amd64 base with the host's node (${process.arch} here)`;
  // The install fetches xcross's dependencies: the one place these tests reach beyond loopback.
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 30_000 });
  if (ping.status !== 0)
    return `the npm registry does not answer \`npm ping\`: ${(ping.stderr || 'timed out')
      .trim()
      .split('\n')
      .filter((l) => !/complete log|npm notice/.test(l))
      .join('; ')}`;
  return undefined;
}

/** The host's npm settings a container needs to reach the same registry the same way. */
function npmSettings(): { env: string[]; mounts: string[] } {
  const env: string[] = [];
  const mounts: string[] = [];
  for (const key of ['registry', 'cafile', 'https-proxy', 'proxy', 'noproxy', 'strict-ssl']) {
    const v = spawnSync('npm', ['config', 'get', key], { encoding: 'utf8' }).stdout.trim();
    if (!v || v === 'null' || v === 'undefined') continue;
    env.push('-e', `npm_config_${key.replace(/-/g, '_')}=${v}`);
    if (key === 'cafile' && fs.existsSync(v)) mounts.push('-v', `${v}:${v}:ro`);
  }
  return { env, mounts };
}

// The flags this host's podman needs (ENVIRONMENT.md): xcross adapts by itself, raw podman does not.
const GLOBAL = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

const skip = missing();

describe(
  'npm install -g of the packed tarball, with no compiler',
  { skip: skip && `SKIPPED, a precondition is missing: ${skip}` },
  () => {
    let dir: string;
    let crate: string;
    let work: string;
    let service: ChildProcess;
    let socket: string;

    before(async () => {
      ({ dir, crate } = copyFixtures());
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-install-'));
      for (const d of [dir, work]) fs.chmodSync(d, 0o755);
      // The toolchain image the installed xcross will find (made now if this user has none yet).
      const img = await xcross(['image', 'build', '--target', T], { cwd: crate, timeoutMs: 3_600_000, tee: true });
      assert.equal(img.code, 0, tail(img.stderr));
      // A podman service of this user on a socket of the test's own, with the flags this host needs.
      socket = path.join(work, 'podman.sock');
      service = spawn('podman', [...GLOBAL, 'system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
      for (let i = 0; i < 500 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(fs.existsSync(socket), 'podman system service did not open its socket');
    });

    after(async () => {
      if (service && service.exitCode === null) {
        const gone = new Promise((r) => service.once('exit', r));
        service.kill('SIGTERM');
        await gone;
      }
      for (const d of [dir, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
    });

    test(
      'the tarball installs without python, make or g++, and xcross targets, shell and build work',
      { timeout: 1_200_000 },
      (t) => {
        const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
          cwd: PKG_ROOT,
          encoding: 'utf8',
        });
        assert.equal(pack.status, 0, pack.stderr);
        const tarball = path.join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
        const home = path.join(work, 'home');
        fs.mkdirSync(home);
        const npm = npmSettings();
        // Paths the installed xcross hands to the engine (workspace, cargo home, socket) are the host's
        // own, mounted at the same place: the host's engine resolves the bind mounts.
        const script = `set -e
for tool in gcc cc g++ c++ make python3 python; do
  if command -v "$tool" >/dev/null; then echo "HAS-$tool"; exit 3; fi
done
echo NO-COMPILER
ln -s /opt/npm/bin/npm-cli.js /usr/local/bin/npm
npm install -g --no-audit --no-fund --loglevel=error ${tarball}
echo INSTALLED
command -v xcross
xcross --version
xcross targets | tail -n +2 | grep -c . | sed 's/^/TARGETS /'
node -e "const p = require('/usr/local/lib/node_modules/xcross/node_modules/@lydell/node-pty'); const c = p.spawn('/bin/sh', ['-c', 'test -t 0 && echo PTY-OK'], {}); c.onData((d) => process.stdout.write(d));"
cd ${crate}
xcross shell --target ${T} -- true
echo SHELL-OK
xcross build --target ${T}
echo BUILD-OK
`;
        const r = spawnSync(
          'podman',
          [
            ...GLOBAL,
            'run',
            '--rm',
            '--network',
            'host',
            '--ulimit',
            'nofile=1024:1024',
            '--ulimit',
            'nproc=4096:4096',
            '-v',
            `${process.execPath}:/usr/local/bin/node:ro`,
            '-v',
            `${NPM_DIR}:/opt/npm:ro`,
            ...npm.mounts,
            '-v',
            `${work}:${work}`,
            '-v',
            `${dir}:${dir}`,
            '-e',
            `HOME=${home}`,
            '-e',
            `CONTAINER_HOST=unix://${socket}`,
            '-e',
            'XCROSS_RUNTIME=podman-api',
            ...npm.env,
            BASE,
            'bash',
            '-c',
            script,
          ],
          { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 1_100_000 },
        );
        const out = `${r.stdout}\n${r.stderr}`;
        t.diagnostic(`in the container: ${r.stdout.trim().split('\n').join(' | ')}`);
        assert.match(r.stdout, /^NO-COMPILER$/m, tail(out));
        assert.match(r.stdout, /^INSTALLED$/m, tail(out));
        assert.match(r.stdout, /^\/usr\/local\/bin\/xcross$/m);
        assert.match(r.stdout, /^0\.\d+\.\d+$/m);
        // Every target of the registry the tarball carries.
        assert.match(r.stdout, new RegExp(`^TARGETS ${loadRegistry().targets.length}$`, 'm'), tail(out));
        assert.match(r.stdout, /PTY-OK/, tail(out));
        assert.match(r.stdout, /^SHELL-OK$/m, tail(out));
        assert.match(r.stdout, /^BUILD-OK$/m, tail(out));
        assert.equal(r.status, 0, tail(out));
        assert.doesNotMatch(out, /gyp|node-pty cannot load/);
        // What the engine built is on the host, at the workspace's own path.
        assert.equal(elfMachine(path.join(crate, 'target', T, 'debug', 'hello-xcross')), 62);
      },
    );
  },
);
