// One synced run, around the container the plan made: volumes on the engine's side for its mounts,
// the changed files sent before (removed ones removed), and after it what cargo produced brought back,
// with Cargo.lock when cargo wrote one. Everything goes through the engine's API on the same ssh
// connection as the run itself: no second tool, no rsync on either side.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ApiClient } from '../../runtimes/podman-api/client';
import {
  createCarrier,
  createVolume,
  getArchive,
  listVolumes,
  putArchive,
  removeContainer,
  statPath,
} from '../../runtimes/podman-api/volumes';
import type { Runtime } from '../../runtimes/runtime';
import { MANAGED_LABEL, type ContainerSpec, type Mount } from '../../runtimes/spec';
import type { RemoteEngine } from '../../runtimes/ssh/tunnel';
import { XcrossError } from '../base/errors';
import { fnv1a } from '../base/hash';
import type { Logger } from '../base/log';
import type { CopyBack } from '../cli/cargo-args';
import { artifactsIn, cargoAt, messagesFile, withMessages } from './cargo-messages';
import { diffTree, loadManifest, saveManifest, type Delta } from './manifest';
import { ID_LABEL, SYNC_LABEL, syncedMounts, volumeLabels, type SyncedMount } from './mounts';
import { packFiles, unpackInto } from './tar-io';
import { hashFile, walk, type Tree } from './tree';

export interface SyncOptions {
  api: ApiClient;
  remote: RemoteEngine;
  runtime: Runtime;
  log: Logger;
  cacheDir: string;
  uid: number;
  workspaceRoot: string;
  targetDir: string;
  copyBack: CopyBack;
  /** Makes the image exist on the engine (build, pull or load through it). */
  ensureImage: () => Promise<void>;
}

export interface Synced {
  spec: ContainerSpec;
  /** After the run: brings back what it produced (unless it failed or was interrupted), then lets go. */
  finish(code: number, interrupted: boolean): Promise<void>;
}

/** This machine and user, as the volumes' owner label says (volumes are never shared between machines). */
export function clientName(uid: number): string {
  return `${os.hostname()}:${uid}`;
}

/** Where the manifest of what was sent to a volume of this engine is kept. */
export function manifestFile(cacheDir: string, uri: string, volume: string): string {
  return path.join(cacheDir, 'sync', fnv1a(uri), `${volume}.json`);
}

