// xcross in CI job containers, for real: job containers of this user's rootless podman (from the
// offline Debian base, node and xcross mounted in), the example crate mounted at /builds/group.
// - The engine outside the job container, its socket mounted in: through the API (no podman in the
//   job), podman's CLI as a client of it, and docker with its socket bound in. Mount sources are
//   mapped to the engine host's paths; what cargo writes belongs to the job's user.
// - A podman of its own inside the job container (images/job): rootless and unprivileged, the same
//   with --privileged, and what the container withholds said in one sentence with its flag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PKG_ROOT, XCROSS, copyFixtures, elfMachine, ensureTargetImages, notOwnedBy, tail } from './harness';
import {
  BOOKWORM,
  BOOKWORM_TARBALL,
  T,
  XCROSS_IN_JOB,
  imageArchive,
  job,
  jobImage,
  marks,
  podman,
  startService,
} from './job-container';

const X = `node ${XCROSS_IN_JOB}`;
const CRATE = '/builds/group/hello-xcross';
const AARCH64 = 183;
const DOCKER_HOST = process.env.XCROSS_E2E_DOCKER_HOST;

/** Each step of a job script, its exit code as STEP=code. */
function steps(...s: [string, string][]): string {
  return ['cd ' + CRATE, ...s.map(([name, cmd]) => `${cmd}; echo ${name}=$?`)].join('\n');
}

/** A step that prints the owner of a file in the job as OWNER=uid:gid. */
const owner = (file: string) => `echo OWNER=$(stat -c %u:%g ${file})`;

function missing(): string | undefined {
  if (podman(['image', 'exists', BOOKWORM]).code !== 0)
    return `${BOOKWORM} is not in this user's podman storage: run scripts/setup-host.sh --e2e-user $USER`;
  if (!fs.existsSync(BOOKWORM_TARBALL)) return `no offline base tarball ${BOOKWORM_TARBALL}`;
  if (process.arch !== 'x64') return `the job containers run this host's node in an amd64 base (${process.arch} here)`;
  return undefined;
}
const skip = missing();

