// Where mounts come from for the engine at hand: the signs of a container, the engine's view of it,
// and the mapped mounts (with the one sentence for a path no mount of the container holds).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupClues, containerClues, mountinfoIds } from '../../src/placement/in-container';
import { mapMounts, type MappedContext } from '../../src/placement/mapped';
import { choosePlacement, type PlacementInput } from '../../src/placement/here';
import { parseContainerInspect, type KnownContainer, type KnownMount } from '../../runtimes/container-inspect';
import { XcrossError } from '../../src/base/errors';
import { minimalSpec, recordingLogger, throwsXcross } from './helpers';

const ID = '394222d5dfacd6130376c1f2fc779e2f33c6b66e655355868e888ebc0d66ca3f';
const DOCKER_ID = 'cab0d4d84bdb3ccebc07d63c62b8ad01be24b091e327ad6fc2893c4cb06bae47';

// Lines as a rootless podman container and a docker container showed them on this project's machines.
const PODMAN_MOUNTINFO = `283 219 0:59 / / rw,relatime - overlay overlay rw,lowerdir=/home/u/.local/share/containers/storage/overlay/l/DJPQ
284 283 254:0 /tmp /builds rw,relatime - ext4 /dev/vda rw
301 283 254:0 /tmp/containers-user-1006/containers/overlay-containers/${ID}/userdata/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw
304 283 254:0 /tmp/containers-user-1006/containers/overlay-containers/${ID}/userdata/.containerenv /run/.containerenv rw,relatime - ext4 /dev/vda rw
305 283 254:0 /tmp/containers-user-1006/containers/overlay-containers/${ID}/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`;
const DOCKER_MOUNTINFO = `700 600 0:50 / / rw - overlay overlay rw
710 700 254:0 /var/lib/xe25a-docker/containers/${DOCKER_ID}/hostname /etc/hostname rw - ext4 /dev/vda rw
711 700 254:0 /var/lib/xe25a-docker/containers/${DOCKER_ID}/hosts /etc/hosts rw - ext4 /dev/vda rw
712 700 254:0 /home/me/not-a-container/${'a'.repeat(64)}/hostname /srv/hostname rw - ext4 /dev/vda rw`;

function files(map: Record<string, string>) {
  return (f: string) => map[f];
}

describe('the signs of a container', () => {
  test('podman: /run/.containerenv, container=podman, its own files in mountinfo give the ID', () => {
    const c = containerClues({
      read: files({
        '/run/.containerenv': '',
        '/proc/self/mountinfo': PODMAN_MOUNTINFO,
        '/proc/self/cgroup': '0::/\n',
      }),
      hostname: 'vm',
      env: { container: 'podman', HOSTNAME: 'vm' },
    });
    assert.deepEqual(c.signs, [
      '/run/.containerenv (podman)',
      'container=podman in the environment',
      "the container's own files in /proc/self/mountinfo",
    ]);
    assert.deepEqual(c.refs, [ID, 'vm']);
  });

  test('--privileged podman writes the ID and name into .containerenv: those come first', () => {
    const c = containerClues({
      read: files({ '/run/.containerenv': 'engine="podman-4.3.1"\nname="job-7"\nid="abc123"\nrootless=1\n' }),
      hostname: 'job-7',
      env: {},
    });
    assert.deepEqual(c.refs, ['abc123', 'job-7']);
  });

  test('docker: /.dockerenv, cgroup v1 paths and mountinfo; a 64-hex path that is no container file is ignored', () => {
    assert.deepEqual(mountinfoIds(DOCKER_MOUNTINFO), [DOCKER_ID]);
    assert.deepEqual(cgroupClues(`12:pids:/docker/${DOCKER_ID}\n0::/system.slice/docker-${DOCKER_ID}.scope\n`), {
      engine: 'docker',
      ids: [DOCKER_ID],
    });
    assert.deepEqual(cgroupClues(`0::/machine.slice/libpod-${ID}.scope/container\n`), { engine: 'podman', ids: [ID] });
    const c = containerClues({ read: files({ '/.dockerenv': '' }), hostname: 'cab0d4d84bdb', env: {} });
    assert.deepEqual(c, { signs: ['/.dockerenv (docker)'], refs: ['cab0d4d84bdb'] });
  });

  test('a plain machine shows no sign, and is asked nothing', () => {
    const c = containerClues({
      read: files({
        '/proc/self/cgroup': '0::/user.slice/user-1000.slice/session-3.scope\n',
        '/proc/self/mountinfo': '',
      }),
      hostname: 'laptop',
      env: { HOSTNAME: 'laptop' },
    });
    assert.deepEqual(c, { signs: [], refs: [] });
  });
});

