// Checks for xcross inside a container: where its engine runs (outside, with the mounts mapped, or
// inside with it), and, for a podman of its own in there, what the container withholds that rootless
// podman needs: /dev/fuse, /dev/net/tun, user namespaces and mount (seccomp, AppArmor). Each names the
// flag to add when the job container is started. The subordinate ids are host-checks.ts's.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Settings } from '../settings';
import { createRuntime } from '../../runtimes/detect';
import { findOnPath } from '../../runtimes/which';
import type { Env } from '../host';
import { choosePlacement, readClues } from '../placement/here';
import type { ContainerClues } from '../placement/in-container';
import { podmanFacts, type EngineFacts } from './podman-info';
import { holdingMount } from '../placement/mapped';
import { fail, ok, warn, type CheckResult } from './check';

/** What the checks read of this machine; tests give their own. */
export interface ContainerProbe {
  clues(env: Env): ContainerClues;
  /** undefined when the device opens for reading and writing, else why not. */
  openDevice(dev: string): string | undefined;
  /** The file system type of the mount that holds a path (from /proc/self/mountinfo). */
  fsType(p: string): string | undefined;
  /** `unshare` run with these arguments: undefined when it worked, its complaint when not, null without unshare. */
  unshare(args: string[]): string | undefined | null;
  /** The confinement in force: seccomp filter mode, the AppArmor profile. */
  confinement(): string[];
}

export async function containerChecks(
  s: Pick<Settings, 'host' | 'log' | 'runtime'>,
  probe: ContainerProbe = REAL,
): Promise<CheckResult[]> {
  const clues = probe.clues(s.host.env);
  if (!clues.signs.length) return [];
  const { host, log } = s;
  const runtime = await createRuntime(s.runtime?.name, { env: host.env, uid: host.uid, cacheDir: host.cacheDir, log });
  const placement = await choosePlacement({ runtime, env: host.env, log, clues });
  const out: CheckResult[] = [];
  if (placement.how === 'mapped') {
    const shown = placement
      .container!.mounts.filter((m) => m.source && !/^\/(etc|run|proc|sys|dev)\//.test(m.destination))
      .map((m) => `${m.destination} is ${m.source}`);
    out.push(ok('container', `${placement.why}${shown.length ? ` (${shown.join(', ')})` : ''}`));
    return out;
  }
  out.push(ok('container', placement.why));
  if (!(await runtime.runsHere?.()) || runtime.name !== 'podman') return out;
  // A podman of its own in this container: where it keeps images decides whether it needs /dev/fuse.
  const facts = await podmanFacts(findOnPath('podman', host.env.PATH) ?? 'podman', host.env);
  out.push(fuseCheck(probe, typeof facts === 'string' ? undefined : facts));
  // Root's podman needs no /dev/net/tun: its networks are bridges.
  const tun = host.uid === 0 ? undefined : probe.openDevice('/dev/net/tun');
  if (host.uid !== 0)
    out.push(
      tun === undefined
        ? ok('tun', '/dev/net/tun opens: rootless podman can give containers a network of their own')
        : warn(
            'tun',
            `${tun}, so rootless podman cannot give containers a network of their own: xcross runs them on this container's network`,
            'start the job container with --device /dev/net/tun for networks of their own (xcross does not need them)',
          ),
    );
  out.push(...namespaceChecks(probe, host.uid));
  return out;
}

function fuseCheck(probe: ContainerProbe, facts: EngineFacts | undefined): CheckResult {
  const fuse = probe.openDevice('/dev/fuse');
  if (fuse === undefined) return ok('fuse', '/dev/fuse opens: fuse-overlayfs can mount image layers');
  if (!facts)
    return warn(
      'fuse',
      `${fuse}; podman does not say where it stores images, so whether it needs /dev/fuse is unknown`,
      FUSE_FIX("podman's storage"),
    );
  const fsType = facts.graphRoot ? probe.fsType(facts.graphRoot) : undefined;
  const where = facts.graphRoot ? `podman's storage ${facts.graphRoot}` : "podman's storage";
  if (!facts.mountProgram && fsType && fsType !== 'overlay')
    return ok('fuse', `${fuse}, and none is needed: ${where} is on ${fsType}, where the kernel's own overlay works`);
  return fail(
    'fuse',
    `${fuse}, and ${facts.mountProgram ? `podman's storage mounts layers with ${facts.mountProgram}` : `${where} is on ${fsType ?? 'an unknown file system'}, where only fuse-overlayfs mounts layers`}`,
    `${FUSE_FIX(where)}${facts.mountProgram ? ' and remove mount_program from storage.conf' : ''}`,
  );
}

const FUSE_FIX = (where: string) =>
  `start the job container with --device /dev/fuse (one this user may open: a host's mode-600 /dev/fuse reaches a rootless container unusable), or keep ${where} on a volume`;

function namespaceChecks(probe: ContainerProbe, uid: number): CheckResult[] {
  const userns = probe.unshare(['--user', '--map-root-user', 'true']);
  if (userns === null) return [ok('userns', 'unshare is not installed here, so user namespaces were not tried')];
  const confined = probe.confinement();
  const by = confined.length ? ` (${confined.join(', ')})` : '';
  const flags =
    'start the job container with --security-opt seccomp=unconfined and, where AppArmor confines it, --security-opt apparmor=unconfined (or --privileged)';
  if (userns !== undefined)
    return [
      fail(
        'userns',
        `this container may not make user namespaces${by}: ${userns}; ${uid === 0 ? 'podman' : 'rootless podman'} needs them`,
        flags,
      ),
    ];
  const mount = probe.unshare(['--user', '--map-root-user', '--mount', 'mount', '-t', 'tmpfs', 'xcross-probe', '/tmp']);
  return [
    ok('userns', 'user namespaces can be made in this container'),
    mount === undefined || mount === null
      ? ok('mount', 'file systems can be mounted in a user namespace of this container')
      : fail('mount', `this container refuses mount in a user namespace${by}: ${mount}`, flags),
  ];
}

const REAL: ContainerProbe = {
  clues: readClues,
  openDevice: (dev) => {
    try {
      fs.closeSync(fs.openSync(dev, 'r+'));
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? `there is no ${dev}` : `${dev} is there but cannot be opened (${code})`;
    }
  },
  fsType: (p) => {
    let text = '';
    try {
      text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      return undefined;
    }
    const mounts = text
      .split('\n')
      .map((l) => {
        const [head, tail] = l.split(' - ');
        return { destination: head?.split(' ')[4] ?? '', type: tail?.split(' ')[0] ?? '' };
      })
      .filter((m) => m.destination.startsWith('/'));
    const holder = holdingMount(
      p,
      mounts.map((m) => ({ type: m.type, destination: m.destination, rw: true })),
    );
    return holder?.type;
  },
  unshare: (args) => {
    const bin = findOnPath('unshare', '/usr/bin:/bin:/usr/sbin:/sbin');
    if (!bin) return null;
    const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
    return r.status === 0 ? undefined : (r.stderr || r.error?.message || `exit code ${r.status}`).trim().split('\n')[0];
  },
  confinement: () => {
    const out: string[] = [];
    const status = safeRead('/proc/self/status');
    if (/^Seccomp:\s*2/m.test(status)) out.push('a seccomp filter is in force');
    const apparmor = safeRead('/proc/self/attr/current').trim();
    if (apparmor && apparmor !== 'unconfined') out.push(`AppArmor profile ${apparmor}`);
    return out;
  },
};

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