export async function startSync(spec: ContainerSpec, o: SyncOptions): Promise<Synced> {
  const client = clientName(o.uid);
  const lockPath = path.join(o.workspaceRoot, 'Cargo.lock');
  const lockfile = readOrUndefined(lockPath);
  const mounts = syncedMounts(spec, { workspaceRoot: o.workspaceRoot, targetDir: o.targetDir, client, lockfile });
  const ids = await ensureVolumes(o, mounts, client);
  const volumes = mounts.map((m) => ({ name: m.volume, dest: m.target }));
  const labels = { [MANAGED_LABEL]: 'true' };
  const carrierName = `xcross-sync-${process.pid}-${Date.now().toString(36)}`;
  let carrier = await createCarrier(o.api, { name: carrierName, image: spec.image, volumes, labels });
  if (carrier === undefined) {
    await o.ensureImage();
    carrier = await createCarrier(o.api, { name: carrierName, image: spec.image, volumes, labels });
    if (carrier === undefined)
      throw new XcrossError(`${spec.image} was made but the engine on ${o.remote.destination} cannot find it`);
  }
  const id = carrier;
  const volumeMounts: Mount[] = mounts.map((m) => ({
    source: m.volume,
    target: m.target,
    readOnly: m.readOnly,
    volume: true,
  }));
  let manifestsSent = false;
  try {
    manifestsSent = await sendAll(o, spec, mounts, ids, volumeMounts, id);
  } catch (e) {
    await removeContainer(o.api, id);
    throw e;
  }
  const messages = messagesFile(o.targetDir);
  const command = o.copyBack === 'artifacts' ? withMessages(spec.command, messages) : spec.command;
  const synced: ContainerSpec = { ...spec, command, mounts: volumeMounts };
  const workspace = mounts.find((m) => m.role === 'workspace');
  return {
    spec: synced,
    finish: async (code, interrupted) => {
      try {
        if (interrupted) return;
        // Cargo writes Cargo.lock when there is none or a manifest changed its dependencies.
        if (workspace && (manifestsSent || lockfile === undefined))
          await lockBack(o, id, workspace, ids.get(workspace.volume)!, lockPath);
        if (code !== 0) return;
        if (o.copyBack === 'target-dir') await targetDirBack(o, id);
        else if (o.copyBack === 'artifacts') await artifactsBack(o, id, synced, spec.command, messages);
      } finally {
        await removeContainer(o.api, id);
      }
    },
  };
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Each mount's volume, made when missing; its sync id. */
async function ensureVolumes(o: SyncOptions, mounts: SyncedMount[], client: string): Promise<Map<string, string>> {
  const existing = new Map((await listVolumes(o.api, SYNC_LABEL)).map((v) => [v.name, v.labels[ID_LABEL] ?? '']));
  const ids = new Map<string, string>();
  for (const m of mounts) {
    let id = existing.get(m.volume);
    if (id === undefined) {
      // node:crypto loaded here, not at the top: a local build's warm path never pays for it.
      id = (require('node:crypto') as typeof import('node:crypto')).randomBytes(8).toString('hex');
      await createVolume(o.api, m.volume, volumeLabels(m, client, id));
      o.log.debug(`sync: made the volume ${m.volume} for ${m.hostPath} (${m.role})`);
    }
    ids.set(m.volume, id);
  }
  return ids;
}

async function sendAll(
  o: SyncOptions,
  spec: ContainerSpec,
  mounts: SyncedMount[],
  ids: Map<string, string>,
  volumeMounts: Mount[],
  carrier: string,
): Promise<boolean> {
  const started = performance.now();
  let manifests = false;
  const work: { m: SyncedMount; tree: Tree; delta: Delta; file: string }[] = [];
  for (const m of mounts) {
    if (!m.filter) continue;
    const tree = walk(m.hostPath, m.filter);
    const file = manifestFile(o.cacheDir, o.remote.uri, m.volume);
    const delta = diffTree(tree, loadManifest(file, ids.get(m.volume)!), (rel) => hashFile(path.join(m.hostPath, rel)));
    work.push({ m, tree, delta, file });
  }
  const removals = work.flatMap((w) => w.delta.remove.map((rel) => path.posix.join(w.m.target, rel)));
  if (removals.length) await removeFiles(o, spec, volumeMounts, removals);
  let files = 0;
  let bytes = 0;
  for (const w of work) {
    const { m, delta } = w;
    const sentFiles = delta.send.filter((r) => w.tree.get(r)?.kind === 'file');
    if (delta.send.length) {
      const big = delta.bytes > 4 << 20 || sentFiles.length > 500;
      const say = `sync: sending ${sentFiles.length} file(s), ${formatBytes(delta.bytes)}, of ${m.hostPath} to ${o.remote.destination}`;
      if (big) o.log.info(`${say} (once; later runs send what changed)`);
      const { tar, done } = packFiles(m.hostPath, w.tree, delta.send);
      await Promise.all([putArchive(o.api, carrier, m.target, tar), done]);
    }
    saveManifest(w.file, delta.next);
    if (m.role === 'workspace' || m.role === 'source')
      manifests ||= sentFiles.some((r) => /(^|\/)Cargo\.toml$/.test(r));
    files += sentFiles.length;
    bytes += delta.bytes;
    const shown = sentFiles.slice(0, 5).join(', ') + (sentFiles.length > 5 ? `, and ${sentFiles.length - 5} more` : '');
    o.log.debug(
      `sync: ${m.role} ${m.hostPath} → volume ${m.volume}: sent ${sentFiles.length} file(s), ${delta.bytes} bytes${shown ? ` (${shown})` : ''}; removed ${delta.remove.length}; ${delta.sameContent} touched but unchanged`,
    );
  }
  o.log.debug(`sync: sent ${files} file(s), ${bytes} bytes, in ${Math.round(performance.now() - started)} ms`);
  return manifests;
}

/** Files gone here are removed there, by a short container with the volumes (a tar cannot say "gone"). */
async function removeFiles(o: SyncOptions, spec: ContainerSpec, mounts: Mount[], paths: string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const r = await o.runtime.run({
      ...spec,
      name: `xcross-sync-rm-${process.pid}-${i}`,
      command: ['rm', '-rf', '--', ...chunk],
      workdir: '/',
      env: {},
      mounts: mounts.map((m) => ({ ...m, readOnly: false })),
      interactive: false,
      tty: false,
      ports: undefined,
    });
    if (r.code !== 0)
      throw new XcrossError(
        `removing ${chunk.length} deleted file(s) from the engine's volumes failed (exit ${r.code})`,
      );
    o.log.debug(`sync: removed ${chunk.join(', ')}`);
  }
}

