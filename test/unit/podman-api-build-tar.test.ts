// The build context as a tar stream: what goes in (files, directories, symlinks, a Containerfile from
// elsewhere), what stays out (excludes, .dockerignore), read back with tar-stream's extract.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extract, type Header } from 'tar-stream';
import { contextTar, type ContextTar } from '../../runtimes/podman-api/build-tar';
import { tempDir, writeTree } from './helpers';

interface Entry {
  header: Header;
  data: Buffer;
}

/** Reads the whole tar while it is made; resolves with its entries by name and what `done` said. */
async function readTar(
  tar: ContextTar,
): Promise<{ entries: Map<string, Entry>; done: { files: number; bytes: number } }> {
  const ex = extract();
  tar.stream.pipe(ex);
  const entries = new Map<string, Entry>();
  const reading = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      assert.ok(!entries.has(e.header.name), `${e.header.name} is in the tar twice`);
      entries.set(e.header.name, { header: e.header, data: Buffer.concat(chunks) });
    }
  })();
  const [done] = await Promise.all([tar.done, reading]);
  return { entries, done };
}

const names = (entries: Map<string, Entry>) => [...entries.keys()].sort();

function crate(): string {
  const d = tempDir('xcross-tar-');
  writeTree(d, {
    'Cargo.toml': '[package]\nname = "app"\n',
    'src/main.rs': 'fn main() {}\n',
    'src/bin/tool.rs': 'fn main() { println!("tool"); }\n',
    'target/debug/app': 'ELF...',
    'target/release/.fingerprint/x': 'fp',
    Containerfile: 'FROM scratch\n',
  });
  return d;
}

