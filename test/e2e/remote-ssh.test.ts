// An engine on another machine over ssh, all real: Debian's sshd on a loopback port, run by the user
// <test user>-remote, whose rootless podman cannot see this user's workspace (0700 folders both ways).
// CONTAINER_HOST=ssh://...: the image gets there through `xcross image load` over the connection, and
// build, run and test of the example crate work, the build's binary coming back here; a second build
// after one edit sends that one file; `xcross volumes` lists and removes what was left there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyFixtures, elfMachine, ensureTargetImages, tail, xcross, type Result } from './harness';
import { sshRemoteMissing, startSshRemote, type SshRemote } from './ssh-remote';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { targetImageRef } from '../../src/images/tag';

const T = 'x86_64-unknown-linux-gnu';
const registry = loadRegistry();
const REF = targetImageRef(registry.base, findTarget(registry, T));
const skip = sshRemoteMissing();

describe(
  'an engine over ssh that cannot see the workspace',
  { skip: skip && `SKIPPED, a precondition is missing: ${skip}` },
  () => {
    let remote: SshRemote;
    let crate: string;
    let dir: string;
    const env = () => ({ CONTAINER_HOST: remote.containerHost, CONTAINER_SSHKEY: remote.key });
    const run = (args: string[], timeoutMs = 600_000): Promise<Result> =>
      xcross(args, { cwd: crate, env: env(), timeoutMs });
    const remoteContainers = () =>
      remote
        .as(['podman', 'ps', '-a', '--filter', 'label=io.xcross.managed', '--format', '{{.Names}}'])
        .stdout.split('\n')
        .filter(Boolean);

    before(async () => {
      remote = await startSshRemote();
      ({ dir, crate } = copyFixtures());
      if (remote.as(['podman', 'image', 'exists', REF]).code !== 0) {
        // Here first (earlier tests built it), then there through the ssh connection.
        await ensureTargetImages([T]);
        const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-ssh-img-')), 'x86_64.tar');
        const saved = await xcross(['image', 'save', '-o', archive, '--target', T], { cwd: dir });
        assert.equal(saved.code, 0, tail(saved.stderr));
        const loaded = await xcross(['image', 'load', archive], { cwd: dir, env: env() });
        fs.rmSync(path.dirname(archive), { recursive: true, force: true });
        assert.equal(loaded.code, 0, tail(loaded.stderr));
        process.stderr.write(`remote-ssh: xcross image load over ssh took ${loaded.ms} ms\n`);
        assert.equal(
          remote.as(['podman', 'image', 'exists', REF]).code,
          0,
          'the image is on the remote after the load',
        );
      }
    });

    after(async () => {
      if (remote) {
        if (crate) await run(['volumes', 'rm', '--all']);
        await remote.stop();
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test('the remote user cannot read the workspace', () => {
      assert.notEqual(remote.as(['ls', crate]).code, 0);
    });

    test('doctor and image list go through the same connection', async () => {
      const d = await run(['doctor', '--json']);
      const checks = (JSON.parse(d.stdout) as { checks: { id: string; status: string; message: string }[] }).checks;
      const engine = checks.find((c) => c.id === 'engine')!;
      assert.equal(engine.status, 'ok', engine.message);
      assert.match(engine.message, new RegExp(`on ${remote.user}@127\\.0\\.0\\.1 over ssh \\(CONTAINER_HOST`));
      assert.equal(checks.find((c) => c.id === `image:${T}`)?.status, 'ok');
      const list = await run(['image', 'list', '--json']);
      assert.equal(list.code, 0, tail(list.stderr));
      assert.ok((JSON.parse(list.stdout) as { images: { name: string }[] }).images.some((i) => i.name === REF));
    });

    test('build: synced to volumes there, says why, and the binary comes back here', async () => {
      const r = await run(['build', '--target', T, '-v']);
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /runtime: podman-api, because the engine is over ssh/);
      assert.match(
        r.stderr,
        /mounts: synced to volumes on \S+@127\.0\.0\.1, because the engine there does not see the workspace: it cannot mount .*(permission denied|no such file)/i,
      );
      const bin = path.join(crate, 'target', T, 'debug', 'hello-xcross');
      assert.equal(elfMachine(bin), 62);
      const out = spawnSync(bin, [], { encoding: 'utf8' });
      assert.match(out.stdout, /^hello from x86_64$/m);
      assert.ok(fs.existsSync(path.join(crate, 'Cargo.lock')));
      assert.deepEqual(remoteContainers(), [], 'no container is left on the remote');
    });

    test('a second build after one edit sends that file alone', async () => {
      const main = path.join(crate, 'src', 'main.rs');
      fs.writeFileSync(
        main,
        fs.readFileSync(main, 'utf8').replace('println!("{}", xcross_util', 'println!("edited: {}", xcross_util'),
      );
      const r = await run(['build', '--target', T, '-v']);
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /sync: workspace \S+ → volume \S+: sent 1 file\(s\), \d+ bytes \(src\/main\.rs\)/);
      assert.match(r.stderr, /sync: sent 1 file\(s\), \d+ bytes, in \d+ ms/);
      const out = spawnSync(path.join(crate, 'target', T, 'debug', 'hello-xcross'), [], { encoding: 'utf8' });
      assert.match(out.stdout, /^edited: hello from x86_64$/m, 'the rebuilt binary came back');
    });

    test('a deleted file is removed there; --copy-back target-dir brings the whole target directory', async () => {
      const extra = path.join(crate, 'notes.txt');
      fs.writeFileSync(extra, 'scratch');
      assert.equal((await run(['build', '--target', T])).code, 0);
      fs.rmSync(extra);
      const r = await run(['build', '--target', T, '--copy-back', 'target-dir', '-v']);
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /sync: removed \S+\/notes\.txt/);
      assert.match(r.stderr, /sync: brought back the target directory: \d+ file\(s\)/);
      const deps = fs.readdirSync(path.join(crate, 'target', T, 'debug', 'deps'));
      assert.ok(
        deps.some((f) => f.startsWith('libxcross_util-')),
        deps.join(' '),
      );
    });

    test('run and test of the example there', async () => {
      const r = await run(['run', '--target', T, '--', '--exit', '3']);
      assert.equal(r.code, 3, tail(r.stderr));
      assert.match(r.stdout, /^edited: hello from x86_64$/m);
      assert.match(r.stdout, /^target=x86_64-unknown-linux-gnu c_arch=x86_64 c_mul\(6,7\)=42$/m);
      const t = await run(['test', '--target', T]);
      assert.equal(t.code, 0, tail(t.stderr));
      assert.match(t.stdout + t.stderr, /test result: ok\./);
      assert.deepEqual(remoteContainers(), []);
    });

    test('a workspace the engine does see (a shared folder) is mounted directly, and -v says why', async () => {
      const shared = copyFixtures();
      try {
        // Readable and writable by the remote user, as a shared folder is: target/ made beforehand, since
        // xcross makes it with the usual mode otherwise.
        // xcross's cache folder (the cargo home, the compile cache) is in the shared folder too, as it is
        // under a home folder podman machine shares; this user's own home is 0700 to the remote user.
        fs.mkdirSync(path.join(shared.crate, 'target'));
        fs.mkdirSync(path.join(shared.dir, 'cache'));
        spawnSync('chmod', ['-R', 'a+rwX', shared.dir]);
        const r = await xcross(['build', '--target', T, '-v'], {
          cwd: shared.crate,
          env: { ...env(), XDG_CACHE_HOME: path.join(shared.dir, 'cache') },
          timeoutMs: 600_000,
        });
        assert.equal(r.code, 0, tail(r.stderr));
        assert.match(
          r.stderr,
          /mounts: direct, because the engine on \S+@127\.0\.0\.1 sees the workspace \(its \S+Cargo\.toml is ours\)/,
        );
        assert.doesNotMatch(r.stderr, /sync: /);
        assert.equal(elfMachine(path.join(shared.crate, 'target', T, 'debug', 'hello-xcross')), 62);
      } finally {
        // target/ belongs to the remote user, as on a shared folder: it removes its files.
        remote.as(['rm', '-rf', path.join(shared.crate, 'target'), path.join(shared.dir, 'cache')]);
        fs.rmSync(shared.dir, { recursive: true, force: true });
      }
    });

    test('xcross volumes lists what was left there, and removes it', async () => {
      const l = await run(['volumes', 'list', '--json']);
      assert.equal(l.code, 0, tail(l.stderr));
      const rows = JSON.parse(l.stdout) as { name: string; role: string; source: string; mine: boolean }[];
      assert.deepEqual([...new Set(rows.filter((v) => v.mine).map((v) => v.role))].sort(), [
        'cargo-home',
        'source',
        'target',
        'workspace',
      ]);
      assert.ok(rows.some((v) => v.role === 'workspace' && v.source === crate));
      const rm = await run(['volumes', 'rm', '--all']);
      assert.equal(rm.code, 0, tail(rm.stderr));
      const again = JSON.parse((await run(['volumes', 'list', '--json'])).stdout) as { mine: boolean }[];
      assert.equal(again.filter((v) => v.mine).length, 0);
    });
  },
);
