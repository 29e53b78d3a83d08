// podman 5 (what Fedora ships: netavark, pasta): Debian trixie's podman 5.4, rootless inside an
// unprivileged job container of images/job built from the offline trixie base. The conformance suite
// against it (CLI and REST), the example crate from an archive of `xcross image save`, and the one
// sentence for a /dev/fuse fuse-overlayfs cannot open. Not part of `npm test` (CI): it is run by
// `npm run test:podman5`, after `sudo scripts/make-offline-base.sh --suite trixie --user USER`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFixtures, ensureTargetImages, tail } from '../e2e/harness';
import {
  BOOKWORM_TARBALL,
  PKG,
  T,
  XCROSS_IN_JOB,
  imageArchive,
  job,
  jobImage,
  marks,
  podman,
} from '../e2e/job-container';

const TRIXIE = 'localhost/xcross/debian-base:trixie';
const X = `node ${XCROSS_IN_JOB}`;

describe('podman 5.4 (Debian trixie), rootless inside an unprivileged job container', () => {
  let image: string;
  let dir: string;
  const store = `xcross-podman5-store-${process.pid}`;

  before(() => {
    if (podman(['image', 'exists', TRIXIE]).code !== 0)
      throw new Error(
        `${TRIXIE} is not in this user's podman storage: run sudo scripts/make-offline-base.sh --suite trixie --user $USER`,
      );
    image = jobImage(TRIXIE);
    ({ dir } = copyFixtures());
    assert.equal(podman(['unshare', 'chown', '-R', '1000:1000', dir]).code, 0);
    assert.equal(podman(['volume', 'create', store]).code, 0);
  });
  after(() => {
    podman(['volume', 'rm', '--force', store]);
    if (dir) podman(['unshare', 'rm', '-rf', dir]);
  });

  const inside = (flags: string[], script: string) =>
    job(
      image,
      ['--user', 'podman', '-e', 'HOME=/tmp', '--device', '/dev/fuse', '-v', `${store}:/var/lib/containers`, ...flags],
      script,
    );

  test('the job image has podman 5', () => {
    const r = inside([], 'podman --version');
    assert.match(r.stdout, /^podman version 5\.\d+\.\d+$/m, tail(r.out));
  });

  test('the conformance suite passes against it, through its CLI and its REST API', { timeout: 3_600_000 }, (t) => {
    const r = inside(
      ['-v', `${BOOKWORM_TARBALL}:${BOOKWORM_TARBALL}:ro`],
      `node --test --test-reporter=spec --test-concurrency=1 ${PKG}/dist/test/e2e/conformance-podman.test.js ${PKG}/dist/test/e2e/conformance-podman-api.test.js; echo SUITE=$?`,
    );
    t.diagnostic(
      r.stdout
        .split('\n')
        .filter((l) => /^ℹ (tests|pass|fail) /.test(l))
        .join(', '),
    );
    assert.equal(marks(r.stdout).SUITE, '0', tail(r.out, 6000));
    assert.match(r.stdout, /^ℹ fail 0$/m);
    assert.match(r.stdout, /✔ runtime conformance: podman \(CLI\)/);
    assert.match(r.stdout, /✔ runtime conformance: podman-api/);
  });

  test('the example from an archive of xcross image save: load, build, run, test', { timeout: 3_600_000 }, async () => {
    await ensureTargetImages([T]);
    const archive = await imageArchive('xcross');
    const r = inside(
      ['-v', `${archive}:/archive.tar:ro`, '-v', `${dir}:/builds/group`],
      [
        'cd /builds/group/hello-xcross',
        `${X} image load /archive.tar; echo LOAD=$?`,
        `${X} run --target ${T} -- --exit 6; echo RUN=$?`,
        `${X} test --target ${T}; echo TEST=$?`,
      ].join('\n'),
    );
    const m = marks(r.stdout);
    assert.equal(m.LOAD, '0', tail(r.out));
    assert.equal(m.RUN, '6', tail(r.out));
    assert.match(r.stdout, /^hello from aarch64$/m);
    assert.equal(m.TEST, '0', tail(r.out));
    // No warning of podman's own (cgroups v1 is deprecated in podman 5) in the program's stderr.
    assert.doesNotMatch(r.stderr, /cgroups-v1 which is deprecated/);
  });

  test("storage on the container's overlay and no /dev/fuse: one sentence naming /dev/fuse and the flag", () => {
    const r = job(
      image,
      ['--user', 'podman', '-e', 'HOME=/tmp', '--image-volume', 'ignore', '-v', `${BOOKWORM_TARBALL}:/base.tar:ro`],
      `podman import /base.tar localhost/xcross/debian-base:bookworm >/dev/null 2>&1; ${X} doctor; echo DOCTOR=$?`,
    );
    assert.equal(marks(r.stdout).DOCTOR, '1', tail(r.out));
    assert.match(
      r.stdout,
      /^FAIL +containers +.*containers do not start: podman cannot start containers here: podman mounts image layers with fuse-overlayfs here, which cannot open \/dev\/fuse \(.*\)\n +fix: give podman a \/dev\/fuse this user may open \(a job container: --device \/dev\/fuse/m,
    );
    assert.doesNotMatch(r.stdout, /mount_data|lowerdir/);
  });
});
