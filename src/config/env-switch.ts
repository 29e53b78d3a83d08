// A yes/no variable (XCROSS_READ_ONLY_SOURCE, XCROSS_GLIBC_CHECK, ...): a value it does not take is
// an error, never quietly the default, so XCROSS_READ_ONLY_SOURCE=true cannot leave the source writable.
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import { quoted } from '../ui/quote';

/** 1/true/yes/on or 0/false/no/off (any case); undefined when unset or empty. */
export function envSwitch(env: Env, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new XcrossError(`${name} is ${quoted(v)}, which is neither 1 nor 0`, {
    fix: `set ${name}=1 or ${name}=0 (or unset it)`,
  });
}
