// Which rustc builds: the host's rustup toolchain when it has the target's std, else the image's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findHostToolchain, hasTargetStd } from '../../src/toolchain/rustup-home';
import { selectToolchain } from '../../src/toolchain/select';
import { findTarget, loadRegistry, type TargetSpec } from '../../src/targets/registry';
import type { Host } from '../../src/host';
import { XcrossError } from '../../src/base/errors';
import { fakeHost as hostIn, recordingLogger, tempDir, writeTree } from './helpers';

const H = 'x86_64-unknown-linux-gnu';
const A = 'aarch64-unknown-linux-gnu';
const registry = loadRegistry();

function fakeHost(): { host: Host; home: string; ws: string } {
  const home = tempDir();
  const empty = tempDir();
  writeTree(home, {
    '.rustup/settings.toml': `default_toolchain = "stable-${H}"\n`,
    [`.rustup/toolchains/stable-${H}/bin/rustc`]: '',
    [`.rustup/toolchains/stable-${H}/lib/rustlib/${H}/lib/libstd.rlib`]: '',
    [`.rustup/toolchains/nightly-${H}/bin/rustc`]: '',
    [`.rustup/toolchains/nightly-${H}/lib/rustlib/${A}/lib/libstd.rlib`]: '',
  });
  const ws = path.join(home, 'ws');
  fs.mkdirSync(ws);
  const host = hostIn(ws, home, { HOME: home, PATH: empty, CARGO_HOME: empty }, path.join(home, '.cache/xcross'));
  return { host, home, ws };
}

describe('the host toolchain', () => {
  test('rustup default, then rust-toolchain.toml, then RUSTUP_TOOLCHAIN, then +name', () => {
    const { host, ws } = fakeHost();
    const name = (h: Host, explicit?: string) => {
      const t = findHostToolchain(h, ws, explicit, H);
      return typeof t === 'string' ? t : `${t.name} (${t.from})`;
    };
    assert.equal(name(host), `stable-${H} (rustup default)`);
    writeTree(ws, { 'rust-toolchain.toml': '[toolchain]\nchannel = "nightly"\n' });
    assert.equal(name(host), `nightly-${H} (${path.join(ws, 'rust-toolchain.toml')})`);
    assert.equal(name({ ...host, env: { ...host.env, RUSTUP_TOOLCHAIN: 'stable' } }), `stable-${H} (RUSTUP_TOOLCHAIN)`);
    assert.equal(name(host, 'stable'), `stable-${H} (+stable)`);
    assert.equal(name(host, 'beta'), `rustup toolchain 'beta' (from +beta) is not installed`);
    assert.match(
      name({ ...host, env: { ...host.env, RUSTUP_HOME: '/nonexistent' } }),
      /^no rustup toolchains in \/nonexistent/,
    );
  });

  test('which target stds a toolchain has', () => {
    const { host, ws } = fakeHost();
    const stable = findHostToolchain(host, ws, 'stable', H);
    assert.ok(typeof stable !== 'string');
    assert.equal(hasTargetStd(stable, H), true);
    assert.equal(hasTargetStd(stable, A), false);
  });
});

