// Hosts where an engine's defaults fail (nested CI runners, this kind of VM): rlimits above what the
// caller may set, hybrid cgroups crun refuses, rootless networking without /dev/net/tun. xcross
// probes once with a `true` container, reads the engine's complaint, adds the flag that answers it,
// and remembers the result (cache.ts) per boot, engine binary and user.
import { firstFrom } from '../build-from';
import * as fs from 'node:fs';
import { XcrossError } from '../../src/base/errors';
import type { Captured } from '../process';
import type { BuildRequest } from '../runtime';
import { refusalError } from './refusals';

export interface Adaptation {
  /** Global engine flags (before the subcommand). */
  global: string[];
  /** Flags for `run` (and the matching ones for `build`). */
  run: string[];
  /** What was adapted and why, for -v. */
  notes: string[];
}

export interface Limits {
  nofile: number;
  nproc: number;
}

/** Hard limits of this process: a container may not be given more. */
export function readHardLimits(text = safeRead('/proc/self/limits')): Limits {
  const hard = (label: string): number => {
    const m = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(text);
    return m && /^\d+$/.test(m[1]) ? Number(m[1]) : 1 << 20;
  };
  return { nofile: hard('Max open files'), nproc: hard('Max processes') };
}

type Probe = (adapt: Adaptation) => Promise<Captured>;

/** podman often runs conmon with a lower nproc than ours; step down until one is accepted. */
const NPROC_LADDER = [65536, 32768, 16384, 4096];

/** `engine`: the name the messages give the engine probed (podman for a podman service). */
export async function probeAdaptation(probe: Probe, limits: Limits, engine = 'podman'): Promise<Adaptation> {
  const a: Adaptation = { global: [], run: ['--init'], notes: [] };
  const nprocCandidates = [...new Set([limits.nproc, ...NPROC_LADDER])].filter((n) => n <= limits.nproc);
  let nprocIndex = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await probe(a);
    if (r.code === 0) return a;
    const err = r.stderr;
    if (
      /cgroups in hybrid mode|drop all controllers from cgroupv2/.test(err) &&
      !a.global.includes('--cgroup-manager')
    ) {
      a.global.push('--runtime', 'runc', '--cgroup-manager', 'cgroupfs');
      a.notes.push('crun refuses hybrid cgroups here: using runc with cgroupfs');
    } else if (/RLIMIT_NOFILE|rlimit type 7/.test(err) && !a.run.some((f) => f.startsWith('--ulimit=nofile'))) {
      a.run.push(`--ulimit=nofile=${limits.nofile}:${limits.nofile}`);
      a.notes.push(`${engine}'s default open-files limit is above this host's hard limit: using ${limits.nofile}`);
    } else if (/RLIMIT_NPROC|rlimit type 6/.test(err) && nprocIndex < nprocCandidates.length) {
      const n = nprocCandidates[nprocIndex++];
      replaceWith(a.run, '--ulimit=nproc=', `--ulimit=nproc=${n}:${n}`);
      replaceWith(a.notes, 'process limit', `process limit: ${engine}'s default is refused here: using ${n}`);
    } else if (/\/dev\/net\/tun|slirp4netns failed|pasta failed/.test(err) && !a.run.includes('--network=host')) {
      a.run.push('--network=host');
      a.notes.push('rootless networking cannot open /dev/net/tun here: using the host network');
    } else if (/mount(?:ing)? "?sysfs"?[^\n]*operation not permitted/i.test(err) && !a.run.includes('--network=host')) {
      // In a container: a network namespace of the container's own cannot mount the /sys it needs.
      a.run.push('--network=host');
      a.notes.push("a new network namespace cannot mount /sys in this container: using the container's network");
    } else if (/not compatible with NoCgroups/.test(err) && !a.run.includes('--cgroups=enabled')) {
      // podman in a container: containers.conf says cgroups = "disabled", which only crun runs.
      a.run.push('--cgroups=enabled');
      a.notes.push(`${engine}'s containers.conf turns cgroups off, which runc cannot run: asking for them`);
    } else if (/catatonit|init binary/.test(err) && a.run.includes('--init')) {
      a.run.splice(a.run.indexOf('--init'), 1);
      a.notes.push(`${engine} has no init binary${engine === 'podman' ? ' (catatonit)' : ''}: running without --init`);
    } else {
      const refused = refusalError(err, engine);
      if (refused) throw refused;
      throw new XcrossError(`${engine} cannot start a container on this host: ${firstLines(err)}`, {
        fix: `run \`xcross -v\` with the same command to see the engine calls, and check \`${engine} run --rm <image> true\` by hand`,
      });
    }
  }
  throw new XcrossError(`${engine} still refuses to start a container after adapting (${a.notes.join('; ')})`);
}

function replaceWith(list: string[], prefix: string, item: string): void {
  const i = list.findIndex((x) => x.startsWith(prefix));
  if (i < 0) list.push(item);
  else list[i] = item;
}

function firstLines(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .filter((l) => !/level=warning/.test(l))
      .slice(0, 2)
      .join(' ')
      .replace(/^Error: /, '')
      // podman's storage errors carry the whole mount line: its options say nothing to the user.
      .replace(/mount_data="[^"]*"/g, 'mount_data=...') || 'no message'
  );
}

export function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A build probes with its base image: the one image certain to exist before the build. */
export function buildProbeImage(req: BuildRequest): string {
  // A rendered recipe names its parent in its FROM line, with no build arguments.
  const base = req.buildArgs.BASE_IMAGE ?? req.buildArgs.BASE ?? firstFrom(req);
  if (!base) throw new XcrossError(`internal: build of ${req.tag} names no base image to probe the engine with`);
  return base;
}
