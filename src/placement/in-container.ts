// Whether xcross runs inside a container, and the IDs and names an engine outside may know that
// container by. The signs: /run/.containerenv (podman), /.dockerenv (docker), `container=` in the
// environment (podman, systemd-nspawn, LXC), an engine's name in /proc/self/cgroup, and the container's
// own files (/etc/hostname, /etc/hosts, /run/.containerenv) bind-mounted from an engine's container
// folder in /proc/self/mountinfo, whose path carries the container's ID. The files come in through
// `read`, so tests give them as text.
import type { Env } from '../host';

export interface ContainerClues {
  /** How it is known, for -v and doctor; empty when nothing says xcross runs in a container. */
  signs: string[];
  /** IDs and names to look the container up by, the most certain first. */
  refs: string[];
}

export interface ClueSources {
  /** A file's text, or undefined when it cannot be read (it does not exist). */
  read(file: string): string | undefined;
  hostname: string;
  env: Env;
}

const ID = '[0-9a-f]{64}';

export function containerClues(src: ClueSources): ContainerClues {
  const signs: string[] = [];
  const refs: string[] = [];
  const containerenv = src.read('/run/.containerenv');
  if (containerenv !== undefined) {
    signs.push('/run/.containerenv (podman)');
    // Written with --privileged only: id="..." and name="...".
    for (const key of ['id', 'name']) {
      const m = new RegExp(`^${key}="([^"]+)"$`, 'm').exec(containerenv);
      if (m) refs.push(m[1]);
    }
  }
  if (src.read('/.dockerenv') !== undefined) signs.push('/.dockerenv (docker)');
  const kind = src.env.container?.trim();
  if (kind) signs.push(`container=${kind} in the environment`);
  const fromMounts = mountinfoIds(src.read('/proc/self/mountinfo') ?? '');
  if (fromMounts.length) signs.push("the container's own files in /proc/self/mountinfo");
  refs.push(...fromMounts);
  const cgroup = cgroupClues(src.read('/proc/self/cgroup') ?? '');
  if (cgroup.engine) signs.push(`${cgroup.engine} in /proc/self/cgroup`);
  refs.push(...cgroup.ids);
  if (src.env.KUBERNETES_SERVICE_HOST) signs.push('KUBERNETES_SERVICE_HOST in the environment');
  // Docker's and podman's default hostname is the ID's first 12 characters; cross looks up $HOSTNAME.
  if (signs.length) refs.push(...[src.env.HOSTNAME, src.hostname].filter((h): h is string => !!h?.trim()));
  return { signs, refs: [...new Set(refs)] };
}

/**
 * IDs from the sources of /etc/hostname, /etc/hosts, /etc/resolv.conf and /run/.containerenv: podman
 * keeps them in .../overlay-containers/ID/userdata/, docker in .../containers/ID/.
 */
export function mountinfoIds(mountinfo: string): string[] {
  const ids: string[] = [];
  const own = new RegExp(`containers/(${ID})/(?:userdata/)?(?:hostname|hosts|resolv\\.conf|\\.containerenv)$`);
  for (const line of mountinfo.split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT ...: the root is the path within the source filesystem.
    const [, , , root, point] = line.split(' ');
    if (!root || !/^\/(etc\/(hostname|hosts|resolv\.conf)|run\/\.containerenv)$/.test(point ?? '')) continue;
    const m = own.exec(root);
    if (m) ids.push(m[1]);
  }
  return [...new Set(ids)];
}

/** The engine a cgroup path names (cgroup v1, or v2 without a cgroup namespace), and the IDs in it. */
export function cgroupClues(cgroup: string): { engine?: string; ids: string[] } {
  const ids: string[] = [];
  let engine: string | undefined;
  for (const line of cgroup.split('\n')) {
    const p = line.split(':').slice(2).join(':');
    const named = /(docker|libpod|crio|cri-containerd|kubepods|containerd|lxc)/.exec(p);
    if (named) engine ??= named[1] === 'libpod' ? 'podman' : named[1];
    const id = new RegExp(`(?:docker|libpod|crio|cri-containerd)[-/](${ID})`).exec(p);
    if (id) ids.push(id[1]);
  }
  return { ...(engine ? { engine } : {}), ids: [...new Set(ids)] };
}
