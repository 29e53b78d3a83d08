// The workspace as the container must see it: its root, and every directory outside the root that a
// path dependency (or [patch]) reaches, so that all of them can be mounted. Read from the manifests
// directly: the host may have no cargo at all.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTomlFile, isTable, type TomlTable } from '../config/toml';
import { isDir, isFile } from './manifest';
import { isInside } from '../base/paths';

export interface Workspace {
  root: string;
  /** The manifest cargo was pointed at. */
  manifest: string;
  /** Directories of path dependencies outside `root`, outermost only. */
  externalPaths: string[];
}

export function loadWorkspace(manifest: string): Workspace {
  const cache = new Map<string, TomlTable>();
  const read = (file: string): TomlTable => {
    let t = cache.get(file);
    if (!t) cache.set(file, (t = parseTomlFile(file)));
    return t;
  };
  const root = findRoot(manifest, read);
  const rootToml = read(path.join(root, 'Cargo.toml'));
  const ws = isTable(rootToml.workspace) ? rootToml.workspace : undefined;
  const start = [path.join(root, 'Cargo.toml'), manifest];
  if (ws && Array.isArray(ws.members)) {
    for (const pattern of ws.members) {
      if (typeof pattern !== 'string') continue;
      for (const dir of expandGlob(root, pattern)) {
        const m = path.join(dir, 'Cargo.toml');
        if (isFile(m)) start.push(m);
      }
    }
  }
  // Follow path dependencies transitively: a dependency's own path dependencies must be there too.
  const seen = new Set<string>();
  const queue = [...start];
  const dirs = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!isFile(file)) continue;
    for (const dep of pathDependencies(read(file), path.dirname(file))) {
      dirs.add(dep);
      queue.push(path.join(dep, 'Cargo.toml'));
    }
  }
  const outside = [...dirs].filter((d) => !isInside(d, root) && isDir(d)).sort();
  const externalPaths = outside.filter((d) => !outside.some((o) => o !== d && isInside(d, o)));
  return { root, manifest, externalPaths };
}

function findRoot(manifest: string, read: (f: string) => TomlTable): string {
  const own = read(manifest);
  const dir = path.dirname(manifest);
  if (isTable(own.workspace)) return dir;
  if (isTable(own.package) && typeof own.package.workspace === 'string')
    return path.resolve(dir, own.package.workspace);
  for (let up = path.dirname(dir); path.dirname(up) !== up; up = path.dirname(up)) {
    const candidate = path.join(up, 'Cargo.toml');
    if (!isFile(candidate)) continue;
    const t = read(candidate);
    if (!isTable(t.workspace)) continue;
    const excluded =
      Array.isArray(t.workspace.exclude) &&
      t.workspace.exclude.some((e) => typeof e === 'string' && isInside(dir, path.resolve(up, e)));
    return excluded ? dir : up;
  }
  return dir;
}

const DEP_TABLES = ['dependencies', 'dev-dependencies', 'build-dependencies'];

/** Absolute directories named by `path = ...` anywhere cargo accepts one. */
export function pathDependencies(toml: TomlTable, dir: string): string[] {
  const tables: unknown[] = [];
  for (const k of DEP_TABLES) tables.push(toml[k]);
  if (isTable(toml.target)) {
    for (const cfg of Object.values(toml.target)) if (isTable(cfg)) for (const k of DEP_TABLES) tables.push(cfg[k]);
  }
  if (isTable(toml.workspace)) tables.push(toml.workspace.dependencies);
  if (isTable(toml.patch)) tables.push(...Object.values(toml.patch));
  tables.push(toml.replace);
  const out: string[] = [];
  for (const t of tables) {
    if (!isTable(t)) continue;
    for (const dep of Object.values(t)) {
      if (isTable(dep) && typeof dep.path === 'string') out.push(path.resolve(dir, dep.path));
    }
  }
  return out;
}

/** Workspace member globs: `*` and `?` within one path segment, as cargo's members use them. */
function expandGlob(root: string, pattern: string): string[] {
  let dirs = [root];
  for (const seg of pattern.split('/').filter((s) => s && s !== '.')) {
    if (!/[*?[]/.test(seg)) {
      dirs = dirs.map((d) => path.join(d, seg));
      continue;
    }
    const re = new RegExp(
      '^' +
        seg
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.') +
        '$',
    );
    dirs = dirs.flatMap((d) => {
      try {
        return fs
          .readdirSync(d, { withFileTypes: true })
          .filter((e) => e.isDirectory() && re.test(e.name))
          .map((e) => path.join(d, e.name));
      } catch {
        return [];
      }
    });
  }
  return dirs;
}
