// xcross volumes list|rm|prune: the volumes a synced run left on an engine that cannot see the
// workspace (one per workspace, path dependency, target directory and cargo home), on the engine the
// environment names (over ssh, through the same connection as a build), and nothing else.
import * as fs from 'node:fs';
import { XcrossError } from '../base/errors';
import type { Settings } from '../settings';
import type { Stopping } from '../../runtimes/stop';
import { createRuntime } from '../../runtimes/detect';
import { ApiClient } from '../../runtimes/podman-api/client';
import { connect } from '../../runtimes/podman-api/connect';
import { listVolumes, removeVolume, type VolumeInfo } from '../../runtimes/podman-api/volumes';
import { findOnPath } from '../../runtimes/which';
import { CLIENT_LABEL, SOURCE_LABEL, SYNC_LABEL } from '../sync/mounts';
import { clientName, manifestFile } from '../sync/session';
import { serviceName } from '../../runtimes/podman-service';

export interface VolumesArgs {
  action: 'list' | 'rm' | 'prune';
  names: string[];
  all: boolean;
  json: boolean;
  runtime?: string;
}

interface Listed {
  name: string;
  role: string;
  source: string;
  client: string;
  created: string;
  /** This machine and user made it. */
  mine: boolean;
}

function listed(v: VolumeInfo, client: string): Listed {
  const c = v.labels[CLIENT_LABEL] ?? '';
  return {
    name: v.name,
    role: v.labels[SYNC_LABEL] ?? '',
    source: v.labels[SOURCE_LABEL] ?? '',
    client: c,
    created: v.createdAt.slice(0, 19).replace('T', ' '),
    mine: c === client,
  };
}

export function renderVolumes(rows: Listed[], json: boolean, where: string): string {
  if (json) return JSON.stringify(rows, null, 2) + '\n';
  if (rows.length === 0) return `xcross has left no volumes on ${where}.\n`;
  const head = ['NAME', 'ROLE', 'SOURCE', 'CLIENT', 'CREATED'];
  const cells = rows.map((r) => [r.name, r.role, r.source, r.client, r.created]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return (
    [head, ...cells]
      .map((c) =>
        c
          .map((x, i) => x.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export async function volumesCommand(a: VolumesArgs, s: Settings, stop?: Stopping): Promise<number> {
  const { host, log } = s;
  if (a.action === 'rm' && a.names.length === 0 && !a.all)
    throw new XcrossError('xcross volumes rm needs the volumes to remove (or --all)', {
      fix: '`xcross volumes list` names them',
      exitCode: 2,
    });
  const runtime = await createRuntime(a.runtime ?? s.runtime?.name, {
    env: host.env,
    uid: host.uid,
    cacheDir: host.cacheDir,
    log,
    stop,
  });
  const remote = runtime.remote;
  let api: ApiClient;
  let where: string;
  let own: { stop(): Promise<void> } | undefined;
  if (remote) {
    api = new ApiClient(remote.socket, log);
    where = `${remote.destination} (${remote.from})`;
  } else {
    const c = await connect({ env: host.env, uid: host.uid, log, podman: findOnPath('podman', host.env.PATH) });
    api = c.api;
    own = c.own;
    where = `the local engine (${c.socket})`;
  }
  const uri = serviceName(host.env) ?? 'local';
  const client = clientName(host.uid);
  try {
    const rows = (await listVolumes(api, SYNC_LABEL))
      .map((v) => listed(v, client))
      .sort((x, y) => x.name.localeCompare(y.name));
    if (a.action === 'list') {
      process.stdout.write(renderVolumes(rows, a.json, where));
      return 0;
    }
    const chosen =
      a.action === 'rm'
        ? a.all
          ? rows.filter((r) => r.mine)
          : a.names.map((n) => {
              const r = rows.find((x) => x.name === n);
              if (!r)
                throw new XcrossError(`${n} is not a volume xcross made on ${where}`, {
                  fix: '`xcross volumes list` names them',
                });
              return r;
            })
        : // prune: this machine's volumes whose folder is gone here; --all: every xcross volume.
          rows.filter((r) => a.all || (r.mine && !fs.existsSync(r.source)));
    let failed = 0;
    for (const r of chosen) {
      if (await removeVolume(api, r.name)) {
        fs.rmSync(manifestFile(host.cacheDir, remote?.uri ?? uri, r.name), { force: true });
        log.info(`removed ${r.name} (${r.role} ${r.source})`);
      } else {
        failed++;
        log.warn(`${r.name} is in use by a container on ${where}: kept`);
      }
    }
    if (chosen.length === 0)
      log.info(
        a.action === 'prune'
          ? `nothing to prune on ${where}: every volume's folder is still here (--all removes them all)`
          : 'nothing to remove',
      );
    return failed ? 1 : 0;
  } finally {
    await api.close();
    await own?.stop();
  }
}
