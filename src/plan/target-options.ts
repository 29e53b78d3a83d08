// Cross.toml's per-target options turned into container terms: variables passed through, volumes
// mounted and exported, the runner, the std crates to build. Pure: host facts come in as arguments.
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { Env } from '../host';
import type { TargetOptions } from '../config/cross-options';
import { quoted } from '../ui/quote';
import { envVarTriple } from '../config/cross-env';
import type { Mount } from '../../runtimes/spec';

export interface AppliedOptions {
  env: Record<string, string>;
  mounts: Mount[];
  /** Cross.toml's build-std: the std crates to build for the target (undefined: use the std there is). */
  buildStd?: string[];
  /** Things the user should know (a volume whose variable is unset, ...). */
  notes: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// The image's own system directories: a host directory over one hides the toolchain (runc refuses / outright).
const SYSTEM_DIRS = new Set([
  '/',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/xcross',
]);

export function applyTargetOptions(o: TargetOptions, triple: string, hostEnv: Env, cwd: string): AppliedOptions {
  const out: AppliedOptions = { env: {}, mounts: [], notes: [] };
  for (const entry of o.passthrough) {
    const [name, value] = splitEntry(entry, 'env.passthrough');
    const v = value ?? hostEnv[name];
    if (v !== undefined) out.env[name] = v;
  }
  for (const entry of o.volumes) {
    const [name, value] = splitEntry(entry, 'env.volumes');
    const dir = value ?? hostEnv[name];
    if (dir === undefined || dir === '') {
      out.notes.push(`env.volumes names ${name}, which is not set: nothing mounted for it`);
      continue;
    }
    const abs = path.resolve(cwd, dir);
    if (SYSTEM_DIRS.has(abs)) {
      throw new XcrossError(`env.volumes would mount ${abs} (${name}) over the image's own ${abs}`, {
        fix: `name a directory below it, e.g. ${name}=${path.join(abs, 'data')}`,
      });
    }
    out.mounts.push({ source: abs, target: abs, readOnly: false });
    out.env[name] = abs;
  }
  if (o.runner !== undefined && o.runner !== 'qemu-user') {
    if (o.runner === 'native') out.env.XCROSS_QEMU = '';
    else if (o.runner === 'qemu-system') {
      throw new XcrossError(
        `runner = "qemu-system" is not supported by xcross: its images run foreign binaries with qemu-user`,
        {
          fix: 'remove the runner key (qemu-user is the default), or name your own runner program',
        },
      );
    } else out.env[`CARGO_TARGET_${envVarTriple(triple)}_RUNNER`] = o.runner;
  }
  if (o.buildStd === true) out.buildStd = [];
  else if (Array.isArray(o.buildStd) && o.buildStd.length > 0) out.buildStd = o.buildStd;
  return out;
}

/** A volume whose directory is not there: the engine's own error ("statfs ...: no such file") says less. */
export function refuseMissingVolumes(applied: AppliedOptions, exists: (p: string) => boolean): void {
  for (const m of applied.mounts) {
    if (exists(m.source)) continue;
    const name = Object.keys(applied.env).find((k) => applied.env[k] === m.source) ?? 'a variable';
    throw new XcrossError(`env.volumes names ${name}=${quoted(m.source)}, which does not exist`, {
      fix: `create that directory, or set ${name} to one that exists`,
    });
  }
}

function splitEntry(entry: string, key: string): [string, string | undefined] {
  const eq = entry.indexOf('=');
  const name = eq < 0 ? entry : entry.slice(0, eq);
  if (!NAME.test(name))
    throw new XcrossError(`${key} entry ${quoted(entry)} does not start with a variable name`, {
      fix: 'write NAME or NAME=VALUE',
    });
  return [name, eq < 0 ? undefined : entry.slice(eq + 1)];
}
