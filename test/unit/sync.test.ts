// Synced mounts (an engine over ssh that cannot see the workspace): which files go, what a second run
// sends, which volume stands for which mount, which artifacts come back, and that a tar from the
// engine cannot write outside its destination.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { diffTree, emptyManifest } from '../../src/sync/manifest';
import { walk, type Tree } from '../../src/sync/tree';
import { cargoHomeFilter, parseLockfile, sourceFilter, syncedMounts, volumeName } from '../../src/sync/mounts';
import { artifactsIn, withMessages } from '../../src/sync/cargo-messages';
import { landing, safeRelative, unpackInto } from '../../src/sync/tar-io';
import { parseSshUri, sshDestination, sshEngineFromEnv } from '../../runtimes/ssh/engine-uri';
import { tunnelArgs } from '../../runtimes/ssh/tunnel';
import { cliRunArgs } from '../../runtimes/cli/run-args';
import { specGenerator } from '../../runtimes/podman-api/spec-json';
import type { ContainerSpec } from '../../runtimes/spec';

const file = (size: number, mtimeMs: number, mode = 0o644) => ({ kind: 'file' as const, size, mtimeMs, mode });

describe('the delta between what was sent and the files now', () => {
  const tree: Tree = new Map<string, ReturnType<typeof file> | { kind: 'dir'; mode: number }>([
    ['src', { kind: 'dir', mode: 0o755 }],
    ['src/main.rs', file(10, 1000)],
    ['Cargo.toml', file(5, 1000)],
  ]);
  const hashes: Record<string, string> = { 'src/main.rs': 'h-main', 'Cargo.toml': 'h-toml' };

  test('the first sync sends everything, parents first', () => {
    const d = diffTree(tree, emptyManifest('id1'), (r) => hashes[r]);
    assert.deepEqual(d.send, ['Cargo.toml', 'src', 'src/main.rs']);
    assert.equal(d.bytes, 15);
    assert.deepEqual(d.remove, []);
  });

  test('a second sync after one edit sends that file alone; unchanged files are not even read', () => {
    const first = diffTree(tree, emptyManifest('id1'), (r) => hashes[r]).next;
    const edited: Tree = new Map(tree);
    edited.set('src/main.rs', file(11, 2000));
    const read: string[] = [];
    const d = diffTree(edited, first, (r) => {
      read.push(r);
      return r === 'src/main.rs' ? 'h-main-2' : hashes[r];
    });
    assert.deepEqual(d.send, ['src/main.rs']);
    assert.equal(d.bytes, 11);
    assert.deepEqual(read, ['src/main.rs']);
  });

  test('a touched file with the same content is not sent', () => {
    const first = diffTree(tree, emptyManifest('id1'), (r) => hashes[r]).next;
    const touched: Tree = new Map(tree);
    touched.set('Cargo.toml', file(5, 9999));
    const d = diffTree(touched, first, (r) => hashes[r]);
    assert.deepEqual(d.send, []);
    assert.equal(d.sameContent, 1);
  });

  test('removed files and folders are removed, a folder standing for what was in it', () => {
    const first = diffTree(tree, emptyManifest('id1'), (r) => hashes[r]).next;
    const d = diffTree(new Map([['Cargo.toml', file(5, 1000)]]), first, (r) => hashes[r]);
    assert.deepEqual(d.remove, ['src']);
    assert.deepEqual(d.send, []);
  });

  test('a file that became a folder is removed, then sent as a folder', () => {
    const first = diffTree(new Map([['x', file(1, 1)]]), emptyManifest('id1'), () => 'h').next;
    const d = diffTree(new Map([['x', { kind: 'dir', mode: 0o755 }]]), first, () => 'h');
    assert.deepEqual(d.remove, ['x']);
    assert.deepEqual(d.send, ['x']);
  });
});

