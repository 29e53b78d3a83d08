// ContainerSpec → libpod's SpecGenerator: the JSON body of POST /containers/create.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyUserArgs,
  rlimit,
  specGenerator,
  type SpecContext,
  type SpecGenerator,
} from '../../runtimes/podman-api/spec-json';
import type { ContainerSpec } from '../../runtimes/spec';
import { throwsXcross } from './helpers';

const spec: ContainerSpec = {
  image: 'localhost/xcross/aarch64:1',
  name: 'xcross-build-1',
  command: ['cargo', 'build'],
  workdir: '/w',
  env: { CARGO_HOME: '/xcross/cargo' },
  mounts: [
    { source: '/home/u/w', target: '/w', readOnly: false },
    { source: '/home/u/.rustup', target: '/rustup', readOnly: true },
  ],
  owner: { uid: 1000, gid: 1000 },
  labels: { 'io.xcross.managed': 'true' },
  interactive: true,
  tty: false,
};
const none = { global: [], run: [], notes: [] };
const ctx = (over: Partial<SpecContext> = {}): SpecContext => ({
  rootless: true,
  selinux: false,
  adaptation: none,
  ...over,
});

/** A fresh generator to apply user args to. */
const base = (): SpecGenerator => specGenerator(spec, ctx());

describe('specGenerator', () => {
  test('exact JSON, rootless, no adaptation', () => {
    assert.deepEqual(specGenerator(spec, ctx()), {
      name: 'xcross-build-1',
      image: 'localhost/xcross/aarch64:1',
      command: ['cargo', 'build'],
      work_dir: '/w',
      env: { CARGO_HOME: '/xcross/cargo' },
      labels: { 'io.xcross.managed': 'true' },
      mounts: [
        { destination: '/w', source: '/home/u/w', type: 'bind', options: ['rbind', 'rw'] },
        { destination: '/rustup', source: '/home/u/.rustup', type: 'bind', options: ['rbind', 'ro'] },
      ],
      terminal: false,
      stdin: true,
    });
  });

  test('SELinux adds z to each mount', () => {
    const g = specGenerator(spec, ctx({ selinux: true }));
    assert.deepEqual(
      g.mounts.map((m) => m.options),
      [
        ['rbind', 'rw', 'z'],
        ['rbind', 'ro', 'z'],
      ],
    );
  });

  test('tty and interactive map onto terminal and stdin', () => {
    const g = specGenerator({ ...spec, tty: true, interactive: false }, ctx());
    assert.equal(g.terminal, true);
    assert.equal(g.stdin, false);
  });

  test('env and labels are copies: the generator never changes the spec', () => {
    const g = specGenerator(spec, ctx({ userArgs: ['-e', 'X=1', '-l', 'k=v'] }));
    assert.equal(g.env.X, '1');
    assert.equal(spec.env.X, undefined);
    assert.equal(spec.labels.k, undefined);
    assert.equal(spec.mounts.length, 2);
  });

  test('adaptation run flags: --init, --network=host, --ulimit', () => {
    const g = specGenerator(
      spec,
      ctx({
        adaptation: {
          global: ['--runtime', 'runc'],
          run: ['--init', '--ulimit=nofile=20000:20000', '--ulimit=nproc=32768:32768', '--network=host'],
          notes: [],
        },
      }),
    );
    assert.equal(g.init, true);
    assert.deepEqual(g.netns, { nsmode: 'host' });
    assert.deepEqual(g.r_limits, [
      { type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 },
      { type: 'RLIMIT_NPROC', soft: 32768, hard: 32768 },
    ]);
    assert.ok(!('runtime' in g), "global flags are the service's business, not the container's");
  });

  test('a later --ulimit of the same kind replaces the earlier one', () => {
    const g = specGenerator(
      spec,
      ctx({ adaptation: { global: [], run: ['--ulimit=nofile=1:2', '--ulimit=nofile=3:4'], notes: [] } }),
    );
    assert.deepEqual(g.r_limits, [{ type: 'RLIMIT_NOFILE', soft: 3, hard: 4 }]);
  });

  test('an adaptation flag without a libpod field is an internal error', () => {
    assert.throws(
      () => specGenerator(spec, ctx({ adaptation: { global: [], run: ['--weird'], notes: [] } })),
      /--weird/,
    );
  });

  test('owner: rootful non-root gets user uid:gid; rootless and root do not', () => {
    assert.equal(specGenerator(spec, ctx({ rootless: false })).user, '1000:1000');
    assert.equal(
      specGenerator({ ...spec, owner: { uid: 1000, gid: 1001 } }, ctx({ rootless: false })).user,
      '1000:1001',
    );
    assert.equal(specGenerator(spec, ctx({ rootless: true })).user, undefined);
    assert.ok(!('user' in specGenerator(spec, ctx({ rootless: true }))));
    assert.equal(specGenerator({ ...spec, owner: { uid: 0, gid: 0 } }, ctx({ rootless: false })).user, undefined);
  });

  test("ports map onto 127.0.0.1 at the same number, unless the network is the host's", () => {
    const withPorts = { ...spec, ports: [1234, 5678] };
    assert.deepEqual(specGenerator(withPorts, ctx()).portmappings, [
      { host_ip: '127.0.0.1', host_port: 1234, container_port: 1234, protocol: 'tcp' },
      { host_ip: '127.0.0.1', host_port: 5678, container_port: 5678, protocol: 'tcp' },
    ]);
    const host = specGenerator(withPorts, ctx({ adaptation: { global: [], run: ['--network=host'], notes: [] } }));
    assert.equal(host.portmappings, undefined);
    assert.equal(specGenerator({ ...spec, ports: [] }, ctx()).portmappings, undefined);
    assert.equal(specGenerator(spec, ctx()).portmappings, undefined);
  });

  test('user args (CROSS_CONTAINER_OPTS) apply last and may override the adaptation', () => {
    const g = specGenerator(
      spec,
      ctx({
        adaptation: { global: [], run: ['--ulimit=nofile=20000:20000'], notes: [] },
        userArgs: ['--ulimit', 'nofile=1024:4096', '-e', 'CARGO_HOME=/mine'],
      }),
    );
    assert.deepEqual(g.r_limits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }]);
    assert.equal(g.env.CARGO_HOME, '/mine');
  });
});

