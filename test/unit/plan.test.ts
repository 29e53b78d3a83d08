// The plan: resolved configuration → ContainerSpec, as data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planCargo, type CargoPlanInput } from '../../src/plan/cargo-spec';
import { passthroughEnv } from '../../src/plan/cargo-env';
import { planShell } from '../../src/plan/shell-spec';
import { findTarget, loadRegistry } from '../../src/targets/registry';

const target = findTarget(loadRegistry(), 'aarch64-unknown-linux-gnu');
const host = {
  uid: 1000,
  gid: 1000,
  cwd: '/home/u/ws/crate',
  env: {},
  stdinIsTTY: false,
  stdoutIsTTY: false,
  stderrIsTTY: false,
};

function input(over: Partial<CargoPlanInput> = {}): CargoPlanInput {
  return {
    cargoArgs: ['build', '--target', target.triple],
    target,
    image: 'localhost/xcross/aarch64-unknown-linux-gnu:abc',
    workspace: { root: '/home/u/ws', manifest: '/home/u/ws/crate/Cargo.toml', externalPaths: ['/home/u/libs/dep'] },
    targetDir: '/home/u/ws/target',
    cargoHome: '/home/u/.cargo',
    toolchain: { source: 'image', rustc: '1.96.0', why: 'test' },
    readOnlySource: false,
    interactive: false,
    name: 'xcross-build-1',
    host,
    ...over,
  };
}

describe('mounts', () => {
  test('workspace at its own path, external path deps read-only, cargo home, no separate target mount inside the root', () => {
    const s = planCargo(input());
    assert.deepEqual(s.mounts, [
      { source: '/home/u/ws', target: '/home/u/ws', readOnly: false },
      { source: '/home/u/libs/dep', target: '/home/u/libs/dep', readOnly: true },
      { source: '/home/u/.cargo', target: '/xcross/cargo', readOnly: false },
    ]);
  });

  test('read-only source: the workspace read-only, the target dir writable on top', () => {
    const s = planCargo(input({ readOnlySource: true }));
    assert.deepEqual(s.mounts.slice(0, 3), [
      { source: '/home/u/ws', target: '/home/u/ws', readOnly: true },
      { source: '/home/u/libs/dep', target: '/home/u/libs/dep', readOnly: true },
      { source: '/home/u/ws/target', target: '/home/u/ws/target', readOnly: false },
    ]);
  });

  test('a target dir outside the workspace is mounted; the host toolchain read-only with PATH and RUSTC', () => {
    const s = planCargo(
      input({
        targetDir: '/tmp/out',
        toolchain: {
          source: 'host',
          toolchain: { name: 'stable', dir: '/home/u/.rustup/toolchains/stable', from: 'x' },
          why: 'w',
        },
      }),
    );
    assert.ok(s.mounts.some((m) => m.source === '/tmp/out' && m.target === '/tmp/out' && !m.readOnly));
    assert.ok(
      s.mounts.some(
        (m) => m.source === '/home/u/.rustup/toolchains/stable' && m.target === '/xcross/toolchain' && m.readOnly,
      ),
    );
    assert.equal(s.env.PATH?.split(':')[0], '/xcross/toolchain/bin');
    assert.equal(s.env.RUSTC, '/xcross/toolchain/bin/rustc');
    assert.equal(s.env.CARGO_TARGET_DIR, '/tmp/out');
  });
});

describe('environment', () => {
  test("cargo's and rustc's variables (but for its credentials), the terminal, proxies and QEMU_* pass; nothing else", () => {
    const env = passthroughEnv(
      {
        CARGO_REGISTRIES_X_TOKEN: 't',
        RUSTFLAGS: '-C x',
        RUST_TEST_THREADS: '2',
        TERM: 'xterm',
        https_proxy: 'p',
        QEMU_STRACE: '1',
        SECRET_TOKEN: 's',
        PATH: '/usr/bin',
        HOME: '/home/u',
        SSH_AUTH_SOCK: '/s',
        CARGO_HOME: '/h',
        CARGO_TARGET_DIR: '/t',
        CARGO_BUILD_TARGET: 'x',
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER: 'host-gcc',
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER: 'host-qemu',
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER: 'other',
      },
      'aarch64-unknown-linux-gnu',
    );
    assert.deepEqual(env, {
      RUSTFLAGS: '-C x',
      RUST_TEST_THREADS: '2',
      TERM: 'xterm',
      https_proxy: 'p',
      QEMU_STRACE: '1',
      CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER: 'other',
    });
  });

  test("cargo's credentials stay out unless named in env.passthrough", () => {
    const env = {
      CARGO_REGISTRY_TOKEN: 'r',
      CARGO_REGISTRIES_CORP_TOKEN: 'c',
      CARGO_REGISTRIES_CORP_INDEX: 'sparse+https://c/',
      CARGO_HTTP_PASSWORD: 'p',
      CARGO_SIGNING_KEY: 'k',
    };
    assert.deepEqual(passthroughEnv(env, 'aarch64-unknown-linux-gnu'), {
      CARGO_REGISTRIES_CORP_INDEX: 'sparse+https://c/',
    });
    const s = planCargo(
      input({ host: { ...host, env }, extra: { env: { CARGO_REGISTRIES_CORP_TOKEN: 'c' }, mounts: [] } }),
    );
    assert.equal(s.env.CARGO_REGISTRIES_CORP_TOKEN, 'c');
    assert.equal(s.env.CARGO_REGISTRY_TOKEN, undefined);
  });

  test('xcross sets CARGO_HOME, CARGO_TARGET_DIR, HOME; Cross.toml extras come on top of the defaults', () => {
    const s = planCargo(
      input({
        host: { ...host, env: { CARGO_HOME: '/host/cargo', FOO: 'no' } },
        extra: { env: { FOO: 'yes', CARGO_HOME: 'nope' }, mounts: [{ source: '/v', target: '/v', readOnly: false }] },
      }),
    );
    assert.equal(s.env.CARGO_HOME, '/xcross/cargo');
    assert.equal(s.env.CARGO_TARGET_DIR, '/home/u/ws/target');
    assert.equal(s.env.HOME, '/tmp');
    assert.equal(s.env.FOO, 'yes');
    assert.ok(s.mounts.some((m) => m.source === '/v'));
  });

  test('cargo colours when our stderr is a terminal, unless the user says otherwise', () => {
    assert.equal(planCargo(input({ host: { ...host, stderrIsTTY: true } })).env.CARGO_TERM_COLOR, 'always');
    assert.equal(
      planCargo(input({ host: { ...host, stderrIsTTY: true, env: { CARGO_TERM_COLOR: 'never' } } })).env
        .CARGO_TERM_COLOR,
      'never',
    );
    assert.equal(planCargo(input()).env.CARGO_TERM_COLOR, undefined);
    // NO_COLOR (not empty) leaves colour off and reaches cargo; an empty one does not count.
    const noColor = planCargo(input({ host: { ...host, stderrIsTTY: true, env: { NO_COLOR: '1' } } })).env;
    assert.deepEqual([noColor.CARGO_TERM_COLOR, noColor.NO_COLOR], [undefined, '1']);
    assert.equal(
      planCargo(input({ host: { ...host, stderrIsTTY: true, env: { NO_COLOR: '' } } })).env.CARGO_TERM_COLOR,
      'always',
    );
    // The user's CARGO_TERM_COLOR reaches cargo even without a terminal (e.g. always, for a CI log).
    assert.equal(
      planCargo(input({ host: { ...host, env: { CARGO_TERM_COLOR: 'always' } } })).env.CARGO_TERM_COLOR,
      'always',
    );
  });
});