describe('which files of a mount go', () => {
  test('a workspace: everything but .git and the target directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-sync-'));
    for (const f of ['src/main.rs', '.git/HEAD', 'target/debug/x', 'out/keep', 'Cargo.toml']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    assert.deepEqual([...walk(dir, sourceFilter([])).keys()].sort(), [
      'Cargo.toml',
      'out',
      'out/keep',
      'src',
      'src/main.rs',
    ]);
    assert.deepEqual([...walk(dir, sourceFilter(['out'])).keys()].sort(), ['Cargo.toml', 'src', 'src/main.rs']);
    fs.rmSync(dir, { recursive: true });
  });

  test('the cargo home: the index, the locked .crate files and git checkouts, never credentials or config', () => {
    const lock = parseLockfile(`version = 3

[[package]]
name = "libc"
version = "0.2.150"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "mine"
version = "0.1.0"

[[package]]
name = "gitdep"
version = "1.0.0"
source = "git+https://example.org/org/gitdep.git?branch=main#abc"
`);
    assert.deepEqual(
      lock.map((p) => p.name),
      ['libc', 'mine', 'gitdep'],
    );
    const keep = cargoHomeFilter(lock);
    assert.equal(keep('registry/', true), true);
    assert.equal(keep('registry/index/idx/', true), true);
    assert.equal(keep('registry/index/idx/.cache/li/bc/libc', false), true);
    assert.equal(keep('registry/cache/idx/', true), true);
    assert.equal(keep('registry/cache/idx/libc-0.2.150.crate', false), true);
    assert.equal(keep('registry/cache/idx/serde-1.0.0.crate', false), false);
    assert.equal(keep('registry/src/', true), false);
    assert.equal(keep('git/checkouts/gitdep-0123abcd/', true), true);
    assert.equal(keep('git/db/other-0123abcd/', true), false);
    for (const secret of ['credentials.toml', 'credentials', 'config.toml', 'env'])
      assert.equal(keep(secret, false), false);
    assert.equal(keep('bin/', true), false);
  });
});

describe('volumes for a spec', () => {
  const spec: ContainerSpec = {
    image: 'img',
    name: 'n',
    command: ['cargo', 'build'],
    workdir: '/home/u/ws',
    env: {},
    mounts: [
      { source: '/home/u/ws', target: '/home/u/ws', readOnly: false },
      { source: '/home/u/dep', target: '/home/u/dep', readOnly: true },
      { source: '/home/u/.cargo', target: '/xcross/cargo', readOnly: false },
    ],
    owner: { uid: 1000, gid: 1000 },
    labels: {},
    interactive: false,
    tty: false,
  };

  test('one per mount, the target directory its own, named for this machine and folder', () => {
    const m = syncedMounts(spec, { workspaceRoot: '/home/u/ws', targetDir: '/home/u/ws/target', client: 'h:1000' });
    assert.deepEqual(
      m.map((x) => [x.role, x.target, x.readOnly]),
      [
        ['workspace', '/home/u/ws', false],
        ['source', '/home/u/dep', true],
        ['cargo-home', '/xcross/cargo', false],
        ['target', '/home/u/ws/target', false],
      ],
    );
    assert.equal(m[3].filter, undefined, 'the target directory is never sent');
    assert.match(m[0].volume, /^xcross-workspace-[0-9a-f]{12}$/);
    assert.notEqual(
      volumeName('workspace', 'h:1000', '/home/u/ws'),
      volumeName('workspace', 'other:1000', '/home/u/ws'),
    );
  });

  test('runtimes mount a volume by name', () => {
    const v: ContainerSpec = {
      ...spec,
      mounts: [{ source: 'xcross-workspace-0123', target: '/home/u/ws', readOnly: false, volume: true }],
    };
    const argv = cliRunArgs(v, {
      rootless: true,
      selinux: false,
      env: {},
      adaptation: { global: [], run: [], notes: [] },
    });
    assert.ok(argv.join(' ').includes('-v xcross-workspace-0123:/home/u/ws:rw'));
    const g = specGenerator(v, {
      rootless: true,
      selinux: false,
      env: {},
      adaptation: { global: [], run: [], notes: [] },
    });
    assert.deepEqual(g.volumes, [{ Name: 'xcross-workspace-0123', Dest: '/home/u/ws', Options: ['rw'] }]);
    assert.deepEqual(g.mounts, []);
  });
});

