// Mounts for an engine that runs on this machine: 'direct', the engine sees xcross's files at their
// own paths (the usual case, and an engine that runs inside the same container), or 'mapped', xcross
// runs in a container and the engine outside it (its socket mounted in), so each source becomes the
// engine host's path behind the container's mount (mapped.ts). place.ts calls placeHere.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { XcrossError } from '../base/errors';
import type { Logger } from '../base/log';
import type { Env } from '../host';
import { envSwitch } from '../config/env-switch';
import type { ContainerSpec } from '../../runtimes/spec';
import { engineCommand, type Runtime } from '../../runtimes/runtime';
import type { KnownContainer } from '../../runtimes/container-inspect';
import { containerClues, type ContainerClues } from './in-container';
import { mapMounts } from './mapped';
import { mountRoles } from './roles';
import type { Placed } from './place';
import type { Prepared } from '../commands/prepare';

export interface LocalPlacement {
  how: 'direct' | 'mapped';
  /** Why this one, for -v and doctor. */
  why: string;
  /** The container xcross runs in, as the engine knows it ('mapped'). */
  container?: KnownContainer;
  place(spec: ContainerSpec): ContainerSpec;
}

export interface PlacementInput {
  runtime: Pick<Runtime, 'name' | 'inspectContainer' | 'runsHere'>;
  env: Env;
  log: Logger;
  /** What a mounted source is for the user ("the workspace"), for messages. */
  role?(source: string): string;
  /** Read from this machine's files when not given (tests give them). */
  clues?: ContainerClues;
  /** Resolves symbolic links (fs.realpathSync when not given). */
  real?(p: string): string;
}

/** The switch cross users already set: 1 insists on mapping, 0 turns it off. */
export const IN_CONTAINER_VAR = 'CROSS_CONTAINER_IN_CONTAINER';

export async function choosePlacement(i: PlacementInput): Promise<LocalPlacement> {
  const forced = envSwitch(i.env, IN_CONTAINER_VAR);
  if (forced === false) return direct(`${IN_CONTAINER_VAR}=0`);
  const clues = i.clues ?? readClues(i.env);
  const engine = engineCommand(i.runtime);
  if (!clues.signs.length && !forced) return direct('xcross does not run in a container');
  const where = clues.signs.length ? `xcross runs in a container (${clues.signs.join(', ')})` : `${IN_CONTAINER_VAR}=1`;
  if (!forced && (await i.runtime.runsHere?.()))
    return direct(`${where}, and ${engine} runs in it too (no service elsewhere)`);
  const { found, tried } = await findSelf(i.runtime, clues.refs);
  if (found) {
    const short = found.id.slice(0, 12);
    const label = found.name ? `${found.name}, ${short}` : short;
    const real = i.real ?? realPath;
    return {
      how: 'mapped',
      why: `${where} that ${engine} knows as ${label}: the engine runs outside it, so mount sources are its host's paths`,
      container: found,
      place: (spec) => ({
        ...spec,
        mounts: mapMounts(spec.mounts, {
          container: label,
          engine,
          mounts: found.mounts,
          role: i.role ?? (() => 'the mounted folder'),
          real,
          warn: (m) => i.log.warn(m),
        }),
      }),
    };
  }
  const looked = tried.length ? tried.join('; ') : 'it has no ID or name to look up';
  if (forced) {
    throw new XcrossError(`${IN_CONTAINER_VAR}=1, but ${engine} knows no container xcross runs in (${looked})`, {
      fix: `set HOSTNAME to this container's ID or name as \`${engine} ps\` shows it, or unset ${IN_CONTAINER_VAR} when the engine runs inside this container`,
    });
  }
  return direct(`${where}, but ${engine} does not know it (${looked}): the engine runs inside it`);
}

/** The mounts placed for an engine on this machine, and why, with -v. */
export async function placeHere(p: Prepared, spec: ContainerSpec): Promise<Placed> {
  const i: PlacementInput = { runtime: p.runtime, env: p.host.env, log: p.log, role: mountRoles(p) };
  const placement = await choosePlacement(i);
  i.log.debug(`mounts: ${placement.how}, because ${placement.why}`);
  const placed = placement.place(spec);
  if (placement.how === 'mapped')
    for (const m of placed.mounts) i.log.debug(`mounts: ${m.target} from ${m.source} on the engine's host`);
  return { how: placement.how, spec: placed, finish: async () => {} };
}

function direct(why: string): LocalPlacement {
  return { how: 'direct', why, place: (spec) => spec };
}

/** The first of the refs the engine knows as a running container that is this one. */
async function findSelf(
  runtime: PlacementInput['runtime'],
  refs: string[],
): Promise<{ found?: KnownContainer; tried: string[] }> {
  const tried: string[] = [];
  if (!runtime.inspectContainer) return { tried: [`${runtime.name} cannot look containers up`] };
  for (const ref of refs) {
    let c: KnownContainer | undefined;
    try {
      c = await runtime.inspectContainer(ref);
    } catch (e) {
      tried.push(`${ref}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (!c) tried.push(`no container ${ref}`);
    else if (!c.running) tried.push(`${ref} is a container that is not running`);
    else if (!isSelf(c, ref)) tried.push(`${ref} names another container (${c.id.slice(0, 12)})`);
    else return { found: c, tried };
  }
  return { tried };
}

/** A hostname looks a container up by name or ID prefix: it must be that container's own. */
function isSelf(c: KnownContainer, ref: string): boolean {
  return c.id === ref || c.id.startsWith(ref) || c.name === ref || c.hostname === ref;
}

/** The clues of this machine's own files. */
export function readClues(env: Env): ContainerClues {
  return containerClues({
    read: (file) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    hostname: os.hostname(),
    env,
  });
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
