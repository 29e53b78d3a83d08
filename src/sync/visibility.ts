// Whether an engine on another machine sees the workspace at its own path (podman machine shares the
// home folder by default; a build box does not): a container created with the workspace bind-mounted
// is refused when the path is not there or not readable (`statfs ...`), and when it is created, the
// workspace's Cargo.toml read through it must be the very file we have (another machine may have a
// folder of the same name with other content).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError, type ApiClient } from '../../runtimes/podman-api/client';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { getArchive, removeContainer } from '../../runtimes/podman-api/volumes';

export type Visibility = { sees: boolean; why: string } | { imageMissing: true };

export async function probeVisibility(api: ApiClient, image: string, root: string): Promise<Visibility> {
  const name = `xcross-probe-sees-${process.pid}-${Date.now().toString(36)}`;
  let id: string;
  try {
    const r = await api.json<{ Id?: string }>(
      'POST',
      '/containers/create',
      'checking whether the engine sees the workspace',
      {
        json: {
          name,
          image,
          command: ['true'],
          labels: { [MANAGED_LABEL]: 'true' },
          netns: { nsmode: 'none' },
          mounts: [{ destination: root, source: root, type: 'bind', options: ['rbind', 'ro'] }],
        },
      },
    );
    id = r?.Id ?? name;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 404 && /image/i.test(e.engineMessage)) return { imageMissing: true };
    return { sees: false, why: `it cannot mount ${root} (${e.engineMessage})` };
  }
  try {
    const manifest = path.join(root, 'Cargo.toml');
    const tar = await getArchive(api, id, manifest);
    if (!tar) return { sees: false, why: `${root} is there but has no Cargo.toml` };
    const theirs = await firstFile(tar);
    const ours = fs.readFileSync(manifest);
    return theirs !== undefined && theirs.equals(ours)
      ? { sees: true, why: `its ${manifest} is ours` }
      : { sees: false, why: `its ${manifest} is another file than ours (another machine's folder of that name)` };
  } finally {
    await removeContainer(api, id);
  }
}

async function firstFile(tar: NodeJS.ReadableStream): Promise<Buffer | undefined> {
  const extract = (require('tar-stream') as typeof import('tar-stream')).extract();
  (tar as NodeJS.ReadableStream).pipe(extract);
  let found: Buffer | undefined;
  for await (const entry of extract) {
    if (found === undefined && entry.header.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      found = Buffer.concat(chunks);
    } else entry.resume();
  }
  return found;
}
