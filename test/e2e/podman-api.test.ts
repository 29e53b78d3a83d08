// The podman-api runtime end to end: terminal sessions through the REST attach (raw TTY, resize,
// Ctrl-C), builds with no podman process once the socket is up, detection preferring a listening
// socket, falling back to the CLI when that socket's service cannot start containers, and a socket
// the user may not open.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { containersWithLabel, copyFixtures, ensureTargetImages, tail, xcross } from './harness';
import { Terminal } from './pty-driver';

const T = 'x86_64-unknown-linux-gnu';
const PROMPT = /\[xcross x86_64-unknown-linux-gnu\] \/\S+[#$] $/m;
const API = { XCROSS_RUNTIME: 'podman-api' };

async function startService(socket: string, global: string[] = []): Promise<ChildProcess> {
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  const child = spawn('podman', [...global, 'system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(socket), 'podman system service did not open its socket');
  return child;
}

async function stopService(child: ChildProcess, socket: string): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
  fs.rmSync(socket, { force: true });
}

describe('podman-api: terminal sessions through the REST attach', () => {
  let dir: string;
  let crate: string;
  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    'xcross shell: prompt, terminal size and resize, Ctrl-C to the program, exit status',
    { timeout: 300_000 },
    async () => {
      const t = new Terminal(['shell', '--target', T], crate, API);
      try {
        await t.waitFor(PROMPT, 120_000);
        const m = t.mark();
        t.type('test -t 0 && echo has-a-terminal; stty size\r');
        await t.waitFor(/has-a-terminal/, 30_000, m);
        await t.waitFor(/^30 100$/m, 30_000, m);
        assert.ok(await t.resizeSeen(132, 43), `the container never saw the new size:\n${t.text.slice(-1500)}`);
        assert.equal(await t.ctrlCInShell(PROMPT), 130, t.text.slice(-1500));
        t.type('exit 3\r');
        assert.equal(await t.exited, 3);
      } finally {
        t.kill();
      }
    },
  );

  test(
    'xcross run in a terminal: Ctrl-C reaches the program, exit 130, the container goes',
    { timeout: 300_000 },
    async () => {
      const t = new Terminal(['run', '--target', T, '--', '--sleep', '300'], crate, API);
      try {
        await t.waitFor(/sleeping 300s/, 120_000);
        t.type('\x03');
        assert.equal(await t.exited, 130, t.text.slice(-2000));
        assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
      } finally {
        t.kill();
      }
    },
  );
});

describe('podman-api on a socket that listens', () => {
  let dir: string;
  let crate: string;
  let service: ChildProcess;
  let wrapperDir: string;
  let calls: string;
  const socket = path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), 'podman', 'podman.sock');

  before(async () => {
    // Before the service starts: the image is made through the CLI, whatever this file then tries.
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
    service = await startService(socket);
    // A `podman` first on PATH that writes down every call before passing it on.
    wrapperDir = path.join(dir, 'bin');
    calls = path.join(dir, 'podman-calls');
    fs.mkdirSync(wrapperDir);
    fs.writeFileSync(path.join(wrapperDir, 'podman'), `#!/bin/sh\necho "$*" >> ${calls}\nexec /usr/bin/podman "$@"\n`, {
      mode: 0o755,
    });
  });
  after(async () => {
    await stopService(service, socket);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('detection takes the listening socket, and -v says why', async () => {
    const r = await xcross(['build', '--target', T, '-v'], { cwd: crate, timeoutMs: 600_000 });
    assert.equal(r.code, 0, tail(r.stderr));
    assert.match(
      r.stderr,
      /runtime: podman-api, because .*podman\.sock answers and the benchmark measured the API faster/,
    );
    assert.match(r.stderr, /engine: podman-api \(.*podman\.sock, rootless default, libpod \d/);
  });

  test('an image build and a run with no podman process once the socket is up', { timeout: 600_000 }, async () => {
    const customImages = () =>
      spawnSync('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l.includes(`/custom-${T}:`));
    const before = customImages();
    // A marker of this run, so that the custom image is new and really built now.
    const marker = `built-through-the-api-${process.pid}-${Date.now()}`;
    fs.writeFileSync(
      path.join(crate, 'Cross.toml'),
      `[target.${T}]\npre-build = ["echo ${marker} > /xcross-api-marker"]\n`,
    );
    const env = { ...API, PATH: `${wrapperDir}:${process.env.PATH}` };
    const b = await xcross(['run', '--target', T, '-v', '--', '--exit', '5'], { cwd: crate, env, timeoutMs: 600_000 });
    assert.equal(b.code, 5, tail(b.stderr));
    assert.match(b.stderr, /api: POST \/v4\.0\.0\/libpod\/build/);
    assert.match(b.stdout, /^hello from x86_64$/m);
    const s = await xcross(['shell', '--target', T, '--', 'cat', '/xcross-api-marker'], { cwd: crate, env });
    assert.equal(s.stdout, `${marker}\n`, tail(s.stderr));
    assert.equal(fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8') : '', '', 'podman was started');
    fs.rmSync(path.join(crate, 'Cross.toml'));
    const fresh = customImages().filter((i) => !before.includes(i));
    assert.equal(fresh.length, 1, `new custom images: ${fresh.join(', ')}`);
    spawnSync('podman', ['rmi', ...fresh], { stdio: 'ignore' });
  });
});

describe('podman-api: a default socket whose service cannot start containers here', () => {
  let dir: string;
  let crate: string;
  let cache: string;
  let service: ChildProcess;
  const socket = path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), 'podman', 'podman.sock');

  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
    cache = path.join(dir, 'cache');
    // The service runs an OCI runtime that refuses like crun on hybrid cgroups (as podman.socket's
    // service would, started with crun's defaults on such a host); only its owner can restart it
    // with --runtime runc.
    const fake = path.join(dir, 'crun');
    fs.writeFileSync(
      fake,
      '#!/bin/sh\n[ "$1" = --version ] && { echo "crun version 1.8.1 (stand-in)"; exit 0; }\necho "crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    service = await startService(socket, ['--runtime', fake]);
  });
  after(async () => {
    await stopService(service, socket);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test(
    'detection falls back to the podman CLI, remembers why, and a service asked for by name says what to do',
    { timeout: 600_000 },
    async () => {
      const env = { XDG_CACHE_HOME: cache };
      const doctor = await xcross(['doctor', '--json'], { cwd: crate, env, timeoutMs: 120_000 });
      const containers = (
        JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }
      ).checks.find((c) => c.id === 'containers');
      assert.equal(containers?.status, 'warn', doctor.stdout);
      assert.match(
        containers!.message,
        /cannot start containers on this host without the global flags --runtime runc --cgroup-manager cgroupfs: xcross runs containers with the podman CLI instead$/,
      );

      const first = await xcross(['run', '--target', T, '-v', '--', '--exit', '4'], {
        cwd: crate,
        env,
        timeoutMs: 600_000,
      });
      assert.equal(first.code, 4, tail(first.stderr));
      assert.match(first.stdout, /^hello from x86_64$/m);
      assert.match(first.stderr, /runtime: podman-api, because .*podman\.sock answers/);
      assert.match(
        first.stderr,
        /podman-api: the podman service on .*podman\.sock cannot start containers on this host without the global flags --runtime runc --cgroup-manager cgroupfs: using the podman CLI instead/,
      );
      assert.match(
        first.stderr,
        /engine: podman \(.*\), instead of the podman service on .*podman\.sock, which cannot start containers here/,
      );

      const second = await xcross(['build', '--target', T, '-v'], { cwd: crate, env });
      assert.equal(second.code, 0, tail(second.stderr));
      assert.match(
        second.stderr,
        /runtime: not a podman socket: the podman service on .*podman\.sock cannot start containers .*\(seen before; restarting that service makes xcross try it again\)/,
      );
      assert.doesNotMatch(second.stderr, /api: POST/, 'the socket was not tried again');
      const checked = await xcross(['doctor', '--json'], { cwd: crate, env, timeoutMs: 120_000 });
      const socketCheck = (
        JSON.parse(checked.stdout) as { checks: { id: string; status: string; message: string }[] }
      ).checks.find((c) => c.id === 'api-socket');
      assert.equal(socketCheck?.status, 'warn', checked.stdout);
      assert.match(
        socketCheck!.message,
        /cannot start containers .*: xcross passes over it and uses the podman CLI until that service is started again$/,
      );

      const named = await xcross(['build', '--target', T], { cwd: crate, env: { ...env, ...API } });
      assert.equal(named.code, 1);
      assert.match(
        named.stderr,
        /xcross: error: the podman service on .*podman\.sock cannot start containers on this host without the global flags --runtime runc --cgroup-manager cgroupfs\nxcross: fix: restart that service as `podman --runtime runc --cgroup-manager cgroupfs system service`, or use `--runtime podman`/,
      );
      assert.deepEqual(containersWithLabel('io.xcross.managed=true'), [], 'no probe container is left');
    },
  );
});

describe('podman-api: a socket the user may not open', () => {
  test('permission denied is one sentence with a fix, and nothing runs', async () => {
    const { dir, crate } = copyFixtures();
    const sock = path.join(dir, 'locked.sock');
    const server = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => server.listen(sock, r));
    fs.chmodSync(sock, 0o000);
    try {
      const r = await xcross(['run', '--target', T], { cwd: crate, env: { ...API, CONTAINER_HOST: `unix://${sock}` } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /xcross: error: permission denied on the podman API socket .*locked\.sock\nxcross: fix: /);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('podman-api: xcross doctor', () => {
  test("the engine facts come from libpod's /info, and a container is really started", async () => {
    const r = await xcross(['doctor', '--json'], { cwd: os.tmpdir(), env: API, timeoutMs: 120_000 });
    const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; message: string }[] }).checks;
    const by = (id: string) => checks.find((c) => c.id === id);
    assert.equal(by('engine')?.status, 'ok', r.stdout);
    assert.match(by('engine')!.message, /^podman \d+\.\d+\.\d+ through its REST API: podman-api \(/);
    assert.equal(by('storage')?.status, 'ok');
    assert.equal(by('containers')?.status, 'ok', by('containers')?.message);
    assert.match(by('containers')!.message, /containers start/);
  });
});
