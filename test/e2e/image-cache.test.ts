// The image cache for real: a TLS registry with htpasswd auth on 127.0.0.1, the test user pushing
// from its store, a second rootless user pulling into an empty store and building and testing the
// example crate with every Debian mirror unreachable from its image builds. Then the faults: a
// tampered image, a half-pushed one, a wrong password, the registry down, a full disk and a
// truncated archive, each a clear sentence with nothing half-tagged left; and podman-api and docker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixtures, copyFixturesCommand, tail, XCROSS, xcross, type Result } from './harness';
import { asPeer, HOSTPORT, missingParts, PASSWORD, PEER, sh, TestRegistry, USER } from './registry';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { planCustomImage } from '../../src/images/custom';
import { targetImageRef } from '../../src/images/tag';

const X64 = 'x86_64-unknown-linux-gnu';
const CACHE = `${HOSTPORT}/team/xcross`;
const HOUR = 60 * 60_000;
// A proxy nobody listens on: apt in any image build of the peer's cannot reach a mirror.
const DEAD = 'http://127.0.0.1:9';
const NO_MIRROR = {
  http_proxy: DEAD,
  https_proxy: DEAD,
  HTTP_PROXY: DEAD,
  HTTPS_PROXY: DEAD,
  no_proxy: '127.0.0.1',
  NO_PROXY: '127.0.0.1',
};
const PODMAN_GLOBAL = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
const BUILD_FLAGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', '--network', 'host'];

const RUN = Date.now().toString(36);
const registry = loadRegistry();
const x64 = findTarget(registry, X64);
const X64_REF = targetImageRef(registry.base, x64);

/** xcross as the peer user in `cwd`, with the cache set and no mirror. */
function peerXcross(args: string[], cwd: string, env: Record<string, string> = {}): Result {
  const started = Date.now();
  const r = asPeer(['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', cwd, process.execPath, XCROSS, ...args], {
    XCROSS_IMAGE_CACHE: CACHE,
    ...NO_MIRROR,
    ...env,
  });
  return {
    code: r.code,
    signal: null,
    stdout: r.stdout,
    stderr: r.out.slice(r.stdout.length),
    ms: Date.now() - started,
  };
}