describe('inspect output', () => {
  test("podman's array, libpod's object and docker's leading slash give one shape; a tmpfs has no source", () => {
    const podman = parseContainerInspect(
      JSON.stringify([
        {
          Id: ID,
          Name: 'job',
          Config: { Hostname: 'vm' },
          State: { Running: true },
          Mounts: [
            {
              Type: 'volume',
              Name: 'v',
              Source: '/home/u/.local/share/containers/storage/volumes/v/_data',
              Destination: '/cache',
              RW: true,
            },
            { Type: 'bind', Source: '/srv/ws', Destination: '/builds/group', RW: false },
            { Type: 'tmpfs', Source: '', Destination: '/scratch', RW: true },
            { Type: 'bind', Destination: 'relative' },
          ],
        },
      ]),
      'podman',
    );
    assert.deepEqual(podman, {
      id: ID,
      name: 'job',
      hostname: 'vm',
      running: true,
      mounts: [
        {
          type: 'volume',
          source: '/home/u/.local/share/containers/storage/volumes/v/_data',
          destination: '/cache',
          rw: true,
        },
        { type: 'bind', source: '/srv/ws', destination: '/builds/group', rw: false },
        { type: 'tmpfs', destination: '/scratch', rw: true },
      ],
    });
    const docker = parseContainerInspect(
      JSON.stringify({ Id: DOCKER_ID, Name: '/quirky', State: { Running: false } }),
      'docker',
    );
    assert.equal(docker.name, 'quirky');
    assert.equal(docker.running, false);
    assert.deepEqual(docker.mounts, []);
    throwsXcross(() => parseContainerInspect('[]', 'podman'), /without an Id/);
    throwsXcross(
      () => parseContainerInspect('not json', 'docker'),
      /docker printed container details that are not JSON/,
    );
  });
});

const OUTER: KnownMount[] = [
  { type: 'bind', source: '/srv/runner/builds', destination: '/builds', rw: true },
  { type: 'volume', source: '/var/lib/docker/volumes/t/_data', destination: '/builds/group/app/target', rw: true },
  { type: 'bind', source: '/srv/ro', destination: '/opt/ro', rw: false },
  { type: 'tmpfs', destination: '/builds/group/app/tmp', rw: true },
  { type: 'bind', source: '/run/podman/podman.sock', destination: '/run/podman/podman.sock', rw: true },
];

function ctx(over: Partial<MappedContext> = {}): MappedContext {
  return {
    container: 'job, 394222d5dfac',
    engine: 'podman',
    mounts: OUTER.filter((m) => m.type !== 'tmpfs'),
    role: (s) => (s.endsWith('.cargo') || s.includes('cargo-home') ? 'the cargo home' : 'the workspace'),
    real: (p) => p,
    ...over,
  };
}

