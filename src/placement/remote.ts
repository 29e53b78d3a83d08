// An engine on another machine (over ssh): direct when it sees the workspace at its own path (podman
// machine's shared home folder), else synced to named volumes there (src/sync/). placeMounts calls it.
import { ApiClient } from '../../runtimes/podman-api/client';
import type { ContainerSpec } from '../../runtimes/spec';
import type { RemoteEngine } from '../../runtimes/ssh/tunnel';
import type { Prepared } from '../commands/prepare';
import { XcrossError } from '../base/errors';
import { startSync } from '../sync/session';
import { probeVisibility } from '../sync/visibility';
import type { Placed } from './place';

const nothing = async () => {};

export async function placeRemote(p: Prepared, spec: ContainerSpec, remote: RemoteEngine): Promise<Placed> {
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
