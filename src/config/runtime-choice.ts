// Which engine the environment and the cross configuration ask for: one reading, which build, shell,
// image, doctor and --version -v all use (a --runtime flag, where a command has one, wins over it).
import type { Env } from '../host';
import type { CrossDefaults } from './resolve';

/** The engine's name (or path), and where it was asked, for messages. */
export interface RuntimeChoice {
  name: string;
  from: string;
}

/** XCROSS_RUNTIME, then CROSS_CONTAINER_ENGINE, then [xcross] runtime (empty values count as unset). */
export function runtimeChoice(env: Env, cross: CrossDefaults | undefined): RuntimeChoice | undefined {
  if (env.XCROSS_RUNTIME) return { name: env.XCROSS_RUNTIME, from: 'XCROSS_RUNTIME' };
  if (env.CROSS_CONTAINER_ENGINE) return { name: env.CROSS_CONTAINER_ENGINE, from: 'CROSS_CONTAINER_ENGINE' };
  const configured = cross?.xcross?.runtime;
  if (configured) return { name: configured, from: `[xcross] runtime${cross?.file ? ` in ${cross.file}` : ''}` };
  return undefined;
}