describe('applyUserArgs', () => {
  test('-e K=V and --env=K=V set variables; a value may hold =', () => {
    const g = base();
    applyUserArgs(g, ['-e', 'A=1', '--env=B=2', '--env', 'C=x=y', '-e', 'EMPTY=']);
    assert.equal(g.env.A, '1');
    assert.equal(g.env.B, '2');
    assert.equal(g.env.C, 'x=y');
    assert.equal(g.env.EMPTY, '');
    assert.equal(g.env.CARGO_HOME, '/xcross/cargo');
  });

  test('-e NAME alone takes the value from our environment (as given to the runtime)', () => {
    const key = 'XCROSS_UNIT_SPEC_JSON_VAR';
    const g = base();
    applyUserArgs(g, ['-e', key, '-e', `${key}_UNSET`], { [key]: 'from-host' });
    assert.equal(g.env[key], 'from-host');
    assert.equal(g.env[`${key}_UNSET`], '');
    assert.equal(
      specGenerator(spec, ctx({ userArgs: ['-e', key], env: { [key]: 'through the context' } })).env[key],
      'through the context',
    );
  });

  test("-v a:b:ro, --volume=a:b and options lists add bind mounts after the spec's", () => {
    const g = base();
    applyUserArgs(g, ['-v', '/a:/b:ro', '--volume=/c:/d', '-v', '/e:/f:rw,z']);
    assert.deepEqual(g.mounts.slice(2), [
      { destination: '/b', source: '/a', type: 'bind', options: ['rbind', 'ro'] },
      { destination: '/d', source: '/c', type: 'bind', options: ['rbind'] },
      { destination: '/f', source: '/e', type: 'bind', options: ['rbind', 'rw', 'z'] },
    ]);
  });

  test('-v without a destination is refused', () => {
    throwsXcross(() => applyUserArgs(base(), ['-v', '/only']), /-v wants SOURCE:DEST/);
  });

  test('--privileged, --cap-add X (repeatable), --device, -l', () => {
    const g = base();
    applyUserArgs(g, [
      '--privileged',
      '--cap-add',
      'SYS_PTRACE',
      '--cap-add=NET_ADMIN',
      '--device',
      '/dev/kvm',
      '-l',
      'team=x',
    ]);
    assert.equal(g.privileged, true);
    assert.deepEqual(g.cap_add, ['SYS_PTRACE', 'NET_ADMIN']);
    assert.deepEqual(g.devices, [{ path: '/dev/kvm' }]);
    assert.equal(g.labels.team, 'x');
    assert.equal(g.labels['io.xcross.managed'], 'true');
  });

  test('--network: host, none and private are namespaces; anything else a named network', () => {
    const host = base();
    applyUserArgs(host, ['--network=host']);
    assert.deepEqual(host.netns, { nsmode: 'host' });
    const named = base();
    applyUserArgs(named, ['--net', 'mynet']);
    assert.deepEqual(named.netns, { nsmode: 'bridge' });
    assert.deepEqual(named.networks, { mynet: {} });
  });

  test('--security-opt label=… and seccomp=unconfined; other security options are refused', () => {
    const g = base();
    applyUserArgs(g, ['--security-opt', 'label=disable', '--security-opt=seccomp=unconfined']);
    assert.deepEqual(g.selinux_opts, ['disable']);
    assert.equal(g.seccomp_policy, 'unconfined');
    throwsXcross(
      () => applyUserArgs(base(), ['--security-opt', 'apparmor=unconfined']),
      /--security-opt apparmor=unconfined is not supported/,
    );
  });

  test('an unsupported flag is refused by name, with the CLI runtime as the fix', () => {
    const e = throwsXcross(
      () => applyUserArgs(base(), ['--pids-limit', '100']),
      /--pids-limit is not supported by the podman-api runtime/,
    );
    assert.match(e.fix ?? '', /--runtime podman/);
    throwsXcross(() => applyUserArgs(base(), ['--pids-limit=100']), /--pids-limit is not supported/);
    throwsXcross(() => applyUserArgs(base(), ['-e', 'A=1', '--memory', '1g']), /--memory is not supported/);
  });

  test('a flag missing its value is refused', () => {
    throwsXcross(() => applyUserArgs(base(), ['-e']), /CROSS_CONTAINER_OPTS: -e needs a value/);
    throwsXcross(() => applyUserArgs(base(), ['--cap-add']), /--cap-add needs a value/);
  });
});

describe('rlimit', () => {
  test('name=soft:hard, and name=soft meaning both', () => {
    assert.deepEqual(rlimit('nofile=20000:20000'), { type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 });
    assert.deepEqual(rlimit('nofile=1024:4096'), { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 });
    assert.deepEqual(rlimit('nproc=512'), { type: 'RLIMIT_NPROC', soft: 512, hard: 512 });
    assert.deepEqual(rlimit('core=-1:-1'), { type: 'RLIMIT_CORE', soft: -1, hard: -1 });
  });

  test('anything else is an XcrossError naming the text', () => {
    for (const bad of ['nofile', 'nofile=', 'nofile=a:b', '=1:2', 'nofile=1:2:3']) {
      throwsXcross(() => rlimit(bad), new RegExp(`--ulimit ${bad} is not name=soft\\[:hard\\]`));
    }
  });
});
