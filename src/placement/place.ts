// Where a planned container's mounts come from, for the engine at hand. The plan speaks in this
// machine's own paths; just before a runtime runs the spec, placeMounts decides, in one place, how the
// engine gets them:
// - 'direct': the engine sees our paths (a local engine, one inside the same container, or a remote
//   one that shares them, as podman machine shares the home folder): bind mounts as planned;
// - 'mapped': xcross runs in a container and the engine outside it: each path becomes the engine
//   host's path for it (here.ts, mapped.ts);
// - 'synced': the engine is on another machine that cannot see the workspace: named volumes on its
//   side, the changed files sent before the run and cargo's artifacts brought back after (remote.ts,
//   src/sync/).
// `-v` says which, and why.
import type { RunResult } from '../../runtimes/runtime';
import type { ContainerSpec } from '../../runtimes/spec';
import type { Prepared } from '../commands/prepare';
import { placeHere } from './here';
import { placeRemote } from './remote';

export type Placement = 'direct' | 'mapped' | 'synced';

export interface Placed {
  how: Placement;
  /** The spec to run: the planned one, or one whose mounts the engine can reach. */
  spec: ContainerSpec;
  /** After the run (also a failed or interrupted one; undefined: it did not run): bring back what it
   * made, let go of what was held. */
  finish(result: RunResult | undefined): Promise<void>;
}

export async function placeMounts(p: Prepared, spec: ContainerSpec): Promise<Placed> {
  if (p.runtime.remote) return placeRemote(p, spec, p.runtime.remote);
  return placeHere(p, spec);
}