function peerImages(): string[] {
  return asPeer(['podman', 'images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
}

/** A Cross.toml with a pre-build whose image is quick to build, so that a refused cache costs seconds. */
function preBuild(crate: string, marker: string, owner: 'self' | 'peer' = 'self'): string[] {
  // Unique per run: an image left by an earlier run must not make this one a hit.
  const lines = [`touch /xcross-${marker}-${RUN}`];
  const text = `[target.${X64}]\npre-build = ${JSON.stringify(lines)}\n`;
  const file = path.join(crate, 'Cross.toml');
  if (owner === 'self') fs.writeFileSync(file, text);
  else assert.equal(asPeer(['sh', '-c', 'cat > "$1"', 'sh', file], {}, text).code, 0);
  return lines;
}

/** An empty store for the peer; the reset also drops its login (auth.json lives in the run root). */
function resetPeer(): void {
  asPeer(['podman', 'system', 'reset', '--force']);
  asPeer(['rm', '-rf', `/home/${PEER}/.cache/xcross`]);
  assert.deepEqual(peerImages(), []);
  assert.equal(asPeer(['podman', 'login', '--password-stdin', '-u', USER, HOSTPORT], {}, PASSWORD).code, 0);
}

function customRef(lines: string[], crate: string): string {
  const baseId = sh('podman', ['image', 'inspect', '--format', '{{.Id}}', X64_REF]).stdout.trim();
  return planCustomImage({
    target: x64,
    prefix: registry.base.imagePrefix,
    baseRef: X64_REF,
    baseId,
    workspaceRoot: crate,
    preBuild: { kind: 'lines', lines },
  }).ref;
}

describe('image cache: a real registry between two rootless users', { timeout: HOUR }, () => {
  const reg = new TestRegistry();
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-cache-shared-'));
  let crate: string;
  let peerCrate: string;
  const env = { XCROSS_IMAGE_CACHE: CACHE };

  before(async () => {
    const missing = missingParts();
    assert.equal(missing, undefined, `the image cache tests cannot run: ${missing}`);
    fs.chmodSync(shared, 0o777);
    await reg.start();
    const ca = fs.readFileSync(reg.ca, 'utf8');
    assert.equal(sh('sh', ['-c', TestRegistry.trustScript(ca)]).code, 0);
    assert.equal(asPeer(['sh', '-c', TestRegistry.trustScript(ca)]).code, 0);
    assert.equal(sh('podman', ['login', '--password-stdin', '-u', USER, HOSTPORT], { input: PASSWORD }).code, 0);
    // The peer starts from nothing: no images, no xcross cache.
    resetPeer();
    ({ crate } = copyFixtures());
    const peerDir = path.join(shared, 'peer');
    // The peer's own copy, target/ left out: whoever built the example in the checkout left files the
    // peer may not read there.
    const copied = asPeer(copyFixturesCommand(peerDir));
    assert.equal(copied.code, 0, copied.out);
    peerCrate = path.join(peerDir, 'hello-xcross');
  });

  after(async () => {
    sh('podman', ['logout', HOSTPORT]);
    asPeer(['podman', 'logout', HOSTPORT]);
    await reg.stop();
    // The peer's store is only the tests': give its space back.
    asPeer(['podman', 'system', 'reset', '--force']);
    // The custom images the test user built for this crate (the tampered one's rebuild, ...).
    const mine = sh('podman', ['images', '-q', '--filter', `label=io.xcross.workspace=${crate}`]).stdout.split('\n');
    for (const id of new Set(mine.filter(Boolean))) sh('podman', ['rmi', '--force', id]);
    asPeer(['rm', '-rf', peerCrate ? path.dirname(peerCrate) : '/nonexistent']);
    fs.rmSync(shared, { recursive: true, force: true });
    fs.rmSync(reg.dir, { recursive: true, force: true });
  });

  test('the test user pushes the x86_64 image and the layers under it', { timeout: HOUR }, async () => {
    const built = await xcross(['image', 'build', '--target', X64], { cwd: crate, env, tee: true, timeoutMs: HOUR });
    assert.equal(built.code, 0, tail(built.stderr));
    const r = await xcross(['image', 'push', '--target', X64, '-v'], { cwd: crate, env, timeoutMs: HOUR });
    assert.equal(r.code, 0, tail(r.stderr));
    const pushed = r.stdout.trim().split('\n');
    assert.equal(pushed.length, 3, r.stdout); // the target image, its Rust layer and the base
    assert.ok(pushed.includes(`${CACHE}/${X64_REF.slice(registry.base.imagePrefix.length + 1)}`), r.stdout);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(PASSWORD), 'the password appeared in the output');
    assert.match(reg.get('/v2/_catalog'), new RegExp(`team/xcross/${X64}`));
  });

  test(
    'the peer, with no image and no mirror, pulls from the cache and tests the crate',
    { timeout: HOUR },
    async () => {
      const r = peerXcross(['test', '--target', X64, '-v'], peerCrate);
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, new RegExp(`pulled ${X64_REF.replace(/[.]/g, '\\.')} from the image cache ${CACHE}`));
      assert.match(r.stderr, /image cache: hit /);
      assert.match(r.stdout, /test result: ok/);
      assert.ok(!r.stderr.includes(PASSWORD), 'the password appeared in -v output');
      process.stderr.write(`image cache: the peer's first test run took ${r.ms} ms, pull included\n`);
      // The cache's name was only the pull's; the image list says where it came from.
      assert.deepEqual(
        peerImages().filter((n) => n.startsWith(HOSTPORT)),
        [],
      );
      const list = JSON.parse(peerXcross(['image', 'list', '--json'], peerCrate).stdout) as {
        images: { name: string; origin: string }[];
      };
      assert.equal(list.images.find((i) => i.name === X64_REF)?.origin, `pulled from ${CACHE}`);
      // The proof that no build could have made it here: apt in a build of the peer's reaches no mirror.
      const dir = fs.mkdtempSync(path.join(shared, 'nomirror-'));
      fs.chmodSync(dir, 0o755);
      fs.writeFileSync(
        path.join(dir, 'Containerfile'),
        `FROM ${X64_REF}\nRUN apt-get update && apt-get install -y --no-install-recommends hello\n`,
      );
      const b = asPeer(
        ['podman', ...PODMAN_GLOBAL, 'build', ...BUILD_FLAGS, '-t', 'localhost/xcross-e2e/nomirror', dir],
        NO_MIRROR,
      );
      assert.notEqual(b.code, 0, "apt reached a mirror from the peer's build");
      assert.match(b.out, /127\.0\.0\.1:9|Could not connect|Connection refused|Unable to locate package/, tail(b.out));
    },
  );

  test(
    'a tampered image under the expected tag is refused and built instead, nothing of it left',
    { timeout: HOUR },
    async () => {
      const lines = preBuild(peerCrate, 'tampered', 'peer');
      const ref = customRef(lines, peerCrate);
      const remote = `${CACHE}/${ref.slice(registry.base.imagePrefix.length + 1)}`;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-tamper-'));
      fs.writeFileSync(
        path.join(dir, 'Containerfile'),
        'FROM localhost/xcross/debian-base:bookworm\nRUN touch /tampered\n',
      );
      const labels = [
        'io.xcross.managed=true',
        'io.xcross.custom=true',
        `io.xcross.target=${X64}`,
        `io.xcross.base-ref=${X64_REF}`,
        'io.xcross.inputs=000tampered',
      ].flatMap((l) => ['--label', l]);
      const b = sh('podman', [...PODMAN_GLOBAL, 'build', ...BUILD_FLAGS, ...labels, '-t', remote, dir]);
      assert.equal(b.code, 0, tail(b.out));
      assert.equal(sh('podman', ['push', remote]).code, 0);
      sh('podman', ['rmi', remote]);
      const r = peerXcross(['build', '--target', X64, '-v'], peerCrate);
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /is not the image this xcross builds: its inputs digest is 000tampered/);
      assert.match(r.stderr, /image cache: refused /);
      assert.match(r.stderr, /building the custom image/);
      assert.equal(
        asPeer(['podman', 'images', '-q', '--filter', 'label=io.xcross.inputs=000tampered']).stdout.trim(),
        '',
      );
      assert.deepEqual(
        peerImages().filter((n) => n.startsWith(HOSTPORT)),
        [],
      );
    },
  );

  test(
    'a half-pushed image (a layer missing in the registry) is a miss, not a half image',
    { timeout: HOUR },
    async () => {
      const lines = preBuild(crate, 'half');
      const push = await xcross(['build', '--target', X64], {
        cwd: crate,
        env: { ...env, XCROSS_IMAGE_CACHE_PUSH: '1' },
        timeoutMs: HOUR,
      });
      assert.equal(push.code, 0, tail(push.stderr));
      const ref = customRef(lines, crate);
      const repo = `team/xcross/${ref.slice(registry.base.imagePrefix.length + 1).replace(/:.*/, '')}`;
      assert.match(push.stderr, new RegExp(`pushed ${CACHE.replace(/\./g, '\\.')}/custom-`), tail(push.stderr));
      const manifest = JSON.parse(reg.get(`/v2/${repo}/manifests/${ref.replace(/.*:/, '')}`)) as {
        layers: { digest: string }[];
      };
      const top = manifest.layers[manifest.layers.length - 1].digest.replace('sha256:', '');
      fs.rmSync(path.join(reg.data, 'docker/registry/v2/blobs/sha256', top.slice(0, 2), top), { recursive: true });
      preBuild(peerCrate, 'half', 'peer');
      const r = peerXcross(['build', '--target', X64], peerCrate);
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /could not be read \(.+\): building .* here instead/);
      assert.deepEqual(
        peerImages().filter((n) => n.startsWith(HOSTPORT)),
        [],
      );
      assert.equal(asPeer(['podman', 'images', '-q', '--filter', 'dangling=true']).stdout.trim(), '');
    },
  );

  test(
    'a wrong password and a registry that is down: one sentence each, and the build goes on',
    { timeout: HOUR },
    async () => {
      const authFile = path.join(shared, 'wrong-auth.json');
      fs.writeFileSync(
        authFile,
        JSON.stringify({ auths: { [HOSTPORT]: { auth: Buffer.from(`${USER}:not-the-password`).toString('base64') } } }),
      );
      fs.chmodSync(authFile, 0o644);
      const denied = await xcross(['image', 'push', '--target', X64], {
        cwd: crate,
        env: { ...env, REGISTRY_AUTH_FILE: authFile },
        timeoutMs: HOUR,
      });
      assert.equal(denied.code, 1, tail(denied.stderr));
      assert.match(denied.stderr, /could not push .*(unauthorized|authentication required)/i);
      assert.ok(!denied.stderr.includes('not-the-password'), 'the password appeared in the error');

      preBuild(peerCrate, 'wrong-password', 'peer');
      const wrong = peerXcross(['build', '--target', X64], peerCrate, { REGISTRY_AUTH_FILE: authFile });
      assert.equal(wrong.code, 0, tail(wrong.stderr));
      assert.match(
        wrong.stderr,
        /the image cache 127\.0\.0\.1:5443\/team\/xcross could not be read \(.*(unauthorized|authentication required).*\)/i,
      );

      await reg.stop();
      try {
        preBuild(peerCrate, 'registry-down', 'peer');
        const down = peerXcross(['build', '--target', X64], peerCrate);
        assert.equal(down.code, 0, tail(down.stderr));
        assert.match(down.stderr, /could not be read \(.*(connection refused|connect).*\)/i);
        preBuild(crate, 'push-while-down');
        const pushDown = await xcross(['build', '--target', X64], {
          cwd: crate,
          env: { ...env, XCROSS_IMAGE_CACHE_PUSH: '1' },
          timeoutMs: HOUR,
        });
        assert.equal(pushDown.code, 0, tail(pushDown.stderr));
        assert.match(pushDown.stderr, /xcross warning: .*could not push .*\(the build itself succeeded\)/);
      } finally {
        await reg.start();
      }
    },
  );

  test(
    'save, load, and the archives that must not load: truncated, foreign, and one that does not fit',
    { timeout: HOUR },
    async () => {
      const archive = path.join(shared, 'x86_64.tar');
      const saved = await xcross(['image', 'save', '-o', archive, '--target', X64], { cwd: crate, timeoutMs: HOUR });
      assert.equal(saved.code, 0, tail(saved.stderr));
      fs.chmodSync(archive, 0o644);
      process.stderr.write(
        `image cache: the x86_64 archive is ${Math.round(fs.statSync(archive).size / 1e6)} MB, saved in ${saved.ms} ms\n`,
      );

      const truncated = path.join(shared, 'truncated.tar');
      fs.writeFileSync(truncated, fs.readFileSync(archive).subarray(0, Math.floor(fs.statSync(archive).size * 0.6)));
      fs.chmodSync(truncated, 0o644);
      resetPeer();
      const bad = peerXcross(['image', 'load', truncated], peerCrate);
      assert.equal(bad.code, 1, tail(bad.stderr));
      assert.match(bad.stderr, /truncated\.tar is damaged or truncated/);
      assert.deepEqual(peerImages(), []);

      const loaded = peerXcross(['image', 'load', archive], peerCrate);
      assert.equal(loaded.code, 0, tail(loaded.stderr));
      assert.equal(loaded.stdout.trim(), X64_REF);
      const list = JSON.parse(peerXcross(['image', 'list', '--json'], peerCrate).stdout) as {
        images: { name: string; origin: string }[];
      };
      assert.equal(list.images.find((i) => i.name === X64_REF)?.origin, `loaded from ${archive}`);
      asPeer(['rm', '-f', path.join(peerCrate, 'Cross.toml')]);
      const tested = peerXcross(['test', '--target', X64], peerCrate, { XCROSS_IMAGE_CACHE: '' });
      assert.equal(tested.code, 0, tail(tested.stderr));
      assert.match(tested.stdout, /test result: ok/);
      // The engine's own load reads it too.
      asPeer(['podman', 'rmi', X64_REF]);
      const raw = asPeer(['podman', 'load', '-i', archive]);
      assert.equal(raw.code, 0, tail(raw.out));
      assert.match(raw.out, new RegExp(`Loaded image.*${X64}`));

      // An archive of an image under the expected name but from other inputs.
      const foreign = path.join(shared, 'foreign.tar');
      const fake = `${X64_REF.replace(/:.*/, '')}:000000000000`;
      assert.equal(sh('podman', ['tag', X64_REF, fake]).code, 0);
      assert.equal(sh('podman', ['save', '-o', foreign, fake]).code, 0);
      sh('podman', ['rmi', fake]);
      fs.chmodSync(foreign, 0o644);
      const refused = peerXcross(['image', 'load', foreign], peerCrate);
      assert.equal(refused.code, 1, tail(refused.stderr));
      assert.match(refused.stderr, new RegExp(`this xcross builds ${X64_REF.replace(/[.]/g, '\\.')} instead`));
      assert.ok(!peerImages().includes(fake));

      const small = '/var/tmp/xcross-e2e-small';
      if (fs.existsSync(small)) {
        const full = await xcross(['image', 'save', '-o', path.join(small, 'x86_64.tar'), '--target', X64], {
          cwd: crate,
          timeoutMs: HOUR,
        });
        assert.equal(full.code, 1, tail(full.stderr));
        assert.match(full.stderr, /is full: the archive was not written/);
        assert.deepEqual(fs.readdirSync(small), []);
      } else {
        assert.fail(`${small} (a 16 MB filesystem) is missing: run scripts/setup-cache-peer.sh`);
      }
    },
  );

  test(
    'through the podman API: pull with X-Registry-Auth into the peer, push from the test user',
    { timeout: HOUR },
    async () => {
      resetPeer();
      const pulled = peerXcross(['image', 'build', '--target', X64, '-v'], peerCrate, { XCROSS_RUNTIME: 'podman-api' });
      assert.equal(pulled.code, 0, tail(pulled.stderr));
      assert.match(pulled.stderr, /api: POST .*images\/pull/);
      assert.match(pulled.stderr, /image cache: hit /);
      assert.ok(
        !pulled.stderr.includes(PASSWORD) &&
          !pulled.stderr.includes(Buffer.from(`{"username":"${USER}"`).toString('base64').slice(0, 20)),
        'credentials appeared in -v output',
      );
      const pushed = await xcross(['image', 'push', '--target', X64], {
        cwd: crate,
        env: { ...env, XCROSS_RUNTIME: 'podman-api' },
        timeoutMs: HOUR,
      });
      assert.equal(pushed.code, 0, tail(pushed.stderr));
    },
  );

  test('through docker: pull from the cache into dockerd, and push back', { timeout: HOUR }, async (t) => {
    const host = process.env.XCROSS_E2E_DOCKER_HOST;
    const certs = `/etc/docker/certs.d/${HOSTPORT}`;
    if (!host || !fs.existsSync(certs))
      return t.skip('no private dockerd here (scripts/setup-host.sh --docker starts one)');
    fs.copyFileSync(reg.ca, path.join(certs, 'ca.crt'));
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-docker-config-'));
    const denv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: config };
    assert.equal(
      sh('docker', ['login', '--password-stdin', '-u', USER, HOSTPORT], { input: PASSWORD, env: denv }).code,
      0,
    );
    try {
      sh('docker', ['rmi', X64_REF], { env: denv });
      const env2 = { ...env, XCROSS_RUNTIME: 'docker', DOCKER_HOST: host, DOCKER_CONFIG: config };
      const r = await xcross(['image', 'build', '--target', X64, '-v'], { cwd: crate, env: env2, timeoutMs: HOUR });
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /image cache: hit /);
      assert.match(
        sh('docker', ['image', 'inspect', '--format', '{{index .Config.Labels "io.xcross.target"}}', X64_REF], {
          env: denv,
        }).out,
        new RegExp(X64),
      );
      const p = await xcross(['image', 'push', '--target', X64], { cwd: crate, env: env2, timeoutMs: HOUR });
      assert.equal(p.code, 0, tail(p.stderr));
    } finally {
      sh('docker', ['logout', HOSTPORT], { env: denv });
      fs.rmSync(config, { recursive: true, force: true });
    }
  });
});
