// What to type to install something xcross needs, in the words of the host's own package manager.
import { hostOsRelease, type OsRelease } from './os-release';

export type PackageManager = 'apt' | 'dnf' | 'pacman' | 'zypper' | 'apk';

/** What a fix may ask the user to install. */
export type Need = 'podman' | 'uidmap' | 'binfmt' | 'docker' | 'ssh';

// ID and ID_LIKE words of each family (RHEL's clones say "rhel" or "fedora" in ID_LIKE).
const FAMILIES: [PackageManager, string[]][] = [
  ['apt', ['debian', 'ubuntu']],
  ['dnf', ['fedora', 'rhel', 'centos']],
  ['pacman', ['arch']],
  ['zypper', ['suse', 'opensuse']],
  ['apk', ['alpine']],
];

export function packageManager(os: OsRelease | null): PackageManager | undefined {
  if (!os) return undefined;
  for (const word of [os.id, ...os.idLike]) {
    const family = FAMILIES.find(
      ([, ids]) => ids.includes(word) || (word.startsWith('opensuse') && ids.includes('opensuse')),
    );
    if (family) return family[0];
  }
  return undefined;
}

// Package names per manager. Debian's podman only recommends uidmap (newuidmap, newgidmap), which
// rootless podman cannot do without; elsewhere those come with the shadow package podman needs.
const PACKAGES: Record<Need, Record<PackageManager, string[]>> = {
  podman: { apt: ['podman', 'uidmap'], dnf: ['podman'], pacman: ['podman'], zypper: ['podman'], apk: ['podman'] },
  uidmap: { apt: ['uidmap'], dnf: ['shadow-utils'], pacman: ['shadow'], zypper: ['shadow'], apk: ['shadow-uidmap'] },
  binfmt: {
    apt: ['binfmt-support', 'qemu-user-static'],
    dnf: ['qemu-user-static'],
    pacman: ['qemu-user-static', 'qemu-user-static-binfmt'],
    zypper: ['qemu-linux-user'],
    // Alpine has a qemu package per CPU (added by installCommand); qemu-openrc registers them.
    apk: ['qemu-openrc'],
  },
  docker: { apt: ['docker.io'], dnf: ['moby-engine'], pacman: ['docker'], zypper: ['docker'], apk: ['docker'] },
  ssh: {
    apt: ['openssh-client'],
    dnf: ['openssh-clients'],
    pacman: ['openssh'],
    zypper: ['openssh-clients'],
    apk: ['openssh-client'],
  },
};

const COMMANDS: Record<PackageManager, string> = {
  apt: 'sudo apt-get install',
  dnf: 'sudo dnf install',
  pacman: 'sudo pacman -S',
  zypper: 'sudo zypper install',
  apk: 'sudo apk add',
};

/**
 * The command that installs `need` on a host of this distribution; where the distribution is not
 * one xcross knows, the commands of the two it is most often asked about, named as such. `qemuCpus`:
 * the CPUs (as qemu names them) a binfmt install is for, where the distribution packages them apart.
 */
export function installCommand(need: Need, os: OsRelease | null = hostOsRelease(), qemuCpus: string[] = []): string {
  const pm = packageManager(os);
  const perCpu = pm === 'apk' && need === 'binfmt' ? qemuCpus.map((cpu) => `qemu-${cpu}`) : [];
  if (pm) return `${COMMANDS[pm]} ${[...PACKAGES[need][pm], ...perCpu].join(' ')}`;
  const on = os ? `${os.name} is not a distribution xcross knows: ` : '';
  return `${on}install ${PACKAGES[need].apt.join(' ')} with your package manager (Debian: ${COMMANDS.apt} ${PACKAGES[need].apt.join(' ')}; Fedora: ${COMMANDS.dnf} ${PACKAGES[need].dnf.join(' ')})`;
}