describe('the rest of the spec', () => {
  test('command, labels, owner, name, image', () => {
    const s = planCargo(input());
    assert.deepEqual(s.command, ['cargo', 'build', '--target', 'aarch64-unknown-linux-gnu']);
    assert.deepEqual(s.labels, {
      'io.xcross.managed': 'true',
      'io.xcross.target': 'aarch64-unknown-linux-gnu',
      'io.xcross.workspace': '/home/u/ws',
    });
    assert.deepEqual(s.owner, { uid: 1000, gid: 1000 });
    assert.equal(s.name, 'xcross-build-1');
    assert.equal(s.image, 'localhost/xcross/aarch64-unknown-linux-gnu:abc');
  });

  test("workdir: our cwd when it is mounted, else the manifest's directory", () => {
    assert.equal(planCargo(input()).workdir, '/home/u/ws/crate');
    assert.equal(planCargo(input({ host: { ...host, cwd: '/elsewhere' } })).workdir, '/home/u/ws/crate');
    assert.equal(planCargo(input({ host: { ...host, cwd: '/home/u/libs/dep/src' } })).workdir, '/home/u/libs/dep/src');
  });

  test('a terminal only for interactive runs with a terminal on both ends', () => {
    assert.equal(
      planCargo(input({ interactive: true, host: { ...host, stdinIsTTY: true, stdoutIsTTY: true } })).tty,
      true,
    );
    assert.equal(
      planCargo(input({ interactive: true, host: { ...host, stdinIsTTY: true, stdoutIsTTY: false } })).tty,
      false,
    );
    assert.equal(
      planCargo(input({ interactive: false, host: { ...host, stdinIsTTY: true, stdoutIsTTY: true } })).tty,
      false,
    );
    assert.equal(planCargo(input({ interactive: true })).interactive, true);
  });
});

describe('shell', () => {
  const TOOLS = ['CC', 'CXX', 'AR', 'RANLIB', 'STRIP'];

  test('a shell has plain CC, CXX, AR, RANLIB and STRIP for the target; a build has none of them', () => {
    const { cargoArgs: _a, interactive: _i, ...base } = input();
    const shell = planShell(base, ['sh', '-c', '$CC t.c']);
    assert.deepEqual(
      TOOLS.map((k) => shell.env[k]),
      [
        'aarch64-linux-gnu-gcc',
        'aarch64-linux-gnu-g++',
        'aarch64-linux-gnu-ar',
        'aarch64-linux-gnu-ranlib',
        'aarch64-linux-gnu-strip',
      ],
    );
    assert.deepEqual(shell.command, ['sh', '-c', '$CC t.c']);
    const build = planCargo(input({ host: { ...host, env: { CC: 'host-cc' } } }));
    assert.deepEqual(
      TOOLS.filter((k) => k in build.env),
      [],
    );
  });

  test("musl: the wrappers for CC, CXX and AR; binutils' ranlib and strip of the gnu prefix", () => {
    const musl = findTarget(loadRegistry(), 'x86_64-unknown-linux-musl');
    const { cargoArgs: _a, interactive: _i, ...base } = input({ target: musl });
    const env = planShell(base, undefined).env;
    assert.deepEqual(
      TOOLS.map((k) => env[k]),
      [
        'x86_64-linux-musl-gcc',
        'x86_64-linux-musl-g++',
        'x86_64-linux-musl-ar',
        'x86_64-linux-gnu-ranlib',
        'x86_64-linux-gnu-strip',
      ],
    );
    assert.match(env.PS1, /^\[xcross x86_64-unknown-linux-musl\]/);
  });

  test('a CC the user passes through still wins in the shell', () => {
    const { cargoArgs: _a, interactive: _i, ...base } = input({ extra: { env: { CC: 'my-cc' }, mounts: [] } });
    assert.equal(planShell(base, undefined).env.CC, 'my-cc');
  });
});
