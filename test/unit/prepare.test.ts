// The build flow (commands/prepare.ts, then run-container.ts, and --gdb's look at the image) without an
// engine: a fake runtime and fake image makers record what xcross asks for, in a real crate with a real
// Cross.toml.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { parseCargoInvocation } from '../../src/cli/cargo-args';
import { planBase, prepare, REAL_DEPS, type PrepareDeps } from '../../src/commands/prepare';
import { runContainer } from '../../src/commands/run-container';
import { NATIVE_PROBE, qemuDebugOptions } from '../../src/commands/qemu-debug';
import { XcrossError } from '../../src/base/errors';
import { planCargo } from '../../src/plan/cargo-spec';
import { readSettings } from '../../src/settings';
import { rustImageRef, targetImageRef } from '../../src/images/tag';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import type { Runtime, RunResult } from '../../runtimes/runtime';
import type { ContainerSpec } from '../../runtimes/spec';
import { fakeHost, recordingLogger, tempDir, writeTree } from './helpers';

const T = 'aarch64-unknown-linux-gnu';

/**
 * An engine that has the images in `images` (ref → ID) and runs a container only when its image is
 * there; the container's exit code is `codeOf`'s (0 by default).
 */
function fakeRuntime(
  images: Map<string, string>,
  calls: string[],
  codeOf: (spec: ContainerSpec) => number = () => 0,
): Runtime {
  return {
    name: 'fake',
    describe: () => 'fake engine',
    imageExists: async (ref) => images.has(ref),
    imageId: async (ref) => images.get(ref),
    run: async (spec: ContainerSpec): Promise<RunResult> => {
      calls.push(`run ${spec.image}`);
      return images.has(spec.image) ? { code: codeOf(spec) } : { code: 125, imageMissing: true };
    },
  } as Partial<Runtime> as Runtime;
}

function world(
  crossToml?: string,
  env: Record<string, string> = {},
  codeOf: (spec: ContainerSpec) => number = () => 0,
) {
  const crate = tempDir();
  writeTree(crate, {
    'Cargo.toml': '[package]\nname = "c"\nversion = "0.1.0"\n',
    'src/main.rs': 'fn main() {}\n',
    ...(crossToml ? { 'Cross.toml': crossToml } : {}),
  });
  const home = tempDir();
  const host = fakeHost(crate, home, { PATH: '/nonexistent', ...env });
  const log = recordingLogger();
  const settings = { ...readSettings(host, { verbose: 0, crate: 'required' }), log };
  const images = new Map<string, string>();
  const calls: string[] = [];
  const runtime = fakeRuntime(images, calls, codeOf);
  const made = (ref: string) => {
    images.set(ref, `sha256:${ref.length}`);
  };
  const deps: PrepareDeps = {
    ...REAL_DEPS,
    selectToolchain: async () => ({ source: 'image', rustc: '1.96.0', why: '--toolchain-source image' }),
    createRuntime: async (requested) => {
      calls.push(`engine ${requested ?? '(detect)'}`);
      return runtime;
    },
    ensureTargetImage: async (o) => {
      calls.push(`ensure target ${o.target.triple}`);
      made(targetImageRef(o.registry.base, o.target));
      return targetImageRef(o.registry.base, o.target);
    },
    ensureRustImage: async (o) => {
      calls.push('ensure rust');
      made(rustImageRef(o.registry.base, o.registry.rust));
      return rustImageRef(o.registry.base, o.registry.rust);
    },
    ensureUserImage: async (_r, ref) => {
      calls.push(`ensure user ${ref}`);
      made(ref);
    },
    ensureCustomImage: async (_o, plan) => {
      calls.push(`ensure custom ${plan.ref} (${plan.describe})`);
      made(plan.ref);
    },
    planCustomImage: (i) => ({
      ref: `localhost/xcross/custom-${i.target.triple}:${i.baseId.length}`,
      builds: [],
      tempDirs: [],
      describe: i.preBuild ? 'pre-build' : 'dockerfile',
      cacheLabels: {},
    }),
    isDir: () => false,
    mkdir: (dir) => {
      calls.push(`mkdir ${dir.startsWith(crate) ? path.relative(crate, dir) : dir}`);
    },
  };
  const run = async (argv: string[], requireRust = true, more: Partial<PrepareDeps> = {}) => {
    const inv = parseCargoInvocation(argv)!;
    const p = await prepare(inv, settings, requireRust, undefined, { ...deps, ...more });
    const spec = planCargo({ ...planBase(p, 'test', {}), cargoArgs: ['build'], interactive: false });
    return { p, code: await runContainer(p, spec) };
  };
  /** prepare, then qemuDebugOptions, as `xcross run` does. */
  const debug = async (argv: string[]) => {
    const inv = parseCargoInvocation(argv)!;
    return qemuDebugOptions(inv, await prepare(inv, settings, true, undefined, deps));
  };
  return { crate, host, log, images, calls, run, made, debug };
}