/** Cargo.lock as cargo left it there, when it differs from ours (cargo made or updated it). */
async function lockBack(
  o: SyncOptions,
  carrier: string,
  ws: SyncedMount,
  volumeId: string,
  lockPath: string,
): Promise<void> {
  const inVolume = path.posix.join(ws.target, 'Cargo.lock');
  const there = await statPath(o.api, carrier, inVolume);
  if (!there) return;
  const here = fs.statSync(lockPath, { throwIfNoEntry: false });
  const file = manifestFile(o.cacheDir, o.remote.uri, ws.volume);
  const sent = loadManifest(file, volumeId);
  const was = sent.files['Cargo.lock'];
  // What we sent and it is unchanged there: nothing to do.
  if (here && was && was.size === there.size && Math.abs(was.mtimeMs - there.mtimeMs) < 1000) return;
  const tar = await getArchive(o.api, carrier, inVolume);
  if (!tar) return;
  await unpackInto(tar, ws.hostPath);
  const st = fs.statSync(lockPath);
  sent.files['Cargo.lock'] = {
    size: st.size,
    mtimeMs: Math.floor(st.mtimeMs),
    mode: st.mode & 0o7777,
    hash: hashFile(lockPath),
  };
  saveManifest(file, sent);
  o.log.debug(`sync: brought back Cargo.lock (cargo wrote it on ${o.remote.destination})`);
}

async function targetDirBack(o: SyncOptions, carrier: string): Promise<void> {
  const started = performance.now();
  const tar = await getArchive(o.api, carrier, o.targetDir);
  if (!tar) return;
  const r = await unpackInto(tar, o.targetDir, path.basename(o.targetDir));
  o.log.debug(
    `sync: brought back the target directory: ${r.files} file(s), ${r.bytes} bytes in ${Math.round(performance.now() - started)} ms${r.skipped.length ? `; skipped ${r.skipped.length} link(s) or special file(s) (${r.skipped.slice(0, 3).join(', ')})` : ''}`,
  );
}

async function artifactsBack(
  o: SyncOptions,
  carrier: string,
  spec: ContainerSpec,
  planned: string[],
  messages: string,
): Promise<void> {
  const started = performance.now();
  const at = cargoAt(planned);
  if (at < 0) return;
  if (spec.command === planned) {
    o.log.debug(
      `sync: nothing to bring back from cargo ${planned[at + 1] ?? ''} (it links nothing, or your --message-format is kept and cargo named no artifacts to xcross; --copy-back target-dir brings everything)`,
    );
    return;
  }
  const tar = await getArchive(o.api, carrier, messages);
  if (!tar) return;
  const chunks: Buffer[] = [];
  const extract = (require('tar-stream') as typeof import('tar-stream')).extract();
  tar.pipe(extract);
  for await (const entry of extract) for await (const c of entry) chunks.push(c as Buffer);
  const files = artifactsIn(Buffer.concat(chunks).toString(), o.targetDir);
  let fetched = 0;
  let bytes = 0;
  for (const { file, fresh } of files) {
    // Cargo's messages say what it rebuilt: a fresh one that is here already stays as it is.
    if (fresh && fs.existsSync(file)) continue;
    const body = await getArchive(o.api, carrier, file);
    if (!body) continue;
    const r = await unpackInto(body, path.dirname(file));
    fetched += r.files;
    bytes += r.bytes;
  }
  o.log.debug(
    `sync: cargo named ${files.length} artifact(s); brought back ${fetched} that changed (${bytes} bytes) in ${Math.round(performance.now() - started)} ms`,
  );
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} bytes`;
}
