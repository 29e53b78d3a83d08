// A shell in the target's image: the build's container (mounts, environment, toolchain) with a shell
// or one command instead of cargo. Pure, like planCargo.
import type { ContainerSpec } from '../../runtimes/spec';
import type { TargetSpec } from '../targets/registry';
import { planCargo, type CargoPlanInput } from './cargo-spec';

export function planShell(
  p: Omit<CargoPlanInput, 'cargoArgs' | 'interactive'>,
  command: string[] | undefined,
): ContainerSpec {
  const spec = planCargo({ ...p, cargoArgs: [], interactive: true });
  // A CC the user passes through (Cross.toml's env.passthrough) still wins, as over any default.
  const env: Record<string, string> = { ...shellTools(p.target), ...spec.env, XCROSS_SHELL: '1' };
  // The prompt names the target, so that a terminal full of shells stays readable.
  if (!command) env.PS1 = `[xcross ${p.target.triple}] $PWD\\$ `;
  return {
    ...spec,
    command: command ?? ['bash', '--noprofile', '--norc', '-i'],
    env,
    labels: { ...spec.labels, 'io.xcross.session': 'shell' },
  };
}

/**
 * The plain CC, CXX, AR, RANLIB and STRIP that make and configure read, set to the target's tools.
 * In a shell only: a build keeps CC_<triple> alone, since build scripts that compile for the host
 * read a plain CC as their fallback. ranlib and strip are binutils', which every target's compiler
 * prefix has (the musl wrappers use the gnu ones).
 */
export function shellTools(t: TargetSpec): Record<string, string> {
  // A target without a row: xcross does not know its tools' names, the user's image does.
  if (t.custom) return {};
  return { CC: t.cc, CXX: t.cxx, AR: t.ar, RANLIB: `${t.gnu}-ranlib`, STRIP: `${t.gnu}-strip` };
}
