// A failed image build whose cause is the machine's, not the Containerfile's: the image storage
// full, or the Debian mirror out of reach. Read from what the build printed (podman's and apt's own
// words), so that the user gets the cause in one sentence instead of 25 lines to search.
import { XcrossError } from '../src/base/errors';

/** A build stopped by ENOSPC; the image flow adds where the storage is and how much it has. */
export class StorageFullError extends XcrossError {
  constructor(
    readonly tag: string,
    readonly line: string,
  ) {
    super(`building ${tag} failed: the disk under the engine's image storage is full (${line})`, {
      fix: 'free space in the image storage (`xcross image prune`, `podman system prune`), then run xcross again',
    });
    this.name = 'StorageFullError';
  }
}

// podman (the RUN step's own write, the layer commit, buildah's state file) and the API's error field.
const ENOSPC = /no space left on device/i;

/** apt's "W: Failed to fetch URL  REASON" (update) and "E: Failed to fetch URL  REASON" (install). */
const APT_FAILED_FETCH = /^[WE]: Failed to fetch (\S+)\s+(.+)$/;
/** Reasons that mean the mirror (or the proxy in between) never answered: not a 404 or a bad hash. */
const UNREACHABLE =
  /Could not connect to|Unable to connect to|Temporary failure resolving|Could not resolve|Connection timed out|Connection refused|Network is unreachable|No route to host|Failed to connect/i;
/** The host:port apt tried to connect to, when it says so. */
const CONNECT_TO = /(?:Could not|Unable to) connect to \[?([^\s\]]+?)\]?:(\d+)/i;

export interface MirrorUnreachable {
  /** The mirror's host (and port, when not the default), from the URL apt fetched. */
  mirror: string;
  url: string;
  /** The proxy apt went through, when the address it could not reach is not the mirror's. */
  proxy?: string;
  reason: string;
}

/** The first apt fetch that failed because nobody answered, if there was one. */
export function mirrorUnreachable(lines: string[]): MirrorUnreachable | undefined {
  for (const raw of lines) {
    const m = APT_FAILED_FETCH.exec(raw.trim());
    if (!m || !UNREACHABLE.test(m[2])) continue;
    let url: URL;
    try {
      url = new URL(m[1]);
    } catch {
      continue;
    }
    const mirror = url.host;
    const reason = m[2].trim().replace(/[\s:]+$/, '');
    const to = CONNECT_TO.exec(reason);
    const proxy = to && to[1] !== url.hostname ? `${to[1]}:${to[2]}` : undefined;
    return { mirror, url: m[1], proxy, reason };
  }
  return undefined;
}

export function mirrorError(tag: string, f: MirrorUnreachable): XcrossError {
  const where = f.proxy ? `${f.mirror} through the proxy ${f.proxy}` : f.mirror;
  return new XcrossError(`building ${tag} failed: apt could not reach the Debian mirror ${where} (${f.reason})`, {
    fix: f.proxy
      ? `the proxy comes from http_proxy/https_proxy, which image builds inherit: start it, or unset those variables, then run xcross again`
      : `check this machine's network and DNS for ${f.mirror} (\`curl -sI ${f.url}\`), or point the pre-build's apt at a mirror you can reach; then run xcross again`,
  });
}

/** What first said the disk was full ("write /big: no space left on device"), if anything did. */
export function storageFull(lines: string[]): string | undefined {
  const line = lines.find((l) => ENOSPC.test(l));
  if (line === undefined) return undefined;
  // The clause that says it, without the step dump or logrus dressing podman puts around it.
  const clause = /([^()"]{0,200}?)no space left on device/i.exec(line);
  return (clause?.[0] ?? line).trim().replace(/^(Error|error)(: |\s+)/, '');
}
