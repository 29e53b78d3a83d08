// How images/steps/verify-pins.sh reads each pin back from the image it built: one loop over these.
import type { Pin } from '../targets/pins';

/**
 * deb      the upstream versions of these packages (installed, or unpacked by xcross-deb-unpack)
 * command  the first version number this sh command prints
 * absent   none of these sh globs matches a file (the pin is "none")
 */
export interface PinRead {
  kind: 'deb' | 'command' | 'absent';
  arg: string;
}

export interface PinCheck extends Pin {
  reads: PinRead[];
}

export const deb = (...packages: string[]): PinRead => ({ kind: 'deb', arg: packages.join(' ') });
export const command = (cmd: string): PinRead => ({ kind: 'command', arg: cmd });
export const absent = (...globs: string[]): PinRead => ({ kind: 'absent', arg: globs.join(' ') });

/** The newest GLIBCXX_ or CXXABI_ version of the libstdc++ a C++ compiler links against. */
export function newestSymbolVersion(cxx: string, prefix: 'GLIBCXX' | 'CXXABI'): PinRead {
  return command(
    `grep -ao '${prefix}_[0-9][0-9.]*[0-9]' "$(readlink -f "$(${cxx} -print-file-name=libstdc++.so.6)")" | sort -uV | tail -n 1`,
  );
}

/** Where the image's rustc keeps a target's std. */
export const rustlib = (triple: string) => `"$(rustc --print sysroot)"/lib/rustlib/${triple}`;