describe('prepare, with fakes for the engine and the image makers', () => {
  test('the image is here: the container runs, nothing is built, the target dir and a cargo home are made', async () => {
    const w = world();
    const registry = loadRegistry();
    w.made(targetImageRef(registry.base, findTarget(registry, T)));
    const { p, code } = await w.run(['build', '--target', T]);
    assert.equal(code, 0);
    assert.equal(p.target.triple, T);
    assert.match(p.image, /^localhost\/xcross\/aarch64-unknown-linux-gnu:[0-9a-f]{12}$/);
    assert.deepEqual(w.calls, [
      'engine (detect)',
      'mkdir target',
      `mkdir ${path.join(w.host.cacheDir, 'cargo-home')}`,
      `run ${p.image}`,
    ]);
  });

  test('the image is missing: the run reports it, the target image is made once, the run is repeated', async () => {
    const w = world();
    const { p, code } = await w.run(['build', '--target', T]);
    assert.equal(code, 0);
    assert.deepEqual(
      w.calls.filter((c) => !c.startsWith('mkdir')),
      ['engine (detect)', `run ${p.image}`, `ensure target ${T}`, `run ${p.image}`],
    );
  });

  test('Cross.toml names an image: that one is run, and only ever pulled (ensureUserImage), never built as a target image', async () => {
    const w = world(`[target.${T}]\nimage = "ghcr.io/me/aarch64:1"\n`);
    const { p } = await w.run(['build', '--target', T]);
    assert.equal(p.image, 'ghcr.io/me/aarch64:1');
    assert.deepEqual(
      w.calls.filter((c) => !c.startsWith('mkdir')),
      ['engine (detect)', 'run ghcr.io/me/aarch64:1', 'ensure user ghcr.io/me/aarch64:1', 'run ghcr.io/me/aarch64:1'],
    );
  });

  test('pre-build: the base image is made first (its ID goes into the custom tag), then the custom image, which is what runs', async () => {
    const w = world(`[target.${T}]\npre-build = ["apt-get install -y libfoo-dev"]\n`);
    const { p, code } = await w.run(['build', '--target', T]);
    assert.equal(code, 0);
    assert.match(p.image, /^localhost\/xcross\/custom-aarch64-unknown-linux-gnu:\d+$/);
    const calls = w.calls.filter((c) => !c.startsWith('mkdir'));
    assert.deepEqual(calls, [
      'engine (detect)',
      `ensure target ${T}`,
      `ensure custom ${p.image} (pre-build)`,
      `run ${p.image}`,
    ]);
  });

  test("a triple rustc knows and the registry lacks, with Cross.toml's dockerfile: built FROM the Rust toolchain's image, run with the image's runner", async () => {
    const U = 'armv7-unknown-linux-gnueabi';
    const w = world(`[target.${U}]\ndockerfile = "Containerfile"\nbuild-std = true\n`);
    const { p, code } = await w.run(['build', '--target', U]);
    assert.equal(code, 0);
    assert.deepEqual(p.target.custom, { via: 'dockerfile' });
    assert.equal(p.target.runner.kind, 'image');
    assert.equal(p.target.glibc, undefined);
    assert.deepEqual(p.applied.buildStd, []);
    assert.match(p.image, /^localhost\/xcross\/custom-armv7-unknown-linux-gnueabi:\d+$/);
    assert.deepEqual(
      w.calls.filter((c) => !c.startsWith('mkdir')),
      ['engine (detect)', 'ensure rust', `ensure custom ${p.image} (dockerfile)`, `run ${p.image}`],
    );
    // A floor needs xcross's own image: refused when asked for this target, ignored with a warning from the environment.
    await assert.rejects(w.run(['build', '--target', U, '--glibc', '2.31']), /glibc floor .* needs xcross's own image/);
    const fromEnv = world(`[target.${U}]\nimage = "ghcr.io/me/armv7:1"\n`, { XCROSS_GLIBC: '2.31' });
    const r = await fromEnv.run(['build', '--target', U]);
    assert.deepEqual(r.p.target.custom, { via: 'image' });
    assert.equal(r.p.image, 'ghcr.io/me/armv7:1');
    assert.ok(
      fromEnv.log.lines.some((l) => /glibc 2\.31 from XCROSS_GLIBC ignored/.test(l)),
      fromEnv.log.lines.join('\n'),
    );
  });

  test('a triple the registry lacks and Cross.toml gives no image: unknown, with the way to give it one', async () => {
    const w = world();
    await assert.rejects(w.run(['build', '--target', 'armv7-unknown-linux-gnueabi']), (e) => {
      assert.ok(e instanceof XcrossError);
      assert.match(e.message, /^unknown target 'armv7-unknown-linux-gnueabi'/);
      assert.match(e.fix ?? '', /\[target\.armv7-unknown-linux-gnueabi\] dockerfile = .* build-std = true/);
      return true;
    });
    const odd = world(`[target."not a triple"]\nimage = "x"\n`);
    await assert.rejects(odd.run(['build', '--target', 'not a triple']), /is not a target triple/);
  });

  test("the engine: Cross.toml's [xcross] runtime, under XCROSS_RUNTIME, under --runtime", async () => {
    const toml = '[xcross]\nruntime = "podman-api"\n';
    const engine = async (w: ReturnType<typeof world>, argv: string[]) => {
      await w.run(argv);
      return w.calls.find((c) => c.startsWith('engine '));
    };
    assert.equal(await engine(world(toml), ['build', '--target', T]), 'engine podman-api');
    assert.equal(await engine(world(toml, { XCROSS_RUNTIME: 'docker' }), ['build', '--target', T]), 'engine docker');
    assert.equal(
      await engine(world(toml, { XCROSS_RUNTIME: 'docker' }), ['build', '--target', T, '--runtime', 'nerdctl']),
      'engine nerdctl',
    );
  });

  test("no Rust toolchain for the target: a shell goes on with the image's tools, a build stops with the reason", async () => {
    const w = world();
    const none = new XcrossError('no std for it');
    const deps = {
      selectToolchain: async () => {
        throw none;
      },
    };
    const inv = parseCargoInvocation(['build', '--target', T])!;
    const settings = { ...readSettings(w.host, { verbose: 0, crate: 'required' }), log: w.log };
    const base: PrepareDeps = {
      ...REAL_DEPS,
      createRuntime: async () => fakeRuntime(w.images, w.calls),
      isDir: () => false,
      mkdir: () => {},
    };
    const shell = await prepare(inv, settings, false, undefined, { ...base, ...deps });
    assert.deepEqual(shell.toolchain, { source: 'image', rustc: shell.target.pins.rustc, why: 'no std for it' });
    await assert.rejects(prepare(inv, settings, true, undefined, { ...base, ...deps }), (e) => e === none);
  });

  test('CARGO_TARGET_DIR places the target dir; a host CARGO_HOME that exists is shared', async () => {
    const w = world(undefined, { CARGO_TARGET_DIR: 'out' });
    const inv = parseCargoInvocation(['build', '--target', T])!;
    const settings = { ...readSettings(w.host, { verbose: 0, crate: 'required' }), log: w.log };
    const dirs: string[] = [];
    const p = await prepare(inv, settings, true, undefined, {
      ...REAL_DEPS,
      selectToolchain: async () => ({ source: 'image', rustc: '1', why: 'x' }),
      createRuntime: async () => fakeRuntime(w.images, w.calls),
      isDir: (d) => d === path.join(w.host.home, '.cargo'),
      mkdir: (d) => {
        dirs.push(d);
      },
    });
    assert.equal(p.targetDir, path.join(w.crate, 'out'));
    assert.equal(p.cargoHome, path.join(w.host.home, '.cargo'));
    assert.deepEqual(dirs, [path.join(w.crate, 'out'), path.join(w.host.home, '.cargo')]);
  });
});

test('a target dir xcross cannot make (a read-only workspace) is one sentence with a fix', async () => {
  const w = world();
  const registry = loadRegistry();
  w.made(targetImageRef(registry.base, findTarget(registry, T)));
  const readOnly = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  await assert.rejects(
    w.run(['build', '--target', T], true, {
      mkdir: () => {
        throw readOnly;
      },
    }),
    (e: unknown) =>
      e instanceof XcrossError &&
      /^cannot make '.*target' \(EACCES\)$/.test(e.message) &&
      /CARGO_TARGET_DIR/.test(e.fix ?? ''),
  );
});

describe('--gdb PORT: refused only where xcross-runner starts the program without qemu (the fake host is x86_64)', () => {
  const freePort = async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    return String(port);
  };
  /** What the container ran, when it ran the native-probe. */
  const probed = (spec: ContainerSpec) => spec.command.join(' ').includes(NATIVE_PROBE);
  const I686 = 'i686-unknown-linux-gnu';

  test("i686 where this kernel cannot run i386 programs (the image's native-probe fails): qemu-i386's gdb stub, so --gdb works", async () => {
    const seen: ContainerSpec[] = [];
    const w = world(undefined, {}, (spec) => {
      seen.push(spec);
      return probed(spec) ? 126 : 0;
    });
    const port = await freePort();
    const d = await w.debug(['run', '--target', I686, '--gdb', port]);
    assert.deepEqual(d, { env: { QEMU_GDB: port }, ports: [Number(port)] });
    // The probe ran in the target's image (made first, since it was missing), with no terminal.
    assert.equal(seen.length, 1);
    assert.match(seen[0].image, /^localhost\/xcross\/i686-unknown-linux-gnu:/);
    assert.ok(probed(seen[0]), seen[0].command.join(' '));
    assert.equal(seen[0].tty, false);
    assert.ok(w.calls.includes(`ensure target ${I686}`), w.calls.join('\n'));
  });

  test('i686 where this kernel runs i386 programs (the probe exits 0): refused, and why', async () => {
    const w = world(undefined, {}, (spec) => (probed(spec) ? 0 : 1));
    await assert.rejects(
      w.debug(['run', '--target', I686, '--gdb', await freePort()]),
      (e: unknown) =>
        e instanceof XcrossError &&
        e.message ===
          "--gdb works through qemu's gdb stub, and i686-unknown-linux-gnu runs natively here without qemu (this x86_64 kernel runs i386 programs itself)",
    );
  });

  test('the host\'s own CPU is never probed: x86_64 refused; aarch64 goes through qemu; runner = "native" refused', async () => {
    const w = world(undefined, {}, () => {
      throw new Error('no container may run');
    });
    await assert.rejects(
      w.debug(['run', '--target', 'x86_64-unknown-linux-gnu', '--gdb', await freePort()]),
      /^XcrossError: --gdb works through qemu's gdb stub, and x86_64-unknown-linux-gnu runs natively here without qemu$/,
    );
    const port = await freePort();
    assert.deepEqual((await w.debug(['run', '--target', T, '--gdb', port])).env, { QEMU_GDB: port });
    const native = world(`[target.${T}]\nrunner = "native"\n`, {}, () => {
      throw new Error('no container may run');
    });
    await assert.rejects(
      native.debug(['run', '--target', T, '--gdb', await freePort()]),
      /runs natively here without qemu \(Cross\.toml says runner = "native"\)$/,
    );
  });
});
