// Which volume stands for each of a spec's mounts on an engine that cannot see them, and which files
// of it are sent: the workspace and path dependencies without target/ and .git; of the cargo home only
// the registry index and the .crate files and git checkouts that Cargo.lock names (never credentials,
// config.toml or installed binaries); the target directory is not sent but kept on the engine's side
// between runs, so builds there are incremental. Pure: tests call it with paths.
import * as path from 'node:path';
import type { ContainerSpec } from '../../runtimes/spec';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { createHash } from '../base/hash';
import { isInside } from '../base/paths';
import { CONTAINER_CARGO_HOME, CONTAINER_TOOLCHAIN } from '../plan/cargo-spec';
import type { Filter } from './tree';

export type Role = 'workspace' | 'source' | 'target' | 'cargo-home' | 'toolchain';

export interface SyncedMount {
  role: Role;
  /** The folder on this machine. */
  hostPath: string;
  /** Where the container sees it. */
  target: string;
  readOnly: boolean;
  volume: string;
  /** Which files are sent (none for the target directory). */
  filter?: Filter;
}

export const SYNC_LABEL = 'io.xcross.sync';
export const SOURCE_LABEL = 'io.xcross.sync.source';
export const CLIENT_LABEL = 'io.xcross.sync.client';
export const ID_LABEL = 'io.xcross.sync.id';

/** A package Cargo.lock names: its registry .crate file, or its git checkout. */
export interface LockedPackage {
  name: string;
  version: string;
  source?: string;
}

/** `[[package]]` entries of a Cargo.lock (name, version, source), read line by line. */
export function parseLockfile(text: string): LockedPackage[] {
  const out: LockedPackage[] = [];
  let cur: Partial<LockedPackage> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '[[package]]') {
      if (cur?.name && cur.version) out.push(cur as LockedPackage);
      cur = {};
      continue;
    }
    if (line.startsWith('[')) {
      if (cur?.name && cur.version) out.push(cur as LockedPackage);
      cur = undefined;
      continue;
    }
    const m = /^(name|version|source)\s*=\s*"([^"]*)"\s*$/.exec(line.trim());
    if (cur && m) cur[m[1] as keyof LockedPackage] = m[2];
  }
  if (cur?.name && cur.version) out.push(cur as LockedPackage);
  return out;
}

/** A git source's checkout folder name starts with the repository's last path segment. */
function gitName(source: string): string {
  const url = source.replace(/^git\+/, '').replace(/[?#].*$/, '');
  return (url.split('/').filter(Boolean).pop() ?? '').replace(/\.git$/, '');
}

/** The cargo home's files a build with this lock file reads: the index, its .crate files, its git checkouts. */
export function cargoHomeFilter(locked: LockedPackage[]): Filter {
  const crates = new Set(
    locked.filter((p) => p.source && !p.source.startsWith('git+')).map((p) => `${p.name}-${p.version}.crate`),
  );
  const git = [...new Set(locked.filter((p) => p.source?.startsWith('git+')).map((p) => gitName(p.source!)))].filter(
    Boolean,
  );
  const gitDir = (d: string) => git.some((g) => d.startsWith(`${g}-`));
  return (rel, isDir) => {
    const parts = rel.replace(/\/$/, '').split('/');
    if (parts[0] === 'registry') {
      if (parts.length === 1) return isDir;
      if (parts[1] === 'index') return true;
      if (parts[1] !== 'cache') return false;
      if (parts.length === 2 || (parts.length === 3 && isDir)) return isDir;
      return parts.length === 4 && !isDir && crates.has(parts[3]);
    }
    if (parts[0] === 'git') {
      if (parts.length === 1) return isDir;
      if (parts[1] !== 'db' && parts[1] !== 'checkouts') return false;
      return parts.length === 2 ? isDir : gitDir(parts[2]);
    }
    return false;
  };
}

/** A workspace or path dependency: everything but version control and build output. */
export function sourceFilter(excluded: string[]): Filter {
  return (rel, isDir) => {
    if (!isDir) return true;
    const dir = rel.replace(/\/$/, '');
    if (dir === '.git' || dir === 'target' || dir.endsWith('/.git')) return false;
    return !excluded.includes(dir);
  };
}

/** Who owns a volume: this machine and user, so two machines using one engine never share one. */
export function volumeName(role: Role, client: string, hostPath: string): string {
  const h = createHash('sha256').update(`${client}\0${hostPath}`).digest('hex').slice(0, 12);
  return `xcross-${role}-${h}`;
}

export function volumeLabels(m: SyncedMount, client: string, id: string): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    [SYNC_LABEL]: m.role,
    [SOURCE_LABEL]: m.hostPath,
    [CLIENT_LABEL]: client,
    [ID_LABEL]: id,
  };
}

export interface SyncContext {
  workspaceRoot: string;
  targetDir: string;
  client: string;
  /** The workspace's Cargo.lock, read (undefined: none yet). */
  lockfile?: string;
}

/** The volumes for a spec's mounts, and the target directory's (even when it is inside the workspace). */
export function syncedMounts(spec: ContainerSpec, c: SyncContext): SyncedMount[] {
  const out: SyncedMount[] = [];
  const make = (role: Role, hostPath: string, target: string, readOnly: boolean, filter?: Filter): SyncedMount => ({
    role,
    hostPath,
    target,
    readOnly,
    volume: volumeName(role, c.client, hostPath),
    filter,
  });
  let targetSeen = false;
  for (const m of spec.mounts) {
    if (m.volume) continue;
    if (m.target === CONTAINER_CARGO_HOME) {
      out.push(make('cargo-home', m.source, m.target, false, cargoHomeFilter(parseLockfile(c.lockfile ?? ''))));
    } else if (m.target === CONTAINER_TOOLCHAIN) {
      out.push(make('toolchain', m.source, m.target, true, () => true));
    } else if (m.source === c.targetDir) {
      targetSeen = true;
      out.push(make('target', m.source, m.target, false));
    } else {
      const inside = isInside(c.targetDir, m.source) ? [path.relative(m.source, c.targetDir)] : [];
      const role: Role = m.source === c.workspaceRoot ? 'workspace' : 'source';
      out.push(make(role, m.source, m.target, m.readOnly, sourceFilter(inside)));
    }
  }
  if (!targetSeen) out.push(make('target', c.targetDir, c.targetDir, false));
  return out;
}