describe('contextTar', () => {
  test('files and directories are in; target/ is left out by the /target exclude', async () => {
    const d = crate();
    const tar = contextTar(d, path.join(d, 'Containerfile'), ['/target']);
    const { entries, done } = await readTar(tar);
    assert.deepEqual(names(entries), [
      'Cargo.toml',
      'Containerfile',
      'src/',
      'src/bin/',
      'src/bin/tool.rs',
      'src/main.rs',
    ]);
    assert.equal(entries.get('src/')?.header.type, 'directory');
    assert.equal(entries.get('src/main.rs')?.header.type, 'file');
    assert.equal(done.files, 4);
    const bytes = ['Cargo.toml', 'src/main.rs', 'src/bin/tool.rs', 'Containerfile'].reduce(
      (n, f) => n + fs.statSync(path.join(d, f)).size,
      0,
    );
    assert.equal(done.bytes, bytes);
  });

  test('without excludes, target/ goes in too', async () => {
    const d = crate();
    const { entries, done } = await readTar(contextTar(d, path.join(d, 'Containerfile')));
    assert.ok(entries.has('target/debug/app'));
    assert.ok(entries.has('target/release/.fingerprint/x'));
    assert.equal(done.files, 6);
  });

  test('file contents and modes are intact', async () => {
    const d = crate();
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    fs.writeFileSync(path.join(d, 'blob.bin'), big);
    writeTree(d, { 'run.sh': '#!/bin/sh\necho hi\n', empty: '' });
    fs.chmodSync(path.join(d, 'run.sh'), 0o755);
    fs.chmodSync(path.join(d, 'Cargo.toml'), 0o644);
    const { entries } = await readTar(contextTar(d, path.join(d, 'Containerfile'), ['/target']));
    assert.ok(entries.get('blob.bin')?.data.equals(big), 'blob.bin differs');
    assert.equal(entries.get('src/main.rs')?.data.toString(), 'fn main() {}\n');
    assert.equal(entries.get('empty')?.data.length, 0);
    assert.equal(entries.get('empty')?.header.type, 'file');
    assert.equal(entries.get('run.sh')?.header.mode, 0o755);
    assert.equal(entries.get('Cargo.toml')?.header.mode, 0o644);
  });

  test('.dockerignore patterns are honoured, together with the excludes', async () => {
    const d = crate();
    writeTree(d, {
      '.dockerignore': '# build junk\n*.log\n**/*.tmp\n\nsecrets\n',
      'build.log': 'log',
      'src/cache.tmp': 'tmp',
      'src/deep/x.tmp': 'tmp',
      'src/keep.log': 'not at the root: kept',
      'secrets/key': 'k',
    });
    const { entries } = await readTar(contextTar(d, path.join(d, 'Containerfile'), ['/target']));
    const got = names(entries);
    for (const gone of ['build.log', 'src/cache.tmp', 'src/deep/x.tmp', 'secrets/', 'secrets/key', 'target/']) {
      assert.ok(!got.includes(gone), `${gone} should be left out`);
    }
    for (const kept of ['src/keep.log', 'src/deep/', 'src/main.rs', '.dockerignore', 'Containerfile']) {
      assert.ok(got.includes(kept), `${kept} should be in`);
    }
  });

  test('.containerignore is read before .dockerignore', async () => {
    const d = crate();
    writeTree(d, { '.containerignore': 'a.txt\n', '.dockerignore': 'b.txt\n', 'a.txt': 'a', 'b.txt': 'b' });
    const got = names((await readTar(contextTar(d, path.join(d, 'Containerfile')))).entries);
    assert.ok(!got.includes('a.txt'));
    assert.ok(got.includes('b.txt'));
  });

  test('a negation takes a file back from an excluded directory', async () => {
    const d = crate();
    writeTree(d, {
      '.dockerignore': 'docs\n!docs/keep.md\n',
      'docs/keep.md': 'keep',
      'docs/other.md': 'other',
      'docs/sub/x.md': 'x',
    });
    const { entries } = await readTar(contextTar(d, path.join(d, 'Containerfile'), ['/target']));
    const got = names(entries);
    assert.ok(got.includes('docs/keep.md'));
    assert.equal(entries.get('docs/keep.md')?.data.toString(), 'keep');
    assert.ok(!got.includes('docs/other.md'));
    assert.ok(!got.includes('docs/sub/x.md'));
    assert.ok(
      !got.some((n) => n.startsWith('target/')),
      'target stays out even though the walk enters excluded directories',
    );
  });

  test('a Containerfile outside the context goes in as .xcross.Containerfile', async () => {
    const d = crate();
    const elsewhere = tempDir('xcross-cf-');
    writeTree(elsewhere, { 'Dockerfile.cross': 'FROM ghcr.io/cross-rs/x:main\nRUN true\n' });
    const tar = contextTar(d, path.join(elsewhere, 'Dockerfile.cross'), ['/target']);
    assert.equal(tar.containerfile, '.xcross.Containerfile');
    const { entries } = await readTar(tar);
    assert.equal(entries.get('.xcross.Containerfile')?.data.toString(), 'FROM ghcr.io/cross-rs/x:main\nRUN true\n');
    assert.ok(!names(entries).includes('Dockerfile.cross'));
    // A sibling directory whose name starts like the context's is outside it too.
    const sibling = `${d}-docker`;
    writeTree(sibling, { Containerfile: 'FROM sibling\n' });
    after(() => fs.rmSync(sibling, { recursive: true, force: true }));
    const t2 = contextTar(d, path.join(sibling, 'Containerfile'), ['/target']);
    assert.equal(t2.containerfile, '.xcross.Containerfile');
    assert.equal((await readTar(t2)).entries.get('.xcross.Containerfile')?.data.toString(), 'FROM sibling\n');
  });

  test('a Containerfile whose name starts with two dots is inside the context, and goes in once', async () => {
    const d = crate();
    writeTree(d, { '..Containerfile': 'FROM dots\n' });
    const tar = contextTar(d, path.join(d, '..Containerfile'), ['/target']);
    assert.equal(tar.containerfile, '..Containerfile');
    const { entries } = await readTar(tar);
    assert.equal(entries.get('..Containerfile')?.data.toString(), 'FROM dots\n');
    assert.ok(!entries.has('.xcross.Containerfile'));
  });

  test('a Containerfile inside the context keeps its relative name, even when an ignore pattern matches it', async () => {
    const d = crate();
    writeTree(d, {
      'docker/Containerfile.x86': 'FROM x86\n',
      'docker/notes.txt': 'n',
      '.dockerignore': '**/Containerfile*\n',
    });
    const tar = contextTar(d, path.join(d, 'docker', 'Containerfile.x86'), ['/target']);
    assert.equal(tar.containerfile, 'docker/Containerfile.x86');
    const { entries } = await readTar(tar);
    assert.equal(entries.get('docker/Containerfile.x86')?.data.toString(), 'FROM x86\n');
    assert.ok(entries.has('docker/notes.txt'));
    assert.ok(
      !entries.has('Containerfile'),
      'the top-level Containerfile is not the one named, so the pattern applies',
    );
    assert.ok(!entries.has('.xcross.Containerfile'));
  });

  test('a Containerfile inside an excluded directory still goes in, and nothing else of that directory', async () => {
    const d = crate();
    writeTree(d, {
      'docker/Containerfile': 'FROM docker\n',
      'docker/notes.txt': 'n',
      'docker/sub/x': 'x',
      '.dockerignore': 'docker\n',
    });
    const tar = contextTar(d, path.join(d, 'docker', 'Containerfile'), ['/target']);
    assert.equal(tar.containerfile, 'docker/Containerfile');
    const { entries } = await readTar(tar);
    assert.equal(entries.get('docker/Containerfile')?.data.toString(), 'FROM docker\n');
    const got = names(entries);
    for (const gone of ['docker/', 'docker/notes.txt', 'docker/sub/', 'docker/sub/x'])
      assert.ok(!got.includes(gone), `${gone} should be left out`);
  });

  test('symlinks stay symlinks, to files and to directories, dangling or not', async () => {
    const d = crate();
    fs.symlinkSync('src/main.rs', path.join(d, 'main-link.rs'));
    fs.symlinkSync('src', path.join(d, 'src-link'));
    fs.symlinkSync('/nonexistent/elsewhere', path.join(d, 'dangling'));
    const { entries, done } = await readTar(contextTar(d, path.join(d, 'Containerfile'), ['/target']));
    for (const [name, target] of [
      ['main-link.rs', 'src/main.rs'],
      ['src-link', 'src'],
      ['dangling', '/nonexistent/elsewhere'],
    ]) {
      const e = entries.get(name);
      assert.equal(e?.header.type, 'symlink', `${name} is a symlink`);
      assert.equal(e?.header.linkname, target);
      assert.equal(e?.data.length, 0);
    }
    assert.ok(!names(entries).some((n) => n.startsWith('src-link/')), 'a link to a directory is not followed');
    assert.equal(done.files, 4, 'symlinks are not counted as files');
  });

  test('an excluded symlink stays out', async () => {
    const d = crate();
    fs.symlinkSync('src', path.join(d, 'link'));
    const { entries } = await readTar(contextTar(d, path.join(d, 'Containerfile'), ['/target', 'link']));
    assert.ok(!entries.has('link'));
  });

  test('done rejects when the context cannot be read, and the stream ends', async () => {
    const d = tempDir('xcross-tar-');
    const tar = contextTar(path.join(d, 'missing'), path.join(d, 'missing', 'Containerfile'));
    tar.stream.on('error', () => {});
    tar.stream.resume();
    await assert.rejects(tar.done, /ENOENT/);
  });
});
