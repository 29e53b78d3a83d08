// xcross shell --target T [-- CMD ARGS...]: the target's toolchain image, in this crate, with the
// mounts and environment of a build: CC/CXX/AR and the linker for the target, pkg-config for it, and
// `xcross-runner PROGRAM` to run a foreign binary under qemu. Returns the shell's (or CMD's) exit code.
import { XcrossError } from '../base/errors';
import type { Host } from '../host';
import type { Crate, Settings } from '../settings';
import type { Stopping } from '../../runtimes/stop';
import type { CargoInvocation } from '../cli/cargo-args';
import { planShell } from '../plan/shell-spec';
import { planBase, prepare } from './prepare';
import { qemuDebugOptions } from './qemu-debug';
import { runContainer } from './run-container';
import { customStdMount } from './custom-std';
import { quoted } from '../ui/quote';

/** Options before `--` that a shell understands; everything after `--` is the command. */
const SHELL_FLAGS = /^(--target|--manifest-path|--target-dir)(=|$)|^-v+$|^--verbose$/;

/** The command after `--` (none: an interactive shell), once the arguments are known to be a shell's. */
export function shellCommand(inv: CargoInvocation, host: Host): string[] | undefined {
  const dashdash = inv.cargoArgs.indexOf('--');
  const before = dashdash < 0 ? inv.cargoArgs : inv.cargoArgs.slice(0, dashdash);
  const command = dashdash < 0 ? undefined : inv.cargoArgs.slice(dashdash + 1);
  for (let i = 0; i < before.length; i++) {
    const a = before[i];
    if (!SHELL_FLAGS.test(a)) {
      throw new XcrossError(`xcross shell does not take ${quoted(a)}`, {
        fix: 'put the command to run after --, as in `xcross shell --target T -- make test`',
      });
    }
    if (/^--(target|manifest-path|target-dir)$/.test(a)) i++;
  }
  if (command !== undefined && command.length === 0)
    throw new XcrossError('nothing after --: name the command to run, or leave out -- for an interactive shell');
  if (command === undefined && !(host.stdinIsTTY && host.stdoutIsTTY)) {
    throw new XcrossError('an interactive shell needs a terminal, and stdin or stdout is not one', {
      fix: 'run one command instead: xcross shell --target T -- CMD ARGS...',
    });
  }
  return command;
}

export async function runShellCommand(
  inv: CargoInvocation,
  settings: Settings & { crate: Crate },
  command: string[] | undefined,
  stop?: Stopping,
): Promise<number> {
  const p = await prepare(inv, settings, false, stop);
  const debug = await qemuDebugOptions(inv, p);
  // Cross.toml's build-std: the shell's cargo finds the same std a build would.
  const std = await customStdMount(p);
  const base = planBase(p, 'shell', debug.env);
  const spec = planShell(
    { ...base, extra: { env: base.extra!.env, mounts: [...base.extra!.mounts, ...(std ? [std] : [])] } },
    command,
  );
  return runContainer(p, { ...spec, ports: debug.ports });
}