describe('mapped mounts', () => {
  test('sources through the longest mount that holds them; targets stay; mounts below come along; parents first', () => {
    const mounts = mapMounts(
      [
        { source: '/builds/group/.cargo', target: '/xcross/cargo', readOnly: false },
        { source: '/builds/group/app', target: '/builds/group/app', readOnly: false },
        { source: '/builds/group/lib', target: '/builds/group/lib', readOnly: true },
        { source: '/opt/ro/toolchain', target: '/xcross/toolchain', readOnly: false },
      ],
      ctx(),
    );
    assert.deepEqual(mounts, [
      { source: '/srv/runner/builds/group/.cargo', target: '/xcross/cargo', readOnly: false },
      { source: '/srv/ro/toolchain', target: '/xcross/toolchain', readOnly: true },
      { source: '/srv/runner/builds/group/app', target: '/builds/group/app', readOnly: false },
      { source: '/srv/runner/builds/group/lib', target: '/builds/group/lib', readOnly: true },
      { source: '/var/lib/docker/volumes/t/_data', target: '/builds/group/app/target', readOnly: false },
    ]);
  });

  test('symbolic links resolve before the lookup: a path through /work -> /builds maps', () => {
    const [m] = mapMounts([{ source: '/work/app', target: '/work/app', readOnly: false }], {
      ...ctx(),
      real: (p) => p.replace(/^\/work/, '/builds'),
    });
    assert.deepEqual(m, { source: '/srv/runner/builds/app', target: '/work/app', readOnly: false });
  });

  test('a path on no mount is one sentence naming it, the flag to mount it, and a CARGO_HOME that would do', () => {
    const e = throwsXcross(
      () => mapMounts([{ source: '/root/.cache/xcross/cargo-home', target: '/xcross/cargo', readOnly: false }], ctx()),
      /^the cargo home '\/root\/\.cache\/xcross\/cargo-home' is on none of the mounts of this container \(job, 394222d5dfac\), so podman, which runs outside it, cannot mount it$/,
    );
    assert.equal(
      e.fix,
      'mount a host folder or volume there when the container starts (-v HOST_DIR:/root/.cache/xcross/cargo-home), or move it under a folder that is mounted (here: /builds, /builds/group/app/target), e.g. CARGO_HOME=/builds/.cargo',
    );
  });

  test('an optional mount on no mount (the compile cache) is left out with one warning; the run goes on', () => {
    const warned: string[] = [];
    const mounts = mapMounts(
      [
        {
          source: '/root/.cache/xcross/compile-cache',
          target: '/xcross/compile-cache',
          readOnly: false,
          optional: 'the compile cache',
        },
        { source: '/builds/group/app', target: '/builds/group/app', readOnly: false },
      ],
      { ...ctx(), warn: (m) => warned.push(m) },
    );
    assert.deepEqual(
      mounts.map((m) => m.target),
      ['/builds/group/app', '/builds/group/app/target'],
    );
    assert.deepEqual(warned, [
      "the compile cache '/root/.cache/xcross/compile-cache' is on none of the mounts of this container (job, 394222d5dfac), so podman, which runs outside it, cannot mount it: this run goes without it (mount a host folder there to keep it)",
    ]);
  });

  test('a tmpfs of the container under the workspace cannot be mounted again: said, with the fix', () => {
    throwsXcross(
      () =>
        mapMounts(
          [{ source: '/builds/group/app', target: '/builds/group/app', readOnly: false }],
          ctx({ mounts: OUTER }),
        ),
      /^'\/builds\/group\/app\/tmp' is on a tmpfs mount of this container \(job, 394222d5dfac\) at \/builds\/group\/app\/tmp, which podman cannot mount into another container$/,
    );
  });
});

function fakeRuntime(
  known: Record<string, KnownContainer>,
  runsHere = false,
): PlacementInput['runtime'] & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'podman-api',
    asked,
    inspectContainer: async (ref: string) => {
      asked.push(ref);
      if (ref === 'boom') throw new XcrossError('the service hung up');
      return known[ref];
    },
    runsHere: async () => runsHere,
  };
}

const SELF: KnownContainer = { id: ID, name: 'job', running: true, mounts: OUTER.slice(0, 1) };
const IN_PODMAN = { signs: ['/run/.containerenv (podman)'], refs: ['boom', ID, 'vm'] };

