// CI job containers for the end-to-end tests: the job image of images/job built from the offline
// Debian base, this user's podman as the outer engine (with the flags this VM needs), node and the
// xcross under test mounted in, and the archive of a target image (`xcross image save`, kept between
// runs in this user's cache) for a podman inside to load instead of building.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PKG_ROOT, XCROSS, ensureTargetImages, tail, xcross } from './harness';

export const T = 'aarch64-unknown-linux-gnu';
export const BOOKWORM = 'localhost/xcross/debian-base:bookworm';
export const BOOKWORM_TARBALL = '/var/cache/xcross/debian-bookworm-minbase.tar';
/** Where the package under test is mounted in a job container, and its xcross. */
export const PKG = '/opt/xcross';
export const XCROSS_IN_JOB = `${PKG}/dist/src/main.js`;

/** Flags this VM's podman needs (ENVIRONMENT.md: hybrid cgroups, rlimits, no usable /dev/net/tun). */
const GLOBAL = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
const RUN_FLAGS = ['--network', 'host', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'];

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  out: string;
  ms: number;
}

export function podman(args: string[], o: { input?: string; timeoutMs?: number } = {}): Ran {
  const started = Date.now();
  const [verb] = args;
  const full = verb === 'run' || verb === 'build' ? [...GLOBAL, ...args] : args;
  const r = spawnSync('podman', full, {
    encoding: 'utf8',
    input: o.input,
    maxBuffer: 256 << 20,
    timeout: o.timeoutMs ?? 1_800_000,
  });
  return {
    code: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    out: `${r.stdout ?? ''}${r.stderr ?? ''}`,
    ms: Date.now() - started,
  };
}

/** The mounts every job container gets: node and the package under test, read-only. */
export function toolMounts(): string[] {
  return ['-v', `${process.execPath}:/usr/local/bin/node:ro`, '-v', `${PKG_ROOT}:${PKG}:ro`];
}

/** `podman run --rm` of a job container running a shell script; `flags` go before the image. */
export function job(image: string, flags: string[], script: string, timeoutMs = 1_800_000): Ran {
  return podman(['run', '--rm', ...RUN_FLAGS, ...toolMounts(), ...flags, image, 'sh', '-c', script], { timeoutMs });
}

/** The job image (images/job on the offline base `base`), built once per content of images/job. */
export function jobImage(base = BOOKWORM): string {
  const dir = path.join(PKG_ROOT, 'images', 'job');
  const h = createHash('sha256').update(base);
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  const repo = `localhost/xcross-e2e/job-${base.split(':').pop()}`;
  const ref = `${repo}:${h.digest('hex').slice(0, 12)}`;
  if (podman(['image', 'exists', ref]).code === 0) return ref;
  const b = podman(['build', ...RUN_FLAGS, '--build-arg', `BASE=${base}`, '-t', ref, dir], { timeoutMs: 1_800_000 });
  if (b.code !== 0) throw new Error(`building the job image ${ref} failed:\n${tail(b.out)}`);
  // Older job images of this base: gone, so the store does not grow with every change of images/job.
  const old = podman(['images', '--format', '{{.Repository}}:{{.Tag}}', repo]).stdout.split('\n');
  for (const o of old.filter((x) => x && x !== ref)) podman(['rmi', o]);
  process.stderr.write(`job image ${ref} built from ${base} in ${(b.ms / 1000).toFixed(0)} s\n`);
  return ref;
}

/**
 * The target's image as an archive for a podman inside a job container to `xcross image load`, kept in
 * this user's cache while the image's ID is the same. `xcross image save` writes what a user carries
 * (layers gzip-compressed: 104 s here, and 110 s to load); `podman save`'s uncompressed docker-archive,
 * which `xcross image load` takes as well, is what CI uses (23 s and 59 s).
 */
export async function imageArchive(how: 'xcross' | 'podman', triple = T): Promise<string> {
  await ensureTargetImages([triple]);
  const ref = spawnSync(process.execPath, [XCROSS, 'image', 'build', '--target', triple], {
    encoding: 'utf8',
  }).stdout.trim();
  const id = podman(['image', 'inspect', '--format', '{{.Id}}', ref]).stdout.trim().slice(0, 12);
  if (!id) throw new Error(`no image ${ref} to save`);
  const dir = path.join(os.homedir(), '.cache', 'xcross-e2e', 'archives');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${triple}-${id}-${how}.tar`);
  if (fs.existsSync(file)) return file;
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(`${triple}-`) && f.endsWith(`-${how}.tar`)))
    fs.rmSync(path.join(dir, f));
  const started = Date.now();
  if (how === 'xcross') {
    const r = await xcross(['image', 'save', '-o', file, '--target', triple], {
      cwd: os.tmpdir(),
      timeoutMs: 1_800_000,
    });
    if (r.code !== 0) throw new Error(`xcross image save failed:\n${tail(r.stderr)}`);
  } else {
    const r = podman(['save', '--format', 'docker-archive', '-o', `${file}.tmp`, ref]);
    if (r.code !== 0) throw new Error(`podman save failed:\n${tail(r.out)}`);
    fs.renameSync(`${file}.tmp`, file);
  }
  process.stderr.write(`${path.basename(file)} saved in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return file;
}

/** This user's podman service on a socket of the test's own, with the flags this VM needs. */
export async function startService(dir: string): Promise<{ socket: string; stop: () => Promise<void> }> {
  const socket = path.join(dir, 'podman.sock');
  const service: ChildProcess = spawn('podman', [...GLOBAL, 'system', 'service', '--time=0', `unix://${socket}`], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 500 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  if (!fs.existsSync(socket)) throw new Error('podman system service did not open its socket');
  return {
    socket,
    stop: async () => {
      if (service.exitCode !== null) return;
      const gone = new Promise((r) => service.once('exit', r));
      service.kill('SIGTERM');
      await gone;
    },
  };
}

/** The lines of a job script's output that carry a marker (`MARK=value`), as a map. */
export function marks(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}
