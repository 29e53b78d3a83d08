// The host's CPU, from Node's process.arch, in the three spellings xcross needs: `uname -m` (what
// xcross-runner compares), the CPU of the host's Rust triple, and Debian's architecture (the image
// plan). One table, so the three cannot drift apart.

interface Spellings {
  uname: string;
  /** The CPU part of the host's Rust triple; the Node name when Rust has none listed here. */
  triple?: string;
  debian?: string;
}

const ARCHES: Record<string, Spellings> = {
  x64: { uname: 'x86_64', triple: 'x86_64', debian: 'amd64' },
  arm64: { uname: 'aarch64', triple: 'aarch64', debian: 'arm64' },
  ia32: { uname: 'i686', triple: 'i686', debian: 'i386' },
  arm: { uname: 'armv7l', debian: 'armhf' },
  ppc64: { uname: 'ppc64le', triple: 'powerpc64le', debian: 'ppc64el' },
  s390x: { uname: 's390x', triple: 's390x', debian: 's390x' },
  riscv64: { uname: 'riscv64', triple: 'riscv64gc', debian: 'riscv64' },
  mips: { uname: 'mips' },
  loong64: { uname: 'loongarch64' },
};

/** `uname -m` of every host Node (and so xcross) runs on. */
export const HOST_CPUS: ReadonlySet<string> = new Set(Object.values(ARCHES).map((a) => a.uname));

/** The host's own triple, from Node's idea of the CPU: no rustc needed on the host. */
export function hostTriple(arch: string): string {
  return `${ARCHES[arch]?.triple ?? arch}-unknown-linux-gnu`;
}

/** Node's process.arch as `uname -m` spells it. */
export function hostCpu(arch: string): string {
  return ARCHES[arch]?.uname ?? arch;
}

/** Debian's name for the architecture of a host whose Node says `process.arch`. */
export function debianArch(arch: string = process.arch): string {
  return ARCHES[arch]?.debian ?? arch;
}