describe("cargo's artifacts", () => {
  test('build writes its JSON messages to a file; a user format is kept', () => {
    assert.deepEqual(withMessages(['cargo', 'build', '--release'], '/t/m.json'), [
      'sh',
      '-c',
      'exec "$@" >"$0"',
      '/t/m.json',
      'cargo',
      'build',
      '--message-format=json-render-diagnostics',
      '--release',
    ]);
    assert.deepEqual(withMessages(['cargo', 'build', '--message-format', 'short'], 'f'), [
      'cargo',
      'build',
      '--message-format',
      'short',
    ]);
  });

  test('run and test: the same build writes the messages first, then the command runs as asked', () => {
    const [sh, c, script] = withMessages(['cargo', 'run', '-v', '--bin', "it's", '--', '--flag'], '/t/m.json');
    assert.deepEqual([sh, c], ['sh', '-c']);
    assert.equal(
      script,
      `cargo build --message-format=json-render-diagnostics -v --bin 'it'\\''s' >/t/m.json && exec cargo run -v --bin 'it'\\''s' -- --flag`,
    );
    assert.match(
      withMessages(['cargo', 'test', '--', '--nocapture'], 'f')[2],
      /^cargo test --no-run --message-format=json-render-diagnostics >f && exec cargo test -- --nocapture$/,
    );
    assert.deepEqual(withMessages(['cargo', 'check'], 'f'), ['cargo', 'check']);
  });

  test("the compile cache's wrapper stays first and runs the rest (it failed to bring anything back before)", () => {
    const w = ['/usr/local/bin/xcross-compile-cache', 'run', '/xcross/compile-cache/s.json'];
    assert.deepEqual(withMessages([...w, 'cargo', 'build'], 'f'), [
      ...w,
      'sh',
      '-c',
      'exec "$@" >"$0"',
      'f',
      'cargo',
      'build',
      '--message-format=json-render-diagnostics',
    ]);
    const run = withMessages([...w, 'cargo', 'run', '--', 'x'], 'f');
    assert.deepEqual(run.slice(0, 5), [...w, 'sh', '-c']);
    assert.equal(run[5], 'cargo build --message-format=json-render-diagnostics >f && exec cargo run -- x');
    // A program that only mentions cargo later is not cargo.
    assert.deepEqual(withMessages(['sh', '-c', 'x', 'a', 'b', 'cargo'], 'f'), ['sh', '-c', 'x', 'a', 'b', 'cargo']);
  });

  test("the workspace's own artifacts under the target dir, not dependencies' or build scripts'", () => {
    const lines = [
      {
        reason: 'compiler-artifact',
        package_id: 'path+file:///w/app#0.1.0',
        target: { kind: ['bin'] },
        filenames: ['/w/target/debug/app'],
        executable: '/w/target/debug/app',
      },
      {
        reason: 'compiler-artifact',
        package_id: 'path+file:///w/app#0.1.0',
        target: { kind: ['custom-build'] },
        filenames: ['/w/target/debug/build/app-1/build-script-build'],
      },
      {
        reason: 'compiler-artifact',
        package_id: 'registry+https://github.com/rust-lang/crates.io-index#libc@0.2.1',
        target: { kind: ['lib'] },
        filenames: ['/w/target/debug/deps/liblibc.rlib'],
      },
      {
        reason: 'compiler-artifact',
        package_id: 'util 0.1.0 (path+file:///u)',
        target: { kind: ['lib'] },
        filenames: ['/w/target/debug/deps/libutil.rlib', '/etc/passwd'],
      },
      { reason: 'build-finished', success: true },
    ];
    assert.deepEqual(artifactsIn(lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n', '/w/target'), [
      { file: '/w/target/debug/app', fresh: false },
      { file: '/w/target/debug/deps/libutil.rlib', fresh: false },
    ]);
  });
});

