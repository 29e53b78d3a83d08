// Bare metal: which board qemu-system emulates for the target (-machine) and how long a program may run
// there, from the user's settings; the image's environment has the target's defaults (XCROSS_MACHINE,
// and xcross-runner's 60 s). Pure: the host's environment comes in as an argument.
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import type { TargetSpec } from '../targets/registry';
import { QEMU_NAME } from '../targets/parse-registry';
import { envVarTriple } from '../config/cross-env';
import { quoted } from '../ui/quote';

/** How long xcross-runner lets a program on a board run when nothing says otherwise (seconds). */
export const DEFAULT_TIMEOUT_S = 60;

export interface BoardSettings {
  /** --timeout SECONDS. */
  flagTimeout?: string;
  env: Env;
  /** Cross.toml's [xcross.target.<triple>] machine, by triple. */
  configuredMachine?: Record<string, string>;
}

/** The container variables that choose the board and the time limit; {} keeps the image's defaults. */
export function boardEnv(t: TargetSpec, s: BoardSettings): Record<string, string> {
  const envName = `XCROSS_TARGET_${envVarTriple(t.triple)}_MACHINE`;
  const fromEnv = s.env[envName] || undefined;
  const machine = fromEnv ?? s.configuredMachine?.[t.triple];
  const machineFrom = fromEnv !== undefined ? envName : `xcross.target.${t.triple}.machine`;
  const timeout = s.flagTimeout ?? (s.env.XCROSS_TIMEOUT || undefined);
  const timeoutFrom = s.flagTimeout !== undefined ? '--timeout' : 'XCROSS_TIMEOUT';
  if (t.runner.kind !== 'qemu-system') {
    const what = machine !== undefined ? machineFrom : timeout !== undefined ? timeoutFrom : undefined;
    if (what)
      throw new XcrossError(
        `${what} is for bare-metal targets, whose programs run on a board under qemu-system; ${t.triple} programs run under ${t.runner.kind}`,
        { fix: `remove ${what}, or pick a thumb target (\`xcross targets\` lists them)` },
      );
    return {};
  }
  const out: Record<string, string> = {};
  if (machine !== undefined) {
    if (!QEMU_NAME.test(machine))
      throw new XcrossError(`${machineFrom} is ${quoted(machine)}, which is not a qemu board name`, {
        fix: `name one that \`xcross shell --target ${t.triple} -- ${t.runner.binary} -machine help\` lists, e.g. ${t.runner.machine}`,
      });
    out.XCROSS_MACHINE = machine;
  }
  if (timeout !== undefined) {
    if (!/^\d+$/.test(timeout))
      throw new XcrossError(`${timeoutFrom} is ${quoted(timeout)}, not a number of seconds`, {
        fix: `give whole seconds (default ${DEFAULT_TIMEOUT_S}; 0: no limit)`,
      });
    out.XCROSS_TIMEOUT = String(Number(timeout));
  }
  return out;
}
