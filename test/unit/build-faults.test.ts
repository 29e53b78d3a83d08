// A failed image build read for its cause: the image storage full (podman 4.3's words, from a
// 48 MB graphroot) or the Debian mirror out of reach (apt's words, through a dead proxy or no DNS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildOutput } from '../../runtimes/build-output';
import { mirrorUnreachable, StorageFullError, storageFull } from '../../runtimes/build-faults';
import { storageUsageOf } from '../../runtimes/storage-usage';
import { storageFullError } from '../../src/images/storage-full';
import type { Runtime } from '../../runtimes/runtime';

const TAG = 'localhost/xcross/custom-x86_64-unknown-linux-gnu:0123456789abcdef';

// podman 4.3.1, `RUN apt-get update && apt-get install -y sl` with http_proxy=http://127.0.0.1:9.
const DEAD_PROXY = `STEP 2/2: RUN apt-get update && apt-get install -y --no-install-recommends sl
Ign:1 http://deb.debian.org/debian bookworm InRelease
Err:1 http://deb.debian.org/debian bookworm InRelease
  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)
Err:2 http://deb.debian.org/debian bookworm-updates InRelease
  Unable to connect to 127.0.0.1:9:
Reading package lists...
W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)
W: Failed to fetch http://deb.debian.org/debian/dists/bookworm-updates/InRelease  Unable to connect to 127.0.0.1:9:
W: Some index files failed to download. They have been ignored, or old ones used instead.
E: Unable to locate package sl
Error: building at STEP "RUN apt-get update && apt-get install -y --no-install-recommends sl": while running runtime: exit status 100`.split(
  '\n',
);

// The RUN step's own write, then buildah saving its state, on a full graphroot.
const FULL_RUN = `STEP 2/2: RUN head -c 100000000 /dev/zero > /big
head: error writing 'standard output': No space left on device
time="2026-12-01T20:38:02Z" level=error msg="error unmounting container: saving updated state for build container \\"2d44\\": saving builder state to \\"/var/tmp/xcross-e2e-full/exp/storage/overlay-containers/2d44/userdata/buildah.json\\": write /var/tmp/xcross-e2e-full/exp/storage/overlay-containers/2d44/userdata/.tmp-buildah.json3009725845: no space left on device"
Error: building at STEP "RUN head -c 100000000 /dev/zero > /big": while running runtime: exit status 1`.split('\n');

// The write fitted, the layer commit did not.
const FULL_COMMIT =
  'Error: committing container for step {Env:[PATH=/usr/bin] Command:run Args:[head -c 30000000 /dev/urandom > /big]}: copying layers and metadata for container "ddb5": writing blob: adding layer with blob "sha256:19bc": processing tar file(write /big: no space left on device): exit status 1';

function failed(lines: string[], why = ' (podman exit code 1)') {
  const out = new BuildOutput(TAG, () => {});
  for (const l of lines) out.line(l);
  return out.failure(why);
}

test('apt through a dead proxy: the mirror and the proxy named, the proxy variables as the fix', () => {
  assert.deepEqual(mirrorUnreachable(DEAD_PROXY), {
    mirror: 'deb.debian.org',
    url: 'http://deb.debian.org/debian/dists/bookworm/InRelease',
    proxy: '127.0.0.1:9',
    reason: 'Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)',
  });
  const e = failed(DEAD_PROXY, ' (podman exit code 100)');
  assert.equal(
    e.message,
    `building ${TAG} failed: apt could not reach the Debian mirror deb.debian.org through the proxy 127.0.0.1:9 (Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused))`,
  );
  assert.match(e.fix ?? '', /http_proxy\/https_proxy/);
});

test('apt without DNS or a route to the mirror: the mirror named, its network as the fix; a 404 or a bad hash is not "unreachable"', () => {
  const dns = [
    "E: Failed to fetch http://deb.debian.org/debian/pool/main/s/sl/sl_5.02-1+b1_amd64.deb  Temporary failure resolving 'deb.debian.org'",
  ];
  const e = failed(dns);
  assert.equal(
    e.message,
    `building ${TAG} failed: apt could not reach the Debian mirror deb.debian.org (Temporary failure resolving 'deb.debian.org')`,
  );
  assert.match(e.fix ?? '', /network and DNS for deb\.debian\.org/);
  const direct = mirrorUnreachable([
    'W: Failed to fetch http://mirror.example/debian/dists/bookworm/InRelease  Could not connect to mirror.example:80 (192.0.2.1), connection timed out',
  ]);
  assert.equal(direct?.proxy, undefined);
  assert.equal(
    mirrorUnreachable([
      'E: Failed to fetch http://deb.debian.org/debian/pool/main/x.deb  404  Not Found [IP: 151.101.2.132 80]',
    ]),
    undefined,
  );
  assert.equal(
    mirrorUnreachable([
      'E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/main/binary-arm64/Packages.xz  Hash Sum mismatch',
    ]),
    undefined,
  );
  assert.match(failed(['E: Unable to locate package nosuch']).message, /failed \(podman exit code 1\); its last lines/);
});

test('a full disk, in the RUN step or at the layer commit, CLI or service: a StorageFullError with the clause that said so', () => {
  const run = failed(FULL_RUN);
  assert.ok(run instanceof StorageFullError);
  assert.equal(run.line, "head: error writing 'standard output': No space left on device");
  const commit = failed(['STEP 2/2: RUN head -c 30000000 /dev/urandom > /big', 'COMMIT x', FULL_COMMIT]);
  assert.equal(storageFull([FULL_COMMIT]), 'write /big: no space left on device');
  assert.ok(commit instanceof StorageFullError);
  // podman-api: the reason comes in the stream's error field, which the runtime passes as `why`.
  const api = failed(['STEP 2/2: RUN x'], ': ' + FULL_COMMIT.replace(/^Error: /, ''));
  assert.ok(api instanceof StorageFullError);
});

test("the full-disk sentence names the engine's storage path and its free space; without the engine's answer it still says the disk is full", async () => {
  const info = {
    store: {
      graphRoot: '/var/tmp/xcross-e2e-full/1/storage',
      graphRootAllocated: 50_331_648,
      graphRootUsed: 4_194_304,
    },
  };
  assert.deepEqual(storageUsageOf(info), {
    path: '/var/tmp/xcross-e2e-full/1/storage',
    size: 50_331_648,
    used: 4_194_304,
  });
  assert.equal(storageUsageOf({ store: { graphRoot: 1 } }), undefined);
  const full = failed(FULL_RUN) as StorageFullError;
  const runtime = { name: 'podman', storageUsage: async () => storageUsageOf(info) } as unknown as Runtime;
  const e = await storageFullError(runtime, full);
  assert.equal(
    e.message,
    `building ${TAG} needs more space than the image storage at /var/tmp/xcross-e2e-full/1/storage has (44.0 MiB free of 48.0 MiB): the build stopped at "head: error writing 'standard output': No space left on device"`,
  );
  assert.match(
    e.fix ?? '',
    /xcross image prune.*podman system prune.*graphroot in storage\.conf.*nothing half-built was tagged/,
  );
  const mute = { name: 'docker' } as unknown as Runtime;
  assert.match(
    (await storageFullError(mute, full)).message,
    /the disk under the engine's image storage is full \(head: error writing/,
  );
});