describe('what comes back from the engine', () => {
  test('names that would leave the destination are refused', () => {
    assert.equal(safeRelative('a/b'), 'a/b');
    assert.equal(safeRelative('./a'), 'a');
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', '..', '.']) assert.equal(safeRelative(bad), undefined, bad);
  });

  test("a folder's tar lands inside it, whether named under the folder or from its root", () => {
    assert.equal(landing('target/debug/app', 'target'), 'debug/app');
    assert.equal(landing('/debug/app', 'target'), 'debug/app');
    assert.equal(landing('/../../etc/passwd', 'target'), undefined);
    assert.equal(landing('other/x', 'target'), undefined);
    assert.equal(landing('app', undefined), 'app');
  });

  test('only files and folders land, inside the destination, with their mode and mtime', async () => {
    const pack = (require('tar-stream') as typeof import('tar-stream')).pack();
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-unpack-'));
    pack.entry({ name: 'target/', type: 'directory' });
    pack.entry({ name: 'target/debug/app', mode: 0o755, mtime: new Date(1_000_000_000_000) }, 'ELF');
    pack.entry({ name: 'target/../../escape', mode: 0o644 }, 'no');
    pack.entry({ name: 'target/link', type: 'symlink', linkname: '/etc/passwd' });
    pack.entry({ name: 'target/deps/app-1', type: 'link', linkname: 'target/debug/app' });
    pack.entry({ name: 'target/evil', type: 'link', linkname: '../../etc/passwd' });
    pack.finalize();
    const r = await unpackInto(pack as unknown as Readable, dest, 'target');
    assert.equal(r.files, 2);
    assert.equal(fs.readFileSync(path.join(dest, 'deps/app-1'), 'utf8'), 'ELF');
    assert.ok(!fs.existsSync(path.join(dest, 'evil')));
    assert.equal(fs.readFileSync(path.join(dest, 'debug/app'), 'utf8'), 'ELF');
    assert.equal(fs.statSync(path.join(dest, 'debug/app')).mode & 0o777, 0o755);
    assert.equal(fs.statSync(path.join(dest, 'debug/app')).mtimeMs, 1_000_000_000_000);
    assert.ok(!fs.existsSync(path.join(dest, 'link')));
    assert.ok(!fs.existsSync(path.join(path.dirname(dest), 'escape')));
    fs.rmSync(dest, { recursive: true });
  });
});

describe('an engine over ssh', () => {
  test('CONTAINER_HOST=ssh:// read into its parts', () => {
    const e = parseSshUri('ssh://core@build.example:2222/run/user/1000/podman/podman.sock', 'CONTAINER_HOST', '/k');
    assert.deepEqual(
      [e.user, e.host, e.port, e.socket, e.identity],
      ['core', 'build.example', 2222, '/run/user/1000/podman/podman.sock', '/k'],
    );
    assert.equal(sshDestination(e), 'core@build.example');
    assert.throws(() => parseSshUri('ssh://u@h', 'CONTAINER_HOST'), /names no socket path/);
    assert.throws(() => parseSshUri('ssh://u:secret@h/s.sock', 'CONTAINER_HOST'), /holds a password/);
  });

  test('one OpenSSH process forwards a local socket to the remote one, never prompting', () => {
    const e = parseSshUri('ssh://u@h:22/r.sock', 'CONTAINER_HOST', '/k');
    const a = tunnelArgs(e, '/l.sock');
    assert.ok(a.includes('BatchMode=yes'));
    assert.deepEqual(a.slice(a.indexOf('-L'), a.indexOf('-L') + 2), ['-L', '/l.sock:/r.sock']);
    assert.deepEqual(a.slice(-2), ['--', 'u@h']);
    assert.ok(a.join(' ').includes('-i /k -o IdentitiesOnly=yes'));
  });

  test('a podman system connection: CONTAINER_CONNECTION by name, the default one only for podman-remote', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-conn-'));
    const rows = [
      {
        Name: 'box',
        URI: 'ssh://core@box:22/run/user/1000/podman/podman.sock',
        Identity: '/home/u/.ssh/box',
        Default: false,
      },
      { Name: 'machine', URI: 'ssh://core@127.0.0.1:40000/run/user/501/podman/podman.sock', Default: true },
    ];
    for (const name of ['podman', 'podman-remote']) {
      fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho '${JSON.stringify(rows)}'\n`, { mode: 0o755 });
    }
    const named = await sshEngineFromEnv({ CONTAINER_CONNECTION: 'box' }, path.join(dir, 'podman'));
    assert.deepEqual(
      [named?.host, named?.identity, named?.from],
      ['box', '/home/u/.ssh/box', 'CONTAINER_CONNECTION=box'],
    );
    assert.equal(await sshEngineFromEnv({}, path.join(dir, 'podman')), undefined, 'podman itself stays local');
    const dflt = await sshEngineFromEnv({}, path.join(dir, 'podman-remote'));
    assert.equal(dflt?.port, 40000);
    await assert.rejects(
      sshEngineFromEnv({ CONTAINER_CONNECTION: 'nope' }, path.join(dir, 'podman')),
      /not one of podman's system connections \(box, machine\)/,
    );
    assert.equal(await sshEngineFromEnv({ CONTAINER_HOST: 'unix:///run/podman.sock' }, undefined), undefined);
    fs.rmSync(dir, { recursive: true });
  });
});
