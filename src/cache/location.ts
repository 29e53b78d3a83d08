// Where a team's image cache lives: XCROSS_IMAGE_CACHE or [xcross] image-cache, spelt
// `<registry>/<prefix>` (e.g. ghcr.io/acme/xcross, 127.0.0.1:5443/team/xcross). Parsed once at the
// edge, so a typo is one sentence before any engine is asked anything.
import { XcrossError } from '../base/errors';
import { quoted } from '../ui/quote';
import { splitRef } from '../../runtimes/image-ref';

export interface CacheLocation {
  /** As written, normalized: `<registry>/<prefix>`. */
  text: string;
  /** host[:port], the key the engine's credentials and certs.d use. */
  registry: string;
  prefix: string;
}

// The distribution spec's repository path component; a host is told apart as docker does (a dot, a
// port, or localhost), so `team/xcross` is not mistaken for a registry called "team".
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/;

function isRegistryHost(s: string): boolean {
  const m = HOST.exec(s);
  if (!m) return false;
  if (m[1] !== undefined && Number(m[1]) > 65535) return false;
  return m[1] !== undefined || s.includes('.') || s.startsWith('[') || s === 'localhost';
}

export function parseCacheLocation(raw: string, from: string): CacheLocation {
  const text = raw.trim().replace(/\/+$/, '');
  const example = 'e.g. ghcr.io/your-org/xcross or 127.0.0.1:5000/xcross';
  if (/^[a-z]+:\/\//i.test(text)) {
    throw new XcrossError(`${from} is ${quoted(raw)}, which has a scheme: image references have none`, {
      fix: `write it as ${quoted(text.replace(/^[a-z]+:\/\//i, ''))}`,
    });
  }
  const [registry, ...rest] = text.split('/');
  if (!registry || !isRegistryHost(registry)) {
    throw new XcrossError(
      `${from} is ${quoted(raw)}, which does not start with a registry host (a name with a dot or a port, or localhost)`,
      { fix: `set it to <registry>/<prefix>, ${example}` },
    );
  }
  if (rest.length === 0) {
    throw new XcrossError(`${from} is ${quoted(raw)}: a registry without a prefix for xcross's images`, {
      fix: `add one, e.g. ${registry}/xcross`,
    });
  }
  const bad = rest.find((c) => !COMPONENT.test(c));
  if (bad !== undefined) {
    throw new XcrossError(
      `${from} is ${quoted(raw)}, and ${quoted(bad)} is not a repository path component (lower-case letters, digits, and . _ - between them; no tag)`,
      { fix: `set it to <registry>/<prefix>, ${example}` },
    );
  }
  return { text: `${registry}/${rest.join('/')}`, registry, prefix: rest.join('/') };
}

/**
 * The cache's name for a local image: `localhost/xcross/aarch64-unknown-linux-gnu:<tag>` is
 * `<cache>/aarch64-unknown-linux-gnu:<tag>`. The tag (a digest of the image's inputs) is kept, so
 * a cache can never serve an image other inputs made.
 */
export function cacheRef(cache: CacheLocation, localPrefix: string, localRef: string): string {
  const head = `${localPrefix}/`;
  if (!localRef.startsWith(head)) throw new XcrossError(`internal: ${localRef} is not under ${localPrefix}`);
  return `${cache.text}/${localRef.slice(head.length)}`;
}

/** The tag of a `name:tag` reference. */
export function tagOf(ref: string): string {
  return splitRef(ref).tag;
}