describe('choosing the placement', () => {
  test('not in a container: direct, and the engine is asked nothing', async () => {
    const runtime = fakeRuntime({ [ID]: SELF });
    const p = await choosePlacement({ runtime, env: {}, log: recordingLogger(), clues: { signs: [], refs: [] } });
    assert.equal(p.how, 'direct');
    assert.equal(p.why, 'xcross does not run in a container');
    assert.deepEqual(runtime.asked, []);
  });

  test('in a container the engine knows: mapped; a ref that fails is passed over', async () => {
    const runtime = fakeRuntime({ [ID]: SELF });
    const spec = {
      ...minimalSpec('x'),
      mounts: [{ source: '/builds/group/app', target: '/builds/group/app', readOnly: false }],
    };
    const p = await choosePlacement({ runtime, env: {}, log: recordingLogger(), clues: IN_PODMAN, real: (x) => x });
    assert.equal(p.how, 'mapped');
    assert.equal(
      p.why,
      "xcross runs in a container (/run/.containerenv (podman)) that podman knows as job, 394222d5dfac: the engine runs outside it, so mount sources are its host's paths",
    );
    assert.deepEqual(p.place(spec).mounts, [
      { source: '/srv/runner/builds/group/app', target: '/builds/group/app', readOnly: false },
    ]);
    assert.deepEqual(runtime.asked, ['boom', ID]);
  });

  test('an engine that runs in the container too (podman without a service): direct without a lookup', async () => {
    const runtime = fakeRuntime({ [ID]: SELF }, true);
    const p = await choosePlacement({ runtime, env: {}, log: recordingLogger(), clues: IN_PODMAN });
    assert.equal(p.how, 'direct');
    assert.match(p.why, /and podman runs in it too/);
    assert.deepEqual(runtime.asked, []);
  });

  test('an engine that knows none of the refs runs inside: direct, saying what was looked up', async () => {
    const runtime = fakeRuntime({});
    const p = await choosePlacement({ runtime, env: {}, log: recordingLogger(), clues: IN_PODMAN });
    assert.equal(p.how, 'direct');
    assert.match(
      p.why,
      /does not know it \(boom: the service hung up; no container 394222d5dfac\S+; no container vm\)/,
    );
  });

  test('a hostname that names another container, or a stopped one, is not this one', async () => {
    const other: KnownContainer = { id: 'f'.repeat(64), name: 'web', running: true, mounts: [] };
    const stopped: KnownContainer = { ...SELF, running: false };
    const p = await choosePlacement({
      runtime: fakeRuntime({ vm: other, [ID]: stopped }),
      env: {},
      log: recordingLogger(),
      clues: { signs: ['x'], refs: [ID, 'vm'] },
    });
    assert.equal(p.how, 'direct');
    assert.match(
      p.why,
      /394222d5dfac\S+ is a container that is not running; vm names another container \(ffffffffffff\)/,
    );
    const byHostname = await choosePlacement({
      runtime: fakeRuntime({ vm: { ...SELF, hostname: 'vm' } }),
      env: {},
      log: recordingLogger(),
      clues: { signs: ['x'], refs: ['vm'] },
    });
    assert.equal(byHostname.how, 'mapped');
  });

  test("CROSS_CONTAINER_IN_CONTAINER, cross's switch: 0 turns mapping off; 1 insists, and says so when nothing is found", async () => {
    const runtime = fakeRuntime({ [ID]: SELF });
    const off = await choosePlacement({
      runtime,
      env: { CROSS_CONTAINER_IN_CONTAINER: '0' },
      log: recordingLogger(),
      clues: IN_PODMAN,
    });
    assert.equal(off.how, 'direct');
    assert.deepEqual(runtime.asked, []);
    await assert.rejects(
      choosePlacement({
        runtime: fakeRuntime({}, true),
        env: { CROSS_CONTAINER_IN_CONTAINER: '1' },
        log: recordingLogger(),
        clues: { signs: [], refs: ['vm'] },
      }),
      (e: unknown) =>
        e instanceof XcrossError &&
        /^CROSS_CONTAINER_IN_CONTAINER=1, but podman knows no container xcross runs in \(no container vm\)$/.test(
          e.message,
        ) &&
        /set HOSTNAME to this container's ID or name/.test(e.fix ?? ''),
    );
    await assert.rejects(
      choosePlacement({
        runtime,
        env: { CROSS_CONTAINER_IN_CONTAINER: 'maybe' },
        log: recordingLogger(),
        clues: IN_PODMAN,
      }),
      /CROSS_CONTAINER_IN_CONTAINER is 'maybe', which is neither 1 nor 0/,
    );
  });
});
