// A shell in the target's image: the build's container (mounts, environment, toolchain) with a shell
// or one command instead of cargo. Pure, like planCargo.
import type { ContainerSpec } from '../../runtimes/spec';
import { planCargo, type CargoPlanInput } from './cargo-spec';

export function planShell(p: Omit<CargoPlanInput, 'cargoArgs' | 'interactive'>, command: string[] | undefined): ContainerSpec {
  const spec = planCargo({ ...p, cargoArgs: [], interactive: true });
  const env: Record<string, string> = { ...spec.env, XCROSS_SHELL: '1' };
  // The prompt names the target, so that a terminal full of shells stays readable.
  if (!command) env.PS1 = `[xcross ${p.target.triple}] $PWD\\$ `;
  return {
    ...spec,
    command: command ?? ['bash', '--noprofile', '--norc', '-i'],
    env,
    labels: { ...spec.labels, 'io.xcross.session': 'shell' },
  };
}
