// What a podman that runs inside a container says when that container withholds something it
// needs, turned into one sentence and the flag or setting that gives it. podman's own words are long
// (a whole mount line) and its hints generic; these name the device, the id map, the namespace or the
// security profile that refused, and what to add when the job container is started.
import { XcrossError } from '../../src/base/errors';

export interface Refusal {
  /** What is missing, one sentence. */
  message: string;
  /** The flag or setting that gives it. */
  fix: string;
}

const SECURITY_FLAGS =
  "--security-opt seccomp=unconfined (docker's default seccomp profile refuses unshare and mount without CAP_SYS_ADMIN) and, where AppArmor confines containers, --security-opt apparmor=unconfined";

const KNOWN: { test: RegExp; refusal: (m: RegExpExecArray, text: string) => Refusal }[] = [
  {
    test: /fuse: (?:failed to open \/dev\/fuse: ([^\n]+)|(device not found)[^\n]*)/,
    refusal: (m, text) => {
      const store = /(\/\S+)\/overlay\/[0-9a-f]{64}\/merged/.exec(text)?.[1];
      return {
        message: `podman mounts image layers with fuse-overlayfs here, which cannot open /dev/fuse (${(m[1] ?? m[2]).trim()})`,
        fix: `give podman a /dev/fuse this user may open (a job container: --device /dev/fuse; a host's mode-600 /dev/fuse reaches a rootless container unusable), or keep podman's storage${store ? ` (${store})` : ''} off overlayfs (in a container: on a volume), where the kernel's own overlay needs no /dev/fuse`,
      };
    },
  },
  {
    test: /creating overlay mount to (\/\S+?)\/overlay\/[0-9a-f]{64}\/merged, mount_data="[^"]*": invalid argument/,
    refusal: (m) => ({
      message: `the kernel will not mount podman's overlay storage ${m[1]} (invalid argument): its folder is on overlayfs, or storage.conf's mountopt has an option only fuse-overlayfs knows`,
      fix: `keep ${m[1]} on a volume, and mountopt = "nodev" in storage.conf (fsync=0 is fuse-overlayfs's option)`,
    }),
  },
  {
    test: /new([ug])idmap: write to [ug]id_map failed: ([^\n"\\]+)/,
    refusal: (m) => ({
      message: `new${m[1]}idmap cannot write a new user namespace's id map (${m[2].trim()})`,
      fix: 'newuidmap and newgidmap must be setuid root or have file capabilities; in a job container without CAP_SYS_ADMIN a setuid-root one cannot write the map: give them file capabilities instead (chmod u-s /usr/bin/newuidmap /usr/bin/newgidmap && setcap cap_setuid=ep /usr/bin/newuidmap && setcap cap_setgid=ep /usr/bin/newgidmap, as images/job does), or start the container with --cap-add SYS_ADMIN',
    }),
  },
  {
    test: /(there might not be enough IDs available in the namespace|insufficient UIDs or GIDs available in user namespace|no subuid ranges found for user[^\n]*|cannot find mappings for user[^\n]*|new[ug]idmap: [ug]id range [^\n]* not allowed)/,
    refusal: (m) => ({
      message: `podman has too few subordinate ids to map an image's users (${m[1].trim()})`,
      fix: 'give the user ranges in /etc/subuid and /etc/subgid (sudo usermod --add-subuids 200000-265535 --add-subgids 200000-265535 USER; in a container, within the ids it has in /proc/self/uid_map: for uid 1000 in 65536 ids, USER:1:999 and USER:1001:64535), then run podman system migrate',
    }),
  },
  {
    test: /(?:error mounting "proc"|mount proc)[^\n]*(?:operation not permitted|permission denied)/i,
    refusal: () => ({
      message: "the container cannot mount a /proc of its own: the outer engine masks parts of this container's /proc",
      fix: 'add volumes = ["/proc:/proc"] under [containers] in containers.conf (as images/job and quay.io/podman/stable do), or start the job container with --security-opt unmask=/proc/* (docker: --security-opt systempaths=unconfined)',
    }),
  },
  {
    test: /sethostname: operation not permitted/i,
    refusal: () => ({
      message: 'the container cannot set a hostname of its own in this container',
      fix: 'add utsns = "host" under [containers] in containers.conf (as images/job and quay.io/podman/stable do)',
    }),
  },
  {
    test: /(cannot clone: Operation not permitted|unshare[^\n]*(?:operation not permitted|permission denied)|user namespaces are not enabled)/i,
    refusal: (m) => ({
      message: `the user namespace rootless podman needs is refused here (${m[1].trim()}): a seccomp or AppArmor profile, or the kernel's settings, refuse unshare`,
      fix: `in a job container: ${SECURITY_FLAGS}, or --privileged; on a host: sysctl user.max_user_namespaces above 0, and where kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu 24.04) an AppArmor profile that lets podman unshare`,
    }),
  },
  {
    test: /(mount[^\n]*(?:overlay|tmpfs)[^\n]*: permission denied)/i,
    refusal: (m) => ({
      message: `a security profile refuses mount here (${m[1].trim().slice(0, 120)})`,
      fix: `start the job container with ${SECURITY_FLAGS}, or with --privileged`,
    }),
  },
];

/** The refusal in an engine's complaint, when it is one of a container withholding something. */
export function containerRefusal(text: string): Refusal | undefined {
  for (const k of KNOWN) {
    const m = k.test.exec(text);
    if (m) return k.refusal(m, text);
  }
  return undefined;
}

/** A container withholds what the engine needs: the fix is the flag or setting that gives it. */
export class ContainerRefused extends XcrossError {}

/** The refusal as an error for the user, or undefined. */
export function refusalError(text: string, engine = 'podman'): ContainerRefused | undefined {
  const r = containerRefusal(text);
  return r && new ContainerRefused(`${engine} cannot start containers here: ${r.message}`, { fix: r.fix });
}
