// Finding the workspace and every path dependency outside it, from the manifests alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { locateManifest } from '../../src/workspace/manifest';
import { loadWorkspace } from '../../src/workspace/workspace';
import { tempDir, writeTree } from './helpers';

const pkg = (name: string, extra = '') => `[package]\nname = "${name}"\nversion = "0.1.0"\n${extra}`;

test("a single crate is its own root; a path dependency outside it, and that one's own, are found", () => {
  const d = tempDir();
  writeTree(d, {
    'app/Cargo.toml': pkg(
      'app',
      '[dependencies]\nlib = { path = "../libs/lib" }\n[dev-dependencies]\ninner = { path = "inner" }\n',
    ),
    'app/inner/Cargo.toml': pkg('inner'),
    'libs/lib/Cargo.toml': pkg('lib', '[dependencies]\ndeep = { path = "../../far/deep" }\n'),
    'far/deep/Cargo.toml': pkg('deep'),
  });
  const ws = loadWorkspace(path.join(d, 'app/Cargo.toml'));
  assert.equal(ws.root, path.join(d, 'app'));
  assert.deepEqual(ws.externalPaths, [path.join(d, 'far/deep'), path.join(d, 'libs/lib')]);
});

test('a workspace with member globs is found from a member; nested external dirs collapse to the outermost', () => {
  const d = tempDir();
  writeTree(d, {
    'ws/Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n[workspace.dependencies]\nshared = { path = "../ext" }\n',
    'ws/crates/a/Cargo.toml': pkg('a', '[target.\'cfg(unix)\'.dependencies]\nu = { path = "../../../ext/sub" }\n'),
    'ws/crates/b/Cargo.toml': pkg('b', '[patch.crates-io]\nserde = { path = "../../../patched" }\n'),
    'ext/Cargo.toml': pkg('shared'),
    'ext/sub/Cargo.toml': pkg('u'),
    'patched/Cargo.toml': pkg('serde'),
  });
  const ws = loadWorkspace(path.join(d, 'ws/crates/a/Cargo.toml'));
  assert.equal(ws.root, path.join(d, 'ws'));
  assert.deepEqual(ws.externalPaths, [path.join(d, 'ext'), path.join(d, 'patched')]);
});

test('a package the workspace excludes is its own root; package.workspace points at the root', () => {
  const d = tempDir();
  writeTree(d, {
    'Cargo.toml': '[workspace]\nmembers = []\nexclude = ["tools"]\n',
    'tools/t/Cargo.toml': pkg('t'),
    'other/Cargo.toml': pkg('o', 'workspace = ".."\n'),
  });
  assert.equal(loadWorkspace(path.join(d, 'tools/t/Cargo.toml')).root, path.join(d, 'tools/t'));
  assert.equal(loadWorkspace(path.join(d, 'other/Cargo.toml')).root, d);
});

test('locating Cargo.toml: upwards from a subdirectory, or --manifest-path; clear errors otherwise', () => {
  const d = tempDir();
  writeTree(d, { 'c/Cargo.toml': pkg('c'), 'c/src/deep/x.rs': '' });
  assert.equal(locateManifest(path.join(d, 'c/src/deep'), undefined), path.join(d, 'c/Cargo.toml'));
  assert.equal(locateManifest(d, 'c/Cargo.toml'), path.join(d, 'c/Cargo.toml'));
  assert.throws(() => locateManifest(d, 'nope/Cargo.toml'), /manifest path `nope\/Cargo\.toml` does not exist/);
  assert.throws(() => locateManifest(d, 'c/src'), /must point to a Cargo\.toml/);
  assert.throws(
    () => locateManifest(path.join(d, '..'), undefined),
    /could not find Cargo\.toml in .* or any parent directory/,
  );
});

test('a path dependency in a directory named like `..vendor` inside the crate is inside it, not an extra mount', () => {
  const d = tempDir();
  writeTree(d, {
    'app/Cargo.toml': pkg('app', '[dependencies]\nv = { path = "..vendor/v" }\nfar = { path = "../far" }\n'),
    'app/..vendor/v/Cargo.toml': pkg('v'),
    'far/Cargo.toml': pkg('far'),
  });
  const ws = loadWorkspace(path.join(d, 'app/Cargo.toml'));
  assert.deepEqual(ws.externalPaths, [path.join(d, 'far')]);
});
