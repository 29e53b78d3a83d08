// Hostile paths on real podman: a workspace whose path has spaces, quotes, `$`, unicode and a leading
// dash; a symlinked workspace; a target dir outside the workspace; Cross.toml volumes at /, at the
// home directory and at a missing path. Each builds and tests, or ends in one sentence and a fix.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixturesInto, ensureTargetImages, type Result, tail, xcross } from './harness';

const T = 'x86_64-unknown-linux-gnu';
// The CLI runtime, whose `-v host:container:opts` is where odd paths bite (the REST runtime sends JSON);
// also, a podman service another test on this machine stops must not decide these outcomes.
const RUNTIME = { XCROSS_RUNTIME: 'podman' };
const HOSTILE = `-dash $HOME 'q' "dq" ünï`;

function mk(p: string): string {
  fs.mkdirSync(p, { recursive: true });
  return p;
}

/** Worked, or failed with one `xcross: error:` sentence, a fix, and no stack trace. */
function worksOrOneSentence(r: Result, what: string): 'works' | string {
  if (r.code === 0) return 'works';
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: a stack trace\n${tail(r.stderr)}`);
  assert.doesNotMatch(r.stderr, /internal error/, `${what}\n${tail(r.stderr)}`);
  const error = /^xcross: error: (.+)$/m.exec(r.stderr);
  assert.ok(error, `${what}: no xcross error line\n${tail(r.stderr)}`);
  assert.match(r.stderr, /^xcross: fix: .+$/m, `${what}: no fix\n${tail(r.stderr)}`);
  return error[1];
}

async function buildAndTest(crate: string, env: Record<string, string> = {}, cwd = crate): Promise<[Result, Result]> {
  const build = await xcross(['build', '--target', T], { cwd, env: { ...RUNTIME, ...env }, timeoutMs: 900_000 });
  const test = await xcross(['test', '--target', T], { cwd, env: { ...RUNTIME, ...env }, timeoutMs: 900_000 });
  return [build, test];
}

describe('hostile paths', () => {
  let dir: string;
  before(async () => {
    await ensureTargetImages([T]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-paths-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(`a workspace under ${HOSTILE} builds and tests`, async () => {
    const crate = copyFixturesInto(mk(path.join(dir, HOSTILE, 'ws')));
    const [build, t] = await buildAndTest(crate);
    assert.equal(build.code, 0, tail(build.stderr));
    assert.equal(t.code, 0, tail(t.stderr));
    assert.ok(fs.existsSync(path.join(crate, 'target', T, 'debug', 'hello-xcross')));
  });

  test('a workspace under a:b mounts (cargo itself then refuses the colon); under a:b,c it is one sentence', async () => {
    const colon = copyFixturesInto(mk(path.join(dir, 'a:b')));
    const shell = await xcross(['shell', '--target', T, '--', 'ls', 'Cargo.toml'], {
      cwd: colon,
      env: RUNTIME,
      timeoutMs: 300_000,
    });
    assert.equal(shell.code, 0, tail(shell.stderr));
    const build = await xcross(['build', '--target', T], { cwd: colon, env: RUNTIME, timeoutMs: 900_000 });
    assert.match(build.stderr, /path segment contains separator `:`/, "cargo's own refusal, as on the host");
    const both = copyFixturesInto(mk(path.join(dir, 'a:b,c')));
    const [b, t] = await buildAndTest(both);
    for (const r of [b, t])
      assert.match(
        worksOrOneSentence(r, 'a:b,c'),
        /has both ':' and ',' in its path, which the engine's command line cannot mount$/,
      );
  });

  test('a workspace reached through a symlink builds and tests', async () => {
    const real = mk(path.join(dir, 'real'));
    copyFixturesInto(real);
    fs.symlinkSync(real, path.join(dir, 'link'));
    const [build, t] = await buildAndTest(path.join(dir, 'link', 'hello-xcross'));
    assert.equal(build.code, 0, tail(build.stderr));
    assert.equal(t.code, 0, tail(t.stderr));
  });

  test('CARGO_TARGET_DIR outside the workspace gets the build', async () => {
    const crate = copyFixturesInto(mk(path.join(dir, 'outside')));
    const target = path.join(dir, 'elsewhere', 'target dir');
    const [build, t] = await buildAndTest(crate, { CARGO_TARGET_DIR: target });
    assert.equal(build.code, 0, tail(build.stderr));
    assert.equal(t.code, 0, tail(t.stderr));
    assert.ok(fs.existsSync(path.join(target, T, 'debug', 'hello-xcross')));
    assert.equal(fs.existsSync(path.join(crate, 'target')), false);
  });

  // What each should end in: 'works', or the sentence.
  const volumes: [string, () => string, RegExp | 'works'][] = [
    ['/', () => '/', /^env\.volumes would mount \/ \(XC_VOL\) over the image's own \/$/],
    ['the home directory', () => os.homedir(), 'works'],
    [
      'a missing path',
      () => path.join(dir, 'no', 'such', 'dir'),
      /^env\.volumes names XC_VOL='.*\/no\/such\/dir', which does not exist$/,
    ],
  ];
  for (const [name, where, want] of volumes) {
    test(`a Cross.toml volume at ${name} works or is one sentence`, async (t) => {
      const crate = copyFixturesInto(
        fs.mkdirSync(path.join(dir, `vol-${name.replace(/\W+/g, '-')}`), { recursive: true })!,
      );
      fs.writeFileSync(path.join(crate, 'Cross.toml'), `[build.env]\nvolumes = ["XC_VOL=${where()}"]\n`);
      const [build, test] = await buildAndTest(crate);
      const outcome = [worksOrOneSentence(build, 'build'), worksOrOneSentence(test, 'test')];
      t.diagnostic(`volume at ${name}: build ${outcome[0]}; test ${outcome[1]}`);
      for (const o of outcome)
        if (want === 'works') assert.equal(o, 'works');
        else assert.match(o, want);
    });
  }
});
