// What a podman service that died mid-build leaves in its storage: buildah's working containers of
// the steps before the one that ran (no process, status "Storage"). The RUN step itself is the
// sweep's (watchdog.ts); these are found by what they were made from, with the local podman CLI:
// - an intermediate image of this build: it carries the build's io.xcross.inputs, and the build lock
//   (src/images/build-lock.ts) lets one process at a time build an image of that digest;
// - the base itself, under the name buildah gives a FROM step (`<base's last name part>-working-container`),
//   made since this build began. CLI builds name theirs after a base alias of their own (build-from.ts).
import { runCaptured, type ProcEnv } from '../process';

export interface Leftovers {
  podman: string;
  env: ProcEnv;
  /** When the build began, in seconds since the epoch. */
  since: number;
  /** The build's io.xcross.inputs label. */
  inputs: string | undefined;
  /** The image of the Containerfile's first FROM, when known. */
  from: string | undefined;
}

interface PsEntry {
  Id: string;
  Names?: string[];
  ImageID?: string;
  Created?: number;
}

export async function removeBuildLeftovers(o: Leftovers): Promise<number> {
  const ps = await runCaptured(o.podman, ['ps', '--all', '--external', '--format', 'json'], { env: o.env });
  let entries: PsEntry[];
  try {
    entries = (JSON.parse(ps.stdout || '[]') as PsEntry[]).filter((e) => (e.Created ?? 0) >= Math.floor(o.since));
  } catch {
    return 0;
  }
  if (entries.length === 0) return 0;
  const fromId = o.from ? (await inspect(o, o.from, '{{.Id}}'))[0] : undefined;
  const fromName = o.from ? `${baseName(o.from)}-working-container` : undefined;
  const ids = [...new Set(entries.map((e) => e.ImageID).filter((i): i is string => !!i))];
  const labels = o.inputs ? await inspect(o, ids, '{{index .Labels "io.xcross.inputs"}}') : [];
  const inputs = new Map(ids.map((id, i) => [id, labels[i]] as const));
  const ours = entries.filter((e) => {
    const image = e.ImageID ?? '';
    if (o.inputs && inputs.get(image) === o.inputs) return true;
    const name = e.Names?.[0] ?? '';
    return !!fromId && image === fromId && !!fromName && new RegExp(`^${escape(fromName)}(-\\d+)?$`).test(name);
  });
  if (ours.length > 0) await runCaptured(o.podman, ['rm', '--force', ...ours.map((e) => e.Id)], { env: o.env });
  return ours.length;
}

/** One line per image (in order), empty for one that is gone. */
async function inspect(o: Leftovers, refs: string | string[], format: string): Promise<string[]> {
  const list = Array.isArray(refs) ? refs : [refs];
  if (list.length === 0) return [];
  const out: string[] = [];
  // One at a time: `image inspect` fails as a whole when one of several is gone.
  for (const ref of list) {
    const r = await runCaptured(o.podman, ['image', 'inspect', '--format', format, ref], { env: o.env });
    out.push(r.code === 0 ? r.stdout.trim() : '');
  }
  return out;
}

/** The part of an image reference buildah names a FROM step's container after. */
function baseName(ref: string): string {
  const last = ref.split('/').pop() ?? ref;
  return last.replace(/[:@].*$/, '');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