describe('xcross in a job container, the engine outside it', { skip: skip && `SKIPPED: ${skip}` }, () => {
  let dir: string;
  let stopService: () => Promise<void>;
  let socket: string;
  let sockDir: string;
  let image: string;

  before(async () => {
    await ensureTargetImages([T]);
    image = jobImage();
    ({ dir } = copyFixtures());
    fs.mkdirSync(path.join(dir, '.cargo'));
    // The socket beside the workspace, not in it: the job user's chown of the workspace must not reach it.
    sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-e2e-sock-'));
    ({ socket, stop: stopService } = await startService(sockDir));
    // A job user other than root reaches the socket as others do, as a runner's socket group would.
    fs.chmodSync(socket, 0o666);
  });
  after(async () => {
    await stopService?.();
    if (sockDir) fs.rmSync(sockDir, { recursive: true, force: true });
    // What a job user other than root made belongs to a subordinate id: this user removes it in its namespace.
    if (dir) podman(['unshare', 'rm', '-rf', dir]);
  });

  /** The job: the workspace at /builds/group, the API socket at podman's rootful default. */
  const outside = (flags: string[], script: string) =>
    job(BOOKWORM, ['-v', `${dir}:/builds/group`, '-v', `${socket}:/run/podman/podman.sock`, ...flags], script);

  test("a cargo home on none of the job container's mounts: one sentence naming it and how to mount it", () => {
    const r = outside([], `cd ${CRATE} && ${X} build --target ${T}`);
    assert.equal(r.code, 1, tail(r.out));
    assert.match(
      r.stderr,
      /^xcross: error: the cargo home '\/root\/\.cache\/xcross\/cargo-home' is on none of the mounts of this container \([a-z_]+, [0-9a-f]{12}\), so podman, which runs outside it, cannot mount it$/m,
    );
    assert.match(
      r.stderr,
      /^xcross: fix: mount a host folder or volume there when the container starts \(-v HOST_DIR:\/root\/\.cache\/xcross\/cargo-home\), or move it under a folder that is mounted \(here: \/builds\/group\), e\.g\. CARGO_HOME=\/builds\/group\/\.cargo$/m,
    );
    assert.doesNotMatch(r.stderr, /statfs/);
  });

  test(
    "podman-api, no podman in the job, its user uid 1000: build, run and test of the example; the files are that user's",
    { timeout: 1_800_000 },
    () => {
      // The job's user owns its checkout, as a runner's would be.
      assert.equal(podman(['unshare', 'chown', '-R', '1000:1000', dir]).code, 0);
      const r = outside(
        ['--user', '1000:1000', '-e', 'HOME=/tmp', '-e', 'CARGO_HOME=/builds/group/.cargo'],
        steps(
          ['BUILD', `${X} build --target ${T} -v`],
          ['RUN', `${X} run --target ${T} -- --exit 7`],
          ['TEST', `${X} test --target ${T}`],
        ) + `\n${owner(`target/${T}/debug/hello-xcross`)}`,
      );
      const m = marks(r.stdout);
      assert.equal(m.BUILD, '0', tail(r.out));
      assert.match(r.stderr, /runtime: podman-api, because \/run\/podman\/podman\.sock answers/);
      assert.match(r.stderr, /mounts: mapped, because xcross runs in a container \(.*\) that podman knows as /);
      assert.match(
        r.stderr,
        new RegExp(`mounts: /builds/group/hello-xcross from ${dir}/hello-xcross on the engine's host`),
      );
      // Compiler messages name the job's own paths.
      assert.match(r.stderr, /Compiling hello-xcross v0\.1\.0 \(\/builds\/group\/hello-xcross\)/);
      assert.equal(m.RUN, '7', tail(r.out));
      assert.match(r.stdout, /^hello from aarch64$/m);
      assert.equal(m.TEST, '0', tail(r.out));
      assert.match(r.stdout, /test result: ok\. 5 passed; 0 failed/);
      // The socket is root's in the job (this user's on the host): xcross passes --user, and cargo's
      // files are the job user's.
      assert.equal(m.OWNER, '1000:1000', tail(r.out));
    },
  );

  test(
    "podman's CLI in a root job, a client of the socket (CONTAINER_HOST): build, root's files",
    { timeout: 1_800_000 },
    () => {
      const r = job(
        image,
        [
          '--user',
          '0',
          '-v',
          `${dir}:/builds/group`,
          '-v',
          `${socket}:/run/podman/podman.sock`,
          '-e',
          'CONTAINER_HOST=unix:///run/podman/podman.sock',
          '-e',
          'XCROSS_RUNTIME=podman',
          '-e',
          'CARGO_HOME=/builds/group/.cargo',
        ],
        steps(['BUILD', `${X} build --release --target ${T} -v`]) + `\n${owner(`target/${T}/release/hello-xcross`)}`,
      );
      assert.equal(marks(r.stdout).BUILD, '0', tail(r.out));
      assert.match(
        r.stderr,
        /podman \(\/usr\/bin\/podman, a client of the service at unix:\/\/\/run\/podman\/podman\.sock/,
      );
      assert.match(r.stderr, /mounts: mapped/);
      assert.match(
        r.stderr,
        new RegExp(`/usr/bin/podman .*run --rm .*-v ${dir}/hello-xcross:/builds/group/hello-xcross:rw`),
      );
      // A root job's files are root's in the job (this user's on the host, whose uid root is in it).
      assert.equal(marks(r.stdout).OWNER, '0:0', tail(r.out));
    },
  );
});

describe(
  "xcross in a docker job container, the daemon's socket bound in",
  { skip: skip ? `SKIPPED: ${skip}` : !DOCKER_HOST && 'SKIPPED: no private dockerd (scripts/setup-host.sh --docker)' },
  () => {
    let dir: string;
    const env = { ...process.env, DOCKER_HOST };
    const docker = (args: string[], timeout = 1_800_000) =>
      spawnSync('docker', args, { encoding: 'utf8', env, timeout, maxBuffer: 64 << 20 });

    before(async () => {
      ({ dir } = copyFixtures());
      fs.mkdirSync(path.join(dir, '.cargo'));
      fs.chmodSync(dir, 0o755);
      // The daemon's own store: the job's base, and the target image (docker.test.ts, before this file,
      // builds it; alone, this file loads it from an archive).
      if (docker(['image', 'inspect', BOOKWORM]).status !== 0)
        assert.equal(docker(['import', '--change', 'CMD ["/bin/bash"]', BOOKWORM_TARBALL, BOOKWORM]).status, 0);
      await ensureTargetImages([T]);
      const ref = spawnSync(process.execPath, [XCROSS, 'image', 'build', '--target', T], {
        encoding: 'utf8',
      }).stdout.trim();
      if (docker(['image', 'inspect', ref]).status !== 0) {
        const load = spawnSync(process.execPath, [XCROSS, 'image', 'load', await imageArchive('podman')], {
          encoding: 'utf8',
          env: { ...env, XCROSS_RUNTIME: 'docker' },
          timeout: 1_800_000,
        });
        assert.equal(load.status, 0, tail(load.stderr));
      }
    });
    after(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test(
      "build: mapped through the daemon's view of the job container, the files this user's",
      { timeout: 1_800_000 },
      () => {
        const sock = DOCKER_HOST!.replace(/^unix:\/\//, '');
        const r = docker([
          'run',
          '--rm',
          '--network',
          'host',
          '--user',
          `${process.getuid!()}:${process.getgid!()}`,
          '--group-add',
          String(fs.statSync(sock).gid),
          ...['-v', `${process.execPath}:/usr/local/bin/node:ro`, '-v', `${PKG_ROOT}:/opt/xcross:ro`],
          ...[
            '-v',
            `${spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim()}:/usr/local/bin/docker:ro`,
          ],
          ...['-v', `${dir}:/builds/group`, '-v', `${sock}:/var/run/docker.sock`],
          ...['-e', 'HOME=/tmp', '-e', 'CARGO_HOME=/builds/group/.cargo', '-w', CRATE],
          BOOKWORM,
          'node',
          XCROSS_IN_JOB,
          'build',
          '--target',
          T,
          '-v',
        ]);
        assert.equal(r.status, 0, tail(`${r.stdout}${r.stderr}`));
        assert.match(
          r.stderr,
          /mounts: mapped, because xcross runs in a container \(\/\.dockerenv \(docker\).*\) that docker knows as /,
        );
        assert.match(
          r.stderr,
          new RegExp(
            `docker run --rm --pull=never .*--user ${process.getuid!()}:${process.getgid!()} .*-v ${dir}/hello-xcross:/builds/group/hello-xcross:rw`,
          ),
        );
        assert.equal(elfMachine(path.join(dir, 'hello-xcross', 'target', T, 'debug', 'hello-xcross')), AARCH64);
        assert.deepEqual(notOwnedBy(path.join(dir, 'hello-xcross', 'target'), process.getuid!()), []);
      },
    );
  },
);

describe(
  'xcross with a podman of its own inside the job container (images/job)',
  { skip: skip && `SKIPPED: ${skip}` },
  () => {
    let dir: string;
    let image: string;
    let archive: string;
    const store = `xcross-e2e-store-${process.pid}`;

    before(async () => {
      await ensureTargetImages([T]);
      image = jobImage();
      archive = await imageArchive('podman');
      ({ dir } = copyFixtures());
      fs.mkdirSync(path.join(dir, '.cargo'));
      // The job's user (uid 1000 of images/job) owns the workspace, as a runner's checkout would be.
      assert.equal(podman(['unshare', 'chown', '-R', '1000:1000', dir]).code, 0);
      assert.equal(podman(['volume', 'create', store]).code, 0);
    });
    after(() => {
      podman(['volume', 'rm', '--force', store]);
      if (dir) podman(['unshare', 'rm', '-rf', dir]);
    });

    /** The job as images/job documents it: its user, /dev/fuse, podman's storage on a volume. */
    const inside = (flags: string[], script: string) =>
      job(
        image,
        [
          '--user',
          'podman',
          '-e',
          'HOME=/tmp',
          '-v',
          `${store}:/var/lib/containers`,
          '-v',
          `${archive}:/archive.tar:ro`,
          '-v',
          `${dir}:/builds/group`,
          ...flags,
        ],
        script,
      );

    test(
      'rootless in an unprivileged container (--device /dev/fuse): doctor, image load, run (which builds) and test',
      { timeout: 1_800_000 },
      () => {
        const r = inside(
          ['--device', '/dev/fuse'],
          steps(
            ['DOCTOR', `${X} doctor`],
            ['LOAD', `${X} image load /archive.tar`],
            ['RUN', `${X} run --target ${T} -v -- --exit 5`],
            ['TEST', `${X} test --target ${T}`],
          ) + `\n${owner(`target/${T}/debug/hello-xcross`)}`,
        );
        const m = marks(r.stdout);
        assert.equal(m.DOCTOR, '0', tail(r.out));
        assert.match(r.stdout, /^ok +container +xcross runs in a container .*, and podman runs in it too/m);
        assert.match(r.stdout, /^ok +userns +user namespaces can be made in this container$/m);
        assert.match(r.stdout, /^ok +(newuidmap|fuse) /m);
        assert.equal(m.LOAD, '0', tail(r.out));
        assert.match(r.stderr, /mounts: direct, because xcross runs in a container .*and podman runs in it too/);
        assert.equal(m.RUN, '5', tail(r.out));
        assert.match(r.stdout, /^hello from aarch64$/m);
        assert.equal(m.TEST, '0', tail(r.out));
        assert.match(r.stdout, /test result: ok\. 5 passed; 0 failed/);
        // The inner podman maps its containers' root onto the job's user.
        assert.equal(m.OWNER, '1000:1000');
      },
    );

    test('--privileged instead: the same job runs and tests', { timeout: 1_800_000 }, () => {
      const r = inside(
        ['--privileged'],
        steps(['RUN', `${X} run --target ${T} -- --exit 4`], ['TEST', `${X} test --target ${T}`]),
      );
      assert.equal(marks(r.stdout).RUN, '4', tail(r.out));
      assert.equal(marks(r.stdout).TEST, '0', tail(r.out));
    });

    test('what the container withholds is one sentence with the flag: no /dev/fuse for storage on overlay, a setuid newuidmap', () => {
      // podman's storage on the container's own overlay (no volume), and no /dev/fuse given.
      const fuse = job(
        image,
        ['--user', 'podman', '-e', 'HOME=/tmp', '--image-volume', 'ignore', '-v', `${BOOKWORM_TARBALL}:/base.tar:ro`],
        `podman import /base.tar ${BOOKWORM} >/dev/null 2>&1; ${X} doctor; echo DOCTOR=$?`,
      );
      assert.equal(marks(fuse.stdout).DOCTOR, '1', tail(fuse.out));
      assert.match(
        fuse.stdout,
        /^FAIL +fuse +there is no \/dev\/fuse, and podman's storage \/var\/lib\/containers\/user-1000\/storage is on overlay, where only fuse-overlayfs mounts layers\n +fix: start the job container with --device \/dev\/fuse/m,
      );
      assert.match(
        fuse.stdout,
        /^FAIL +containers +.*containers do not start: podman cannot start containers here: podman mounts image layers with fuse-overlayfs here, which cannot open \/dev\/fuse \(device not found\)\n +fix: give podman a \/dev\/fuse this user may open \(a job container: --device \/dev\/fuse/m,
      );
      assert.doesNotMatch(fuse.stdout, /mount_data|lowerdir/);
      // Debian's setuid-root newuidmap, without CAP_SYS_ADMIN in the container.
      const setuid = job(
        image,
        ['--user', '0', '-e', 'HOME=/tmp', '--image-volume', 'ignore'],
        `setcap -r /usr/bin/newuidmap && setcap -r /usr/bin/newgidmap && chmod u+s /usr/bin/newuidmap /usr/bin/newgidmap && setpriv --reuid=1000 --regid=1000 --init-groups ${X} doctor; echo DOCTOR=$?`,
      );
      assert.equal(marks(setuid.stdout).DOCTOR, '1', tail(setuid.out));
      assert.match(
        setuid.stdout,
        /^FAIL +engine +\/usr\/bin\/podman is there but cannot work here: newuidmap cannot write a new user namespace's id map \(Operation not permitted\)\n +fix: newuidmap and newgidmap must be setuid root or have file capabilities; .*or start the container with --cap-add SYS_ADMIN$/m,
      );
    });
  },
);
