// Where a planned container's mounts come from, for the engine at hand. The plan speaks in this
// machine's own paths; just before a runtime runs the spec, placeMounts decides, in one place, how the
// engine gets them:
// - 'direct': the engine sees our paths (a local engine; a remote one that shares them, as podman
//   machine shares the home folder): bind mounts as planned;
// - 'mapped': xcross runs in a container and the engine outside it: each path becomes the engine
//   host's path for it (issue 25, part 1);
// - 'synced': the engine is on another machine that cannot see the workspace: named volumes on its
//   side, the changed files sent before the run and cargo's artifacts brought back after (src/sync/).
// `-v` says which, and why.
import { ApiClient } from '../../runtimes/podman-api/client';
import type { RunResult } from '../../runtimes/runtime';
import type { ContainerSpec } from '../../runtimes/spec';
import type { Prepared } from '../commands/prepare';
import { XcrossError } from '../base/errors';
import { startSync } from '../sync/session';
import { probeVisibility } from '../sync/visibility';

export type Placement = 'direct' | 'mapped' | 'synced';

export interface Placed {
  how: Placement;
  /** The spec to run: the planned one, or one whose mounts the engine can reach. */
  spec: ContainerSpec;
  /** After the run (also a failed or interrupted one; undefined: it did not run): bring back what it
   * made, let go of what was held. */
  finish(result: RunResult | undefined): Promise<void>;
}

const nothing = async () => {};

export async function placeMounts(p: Prepared, spec: ContainerSpec): Promise<Placed> {
  const remote = p.runtime.remote;
  if (!remote) {
    p.log.debug('mounts: direct (the engine runs on this machine)');
    return { how: 'direct', spec, finish: nothing };
  }
  const api = new ApiClient(remote.socket, p.log);
  try {
    const root = p.workspace.root;
    let seen = await probeVisibility(api, spec.image, root);
    if ('imageMissing' in seen) {
      await p.ensureBase();
      seen = await probeVisibility(api, spec.image, root);
      if ('imageMissing' in seen)
        throw new XcrossError(`${spec.image} was made but the engine on ${remote.destination} cannot find it`);
    }
    if (seen.sees) {
      p.log.debug(`mounts: direct, because the engine on ${remote.destination} sees the workspace (${seen.why})`);
      await api.close();
      return { how: 'direct', spec, finish: nothing };
    }
    p.log.debug(
      `mounts: synced to volumes on ${remote.destination}, because the engine there does not see the workspace: ${seen.why}`,
    );
    const synced = await startSync(spec, {
      api,
      remote,
      runtime: p.runtime,
      log: p.log,
      cacheDir: p.host.cacheDir,
      uid: p.host.uid,
      workspaceRoot: root,
      targetDir: p.targetDir,
      copyBack: p.config.copyBack,
      ensureImage: p.ensureBase,
    });
    return {
      how: 'synced',
      spec: synced.spec,
      finish: async (r) => {
        try {
          await synced.finish(r?.code ?? 1, !r || r.interrupted !== undefined || r.imageMissing === true);
        } finally {
          await api.close();
        }
      },
    };
  } catch (e) {
    await api.close();
    throw e;
  }
}
