// Faults during an image build, on both podman runtimes: the image storage full (a 48 MB tmpfs as
// the graphroot, the user's own store as a read-only additional store for the target image, a
// pre-build that writes 100 MB) and the Debian mirror out of reach (apt through a dead proxy, or
// pointed at a dead address). Each ends in one sentence that names the cause, tags nothing, and the
// next run with space builds. Only this run's images are looked at and removed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixtures, ensureTargetImages, tail, xcross, type Result } from './harness';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { targetImageRef } from '../../src/images/tag';

const T = 'x86_64-unknown-linux-gnu';
// A tmpfs of the test user's (scripts/setup-cache-peer.sh), its own so that no other test races it.
const SMALL = '/var/tmp/xcross-e2e-full';
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const DEAD = 'http://127.0.0.1:9';
const PODMAN_GLOBAL = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
const registry = loadRegistry();
const BASE = targetImageRef(registry.base, findTarget(registry, T));
const made = new Set<string>();
const dirs: string[] = [];
const figures: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function podman(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('podman', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function crateWith(lines: string[]): string {
  const { dir, crate } = copyFixtures();
  dirs.push(dir);
  fs.writeFileSync(path.join(crate, 'Cross.toml'), `[target.${T}]\npre-build = ${JSON.stringify(lines)}\n`);
  return crate;
}

/**
 * The custom images xcross named: this test's to remove. Taken from its output rather than computed
 * beforehand: another process may rebuild the target image (a new ID, so a new tag) meanwhile.
 */
function customRefs(r: Result): string[] {
  const refs = [...new Set(r.stderr.match(/localhost\/xcross\/custom-[\w.-]+:[0-9a-f]{16}/g) ?? [])];
  for (const ref of refs) made.add(ref);
  return refs;
}

/** xcross's error: exactly one "error:" line, returned with its fix and the custom image it names. */
function oneError(r: Result): { error: string; fix: string; ref: string } {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('xcross: error: '));
  assert.equal(errors.length, 1, `not one error sentence:\n${tail(r.stderr)}`);
  const refs = customRefs(r);
  assert.equal(refs.length, 1, `not one custom image named:\n${tail(r.stderr)}`);
  return {
    error: errors[0].slice('xcross: error: '.length),
    fix: /^xcross: fix: (.*)$/m.exec(r.stderr)?.[1] ?? '',
    ref: refs[0],
  };
}

/** A store whose graphroot is on the small tmpfs; the user's own store lends the target image, read-only. */
function smallStore(name: string): { env: Record<string, string>; graphroot: string; remove(): void } {
  const normal = podman(['info', '--format', '{{.Store.GraphRoot}}']).stdout.trim();
  const graphroot = `${SMALL}/${RUN}-${name}/storage`;
  const runroot = path.join(process.env.XDG_RUNTIME_DIR || os.tmpdir(), `xcross-full-${RUN}-${name}`);
  // The file in /tmp, not on the tmpfs: podman reads it inside its own mount namespace too.
  const conf = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-full-conf-')), 'storage.conf');
  dirs.push(path.dirname(conf));
  // Rootless podman takes rootless_storage_path over graphroot; both say the same.
  fs.writeFileSync(
    conf,
    `[storage]\ndriver = "overlay"\ngraphroot = "${graphroot}"\nrootless_storage_path = "${graphroot}"\nrunroot = "${runroot}"\n\n[storage.options]\nadditionalimagestores = ["${normal}"]\n`,
  );
  // Files in a rootless store belong to sub-ids: only podman's user namespace can remove them all,
  // after the overlay driver's own mount of its folder, when it is still there.
  const remove = () => {
    podman([
      'unshare',
      'sh',
      '-c',
      'mountpoint -q "$1/overlay" && umount "$1/overlay"; rm -rf "$(dirname "$1")" "$2"',
      'sh',
      graphroot,
      runroot,
    ]);
    assert.equal(podman(['unshare', 'test', '-e', path.dirname(graphroot)]).code, 1, `${graphroot} is still there`);
  };
  return { env: { CONTAINERS_STORAGE_CONF: conf }, graphroot, remove };
}

async function startService(socket: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn('podman', [...PODMAN_GLOBAL, 'system', 'service', '--time=0', `unix://${socket}`], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  for (let i = 0; i < 500 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(socket), 'podman system service did not open its socket');
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

describe('image build faults', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    await ensureTargetImages([T]);
    assert.equal(podman(['image', 'exists', BASE]).code, 0, `${BASE} is not here after xcross image build`);
    assert.equal(
      podman(['unshare', 'mountpoint', '-q', SMALL]).code,
      0,
      `${SMALL} is not a small filesystem where podman can see it: run \`sudo scripts/setup-cache-peer.sh ${os.userInfo().username}\``,
    );
  });

  after(() => {
    for (const ref of made) podman(['rmi', '--force', ref]);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    if (figures.length) process.stdout.write(`# fault figures:\n${figures.map((f) => `#   ${f}`).join('\n')}\n`);
  });

  for (const runtime of ['podman', 'podman-api'] as const) {
    test(`${runtime}: the image storage full during a build: one sentence with its path and free space, nothing tagged; with space the next run builds`, async () => {
      const crate = crateWith([`head -c 100000000 /dev/zero > /xcross-full-${RUN}-${runtime}`]);
      const store = smallStore(runtime);
      let fullRef = '';
      let service: ChildProcess | undefined;
      try {
        const env: Record<string, string> = { ...store.env, XCROSS_RUNTIME: runtime };
        if (runtime === 'podman-api') {
          const socket = path.join(path.dirname(store.env.CONTAINERS_STORAGE_CONF), 'podman.sock');
          service = await startService(socket, store.env);
          env.CONTAINER_HOST = `unix://${socket}`;
        }
        const full = await xcross(['build', '--target', T], { cwd: crate, env, timeoutMs: 10 * 60_000 });
        assert.notEqual(full.code, 0, tail(full.stderr));
        const { error, fix, ref } = oneError(full);
        fullRef = ref;
        assert.match(
          error,
          new RegExp(
            `^building ${ref} needs more space than the image storage at ${store.graphroot} has \\([\\d.]+ MiB free of [\\d.]+ MiB\\): the build stopped at ".*no space left on device"$`,
            'i',
          ),
        );
        assert.match(fix, /nothing half-built was tagged/);
        assert.equal(podman(['image', 'exists', ref], store.env).code, 1, `${ref} was tagged in the small store`);
        assert.equal(
          podman(['ps', '-a', '--external', '--format', '{{.ID}} {{.Names}}'], store.env).stdout.trim(),
          '',
          'a build container was left in the small store',
        );
        assert.equal(podman(['image', 'exists', ref]).code, 1, `${ref} was tagged in the user's store`);
        figures.push(`${runtime}, storage full: "${error}" after ${seconds(full.ms)}`);
      } finally {
        if (service) await stopService(service);
        store.remove();
      }
      const next = await xcross(['build', '--target', T], {
        cwd: crate,
        env: { XCROSS_RUNTIME: runtime },
        timeoutMs: 10 * 60_000,
      });
      assert.equal(next.code, 0, tail(next.stderr));
      const built = customRefs(next);
      assert.deepEqual(
        built,
        [fullRef],
        `the next run did not build the image that did not fit (was ${BASE} rebuilt meanwhile?):\n${tail(next.stderr)}`,
      );
      assert.equal(podman(['image', 'exists', fullRef]).code, 0);
      figures.push(`${runtime}, the next run with space: built and compiled in ${seconds(next.ms)}`);
    });
  }

  test('podman: the Debian mirror unreachable (apt through a dead proxy): one sentence naming the mirror and the proxy, nothing tagged', async () => {
    const crate = crateWith([
      `echo xcross-mirror-${RUN} && apt-get update && apt-get install -y --no-install-recommends sl`,
    ]);
    const env = { XCROSS_RUNTIME: 'podman', http_proxy: DEAD, https_proxy: DEAD, HTTP_PROXY: DEAD, HTTPS_PROXY: DEAD };
    const r = await xcross(['build', '--target', T], { cwd: crate, env, timeoutMs: 10 * 60_000 });
    assert.notEqual(r.code, 0, tail(r.stderr));
    const { error, fix, ref } = oneError(r);
    assert.match(
      error,
      new RegExp(
        `^building ${ref} failed: apt could not reach the Debian mirror deb\\.debian\\.org through the proxy 127\\.0\\.0\\.1:9 \\(Could not connect to 127\\.0\\.0\\.1:9 .*Connection refused\\)\\)$`,
      ),
    );
    assert.match(fix, /http_proxy\/https_proxy/);
    assert.equal(podman(['image', 'exists', ref]).code, 1);
    figures.push(`podman, mirror through a dead proxy: "${error}" after ${seconds(r.ms)}`);
  });

  test('podman-api: the Debian mirror unreachable (apt pointed at a dead address): one sentence naming it, nothing tagged', async () => {
    const dead = DEAD.replace('http://', '');
    const crate = crateWith([
      `echo xcross-mirror-api-${RUN} && sed -i 's#http://deb.debian.org#${DEAD}#g' $(grep -rl deb.debian.org /etc/apt) && apt-get update && apt-get install -y --no-install-recommends sl`,
    ]);
    const r = await xcross(['build', '--target', T], {
      cwd: crate,
      env: { XCROSS_RUNTIME: 'podman-api' },
      timeoutMs: 10 * 60_000,
    });
    assert.notEqual(r.code, 0, tail(r.stderr));
    const { error, fix, ref } = oneError(r);
    assert.match(
      error,
      new RegExp(
        `^building ${ref} failed: apt could not reach the Debian mirror ${dead.replace(/\./g, '\\.')} \\(Could not connect to ${dead.replace(/\./g, '\\.')}.*\\)$`,
      ),
    );
    assert.match(fix, /network and DNS for 127\.0\.0\.1:9/);
    assert.equal(podman(['image', 'exists', ref]).code, 1);
    figures.push(`podman-api, mirror at a dead address: "${error}" after ${seconds(r.ms)}`);
  });
});
