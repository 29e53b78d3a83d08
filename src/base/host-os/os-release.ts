// The host's distribution, from os-release(5), read once: fixes that name a package manager name the
// one of the host they run on. A shared base: the app and the runtimes both use it, it uses neither.
import * as fs from 'node:fs';

export interface OsRelease {
  /** ID, lower case: "fedora", "debian", "ubuntu", "rhel", "arch", "opensuse-tumbleweed", "alpine". */
  id: string;
  /** ID_LIKE, the distributions this one derives from, closest first ("rhel centos fedora"). */
  idLike: string[];
  /** PRETTY_NAME, else NAME, else the ID. */
  name: string;
  versionId?: string;
}

/** The file's text as os-release(5) defines it: KEY=value, values in shell quoting, # comments. */
export function parseOsRelease(text: string): OsRelease {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1], unquote(m[2].trim()));
  }
  const id = (vars.get('ID') || 'linux').toLowerCase();
  return {
    id,
    idLike: (vars.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    name: vars.get('PRETTY_NAME') || vars.get('NAME') || id,
    ...(vars.get('VERSION_ID') ? { versionId: vars.get('VERSION_ID') } : {}),
  };
}

function unquote(v: string): string {
  const q = v[0];
  if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) {
    const inner = v.slice(1, -1);
    return q === '"' ? inner.replace(/\\([$"\\`])/g, '$1') : inner;
  }
  return v;
}

let cached: OsRelease | null | undefined;

/** /etc/os-release, else /usr/lib/os-release (the spec's fallback); null when neither is there. */
export function hostOsRelease(): OsRelease | null {
  if (cached !== undefined) return cached;
  cached = null;
  for (const f of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      cached = parseOsRelease(fs.readFileSync(f, 'utf8'));
      break;
    } catch {}
  }
  return cached;
}