describe('choosing', () => {
  const aarch64 = findTarget(registry, A);
  const req = (host: Host, ws: string, over: Partial<Parameters<typeof selectToolchain>[0]> = {}) =>
    selectToolchain({
      host,
      target: aarch64,
      source: 'auto',
      workspaceRoot: ws,
      hostTriple: H,
      log: recordingLogger(),
      ...over,
    });

  test('host when it has the std', async () => {
    const { host, ws } = fakeHost();
    const t = await req(host, ws, { explicit: 'nightly' });
    assert.equal(t.source, 'host');
  });

  test("musl: the image's own std by default; the host's rustup std with --toolchain-source host", async () => {
    const { host, home, ws } = fakeHost();
    const musl = findTarget(registry, 'x86_64-unknown-linux-musl');
    assert.equal((await req(host, ws, { target: musl })).source, 'image');
    await assert.rejects(req(host, ws, { target: musl, source: 'host' }), /cannot use the host toolchain/);
    writeTree(home, { [`.rustup/toolchains/stable-${H}/lib/rustlib/${musl.triple}/lib/libstd.rlib`]: '' });
    const t = await req(host, ws, { target: musl, source: 'host' });
    assert.deepEqual([t.source, t.why], ['host', `host toolchain stable-${H} has the ${musl.triple} std`]);
  });

  test('image when the host has no std and no rustup to add it, with the reason', async () => {
    const { host, ws } = fakeHost();
    const t = await req(host, ws);
    assert.deepEqual(t, {
      source: 'image',
      rustc: aarch64.pins.rustc,
      why: `host toolchain stable-${H} has no std for ${A} and rustup is not on PATH to add it`,
    });
  });

  test('forced host that cannot serve, or +toolchain with source image: errors', async () => {
    const { host, ws } = fakeHost();
    await assert.rejects(
      req(host, ws, { source: 'host' }),
      (e: unknown) => e instanceof XcrossError && /cannot use the host toolchain for aarch64/.test(e.message),
    );
    await assert.rejects(
      req(host, ws, { source: 'image', explicit: 'nightly' }),
      /\+nightly names a host toolchain, but --toolchain-source is image/,
    );
    await assert.rejects(req(host, ws, { explicit: 'stable' }), /cannot use the host toolchain/);
  });

  test('a target whose image carries no Rust std says why it cannot build, and what gets one', async () => {
    const { host, ws } = fakeHost();
    // No target of the registry has std = "host" now: a musl row as it was before its std was built.
    const musl: TargetSpec = { ...findTarget(registry, 'x86_64-unknown-linux-musl'), std: { kind: 'host' } };
    await assert.rejects(
      req(host, ws, { target: musl }),
      (e: unknown) =>
        e instanceof XcrossError &&
        /^cannot build Rust for x86_64-unknown-linux-musl: Debian ships no Rust std for it, .* run `rustup target add x86_64-unknown-linux-musl` with network access, then build again$/.test(
          e.message,
        ) &&
        /xcross shell --target x86_64-unknown-linux-musl/.test(e.fix ?? ''),
    );
    // Cross.toml's build-std: the image's rustc builds the std from its vendored sources, no nightly.
    const t = await req(host, ws, { target: musl, buildStd: true });
    assert.equal(t.source, 'image');
    assert.match(t.why, /build-std/);
  });

  test('a failed rustup target add is remembered for an hour', async () => {
    const { host, ws } = fakeHost();
    const bin = tempDir();
    writeTree(bin, { rustup: '#!/bin/sh\necho "error: could not download" >&2\nexit 1\n' });
    fs.chmodSync(path.join(bin, 'rustup'), 0o755);
    const h = { ...host, env: { ...host.env, PATH: bin } };
    const first = await req(h, ws);
    assert.match(first.why, /rustup could not add it \(error: could not download\)/);
    const second = await req(h, ws);
    assert.match(second.why, /rustup could not add it within the last hour/);
  });
});

test('CROSS_CUSTOM_TOOLCHAIN: rustup is not asked to add the target', async () => {
  const { host, ws } = fakeHost();
  const bin = tempDir();
  writeTree(bin, { rustup: '#!/bin/sh\ntouch "$(dirname "$0")/was-called"\nexit 1\n' });
  fs.chmodSync(path.join(bin, 'rustup'), 0o755);
  const t = await selectToolchain({
    host: { ...host, env: { ...host.env, PATH: bin, CROSS_CUSTOM_TOOLCHAIN: '1' } },
    target: findTarget(registry, A),
    source: 'auto',
    workspaceRoot: ws,
    hostTriple: H,
    log: recordingLogger(),
  });
  assert.equal(t.source, 'image');
  assert.match(t.why, /CROSS_CUSTOM_TOOLCHAIN says rustup must not change it/);
  assert.equal(fs.existsSync(path.join(bin, 'was-called')), false);
});
