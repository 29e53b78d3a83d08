// Cross.toml on real podman: passthrough is exact (nothing else of the host gets in, not even into
// the logs), volumes are mounted and exported, and a broken file is reported with its line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixtures, ensureTargetImages, tail, xcross } from './harness';

const T = 'aarch64-unknown-linux-gnu';

describe('Cross.toml and the environment', () => {
  let dir: string;
  let crate: string;
  // Its images, made here when missing: no earlier test file is assumed to have made them.
  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('passthrough is exact and volumes are mounted and exported', async () => {
    const vol = path.join(dir, 'shared-volume');
    fs.mkdirSync(vol);
    fs.writeFileSync(
      path.join(crate, 'Cross.toml'),
      [
        '[build]',
        `default-target = "${T}"`,
        '[build.env]',
        'passthrough = ["XC_PASSED", "XC_FIXED=fixed value"]',
        'volumes = ["XC_VOL"]',
        '',
      ].join('\n'),
    );
    const r = await xcross(['run', '-v', '--', '--print-env'], {
      cwd: crate,
      env: {
        XC_PASSED: 'from the host',
        XC_SECRET: 'top-secret-value',
        XC_VOL: vol,
        CARGO_XC_DEFAULT: 'cargo vars pass by default',
        CROSS_CONTAINER_OPTS: '--env "XC_OPTS=given to podman"',
      },
    });
    assert.equal(r.code, 0, tail(r.stderr));
    const env = new Map(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('env '))
        .map((l) => {
          const [k, ...v] = l.slice(4).split('=');
          return [k, v.join('=')];
        }),
    );
    assert.equal(env.get('XC_PASSED'), 'from the host');
    assert.equal(env.get('XC_FIXED'), 'fixed value');
    assert.equal(env.get('XC_VOL'), vol);
    assert.equal(env.get('CARGO_XC_DEFAULT'), 'cargo vars pass by default');
    assert.equal(env.get('XC_OPTS'), 'given to podman');
    assert.equal(env.has('XC_SECRET'), false);
    // Nothing of the host's other variables reached the container: only the image's, cargo's and ours.
    for (const k of env.keys()) assert.doesNotMatch(k, /^(XC_SECRET|SSH_|USER$|LOGNAME$|XDG_)/, k);
    assert.doesNotMatch(r.stderr, /top-secret-value|XC_SECRET/);
    assert.match(r.stderr, new RegExp(`-v ${vol}:${vol}:rw`));
  });

  test('a broken Cross.toml is an error naming its file and line, without a stack trace', async () => {
    fs.writeFileSync(
      path.join(crate, 'Cross.toml'),
      '[build]\ndefault-target = "x"\n[target.aarch64-unknown-linux-gnu\n',
    );
    const r = await xcross(['build', '--target', T], { cwd: crate });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^xcross: error: ${path.join(crate, 'Cross.toml')}:3:\\d+: invalid TOML`, 'm'));
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  test('a wrong type names the key and its line; unknown keys are warnings with the nearest name', async () => {
    fs.writeFileSync(
      path.join(crate, 'Cross.toml'),
      '[build.env]\npasthrough = ["A"]\n[target.aarch64-unknown-linux-gnu]\nrunner = 3\n',
    );
    const r = await xcross(['build', '--target', T], { cwd: crate });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Cross\.toml:2:1: unknown key build\.env\.pasthrough \(ignored\); did you mean passthrough\?/,
    );
    assert.match(r.stderr, /Cross\.toml:4:1: target\.aarch64-unknown-linux-gnu\.runner must be a string, not number 3/);
  });
});

describe('custom images from pre-build', () => {
  let dir: string;
  let crate: string;
  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const marker = (ref: string) =>
    spawnSync(
      'podman',
      ['run', '--rm', '--network=host', '--ulimit=nofile=1024:1024', ref, 'cat', '/etc/xcross-prebuild-marker'],
      { encoding: 'utf8' },
    );

  test(
    'the pre-build step lands in the image, is not rebuilt unchanged, and is rebuilt when changed',
    { timeout: 600_000 },
    async () => {
      const write = (word: string) =>
        fs.writeFileSync(
          path.join(crate, 'Cross.toml'),
          `[target.${T}]\npre-build = ["echo ${word}-$CROSS_TARGET-$CROSS_DEB_ARCH > /etc/xcross-prebuild-marker"]\n`,
        );
      write('first');
      const one = await xcross(['build', '--target', T, '-v'], { cwd: crate, timeoutMs: 600_000 });
      assert.equal(one.code, 0, tail(one.stderr));
      const ref = /building the custom image for pre-build \(1 command\): (\S+)/.exec(one.stderr)?.[1];
      assert.ok(ref, tail(one.stderr));
      assert.match(marker(ref).stdout, /^first-aarch64-unknown-linux-gnu-arm64$/m);

      const two = await xcross(['build', '--target', T, '-v'], { cwd: crate });
      assert.equal(two.code, 0, tail(two.stderr));
      assert.doesNotMatch(two.stderr, /building the custom image|podman build/);
      assert.match(two.stderr, new RegExp(`custom image ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is up to date`));
      process.stderr.write(`# custom image: first run ${one.ms} ms (built it), second run ${two.ms} ms (reused it)\n`);

      write('second');
      const three = await xcross(['build', '--target', T], { cwd: crate });
      assert.equal(three.code, 0, tail(three.stderr));
      const ref3 = /building the custom image for pre-build \(1 command\): (\S+)/.exec(three.stderr)?.[1];
      assert.ok(ref3 && ref3 !== ref, tail(three.stderr));
      assert.match(marker(ref3).stdout, /^second-/m);

      // The first custom image is superseded: prune removes it and keeps the current one.
      const list = await xcross(['image', 'list', '--json'], { cwd: crate });
      const images = (JSON.parse(list.stdout) as { images: { name: string; kind: string; current: boolean }[] }).images;
      assert.deepEqual(
        images
          .filter((i) => i.name === ref || i.name === ref3)
          .map((i) => [i.name, i.kind, i.current])
          .sort(),
        [
          [ref, 'custom', false],
          [ref3, 'custom', true],
        ].sort(),
      );
      const prune = await xcross(['image', 'prune'], { cwd: crate });
      assert.equal(prune.code, 0, tail(prune.stderr));
      assert.match(prune.stderr, new RegExp(`removed ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(custom`));
      assert.notEqual(spawnSync('podman', ['image', 'exists', ref]).status, 0);
      assert.equal(spawnSync('podman', ['image', 'exists', ref3]).status, 0);
      await xcross(['image', 'rm', ref3], { cwd: crate });
    },
  );
});
