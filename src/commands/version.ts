// xcross --version -v: xcross's version, then the engine's (what a build would drive) and the target
// registry's, for bug reports. Plain `xcross --version` is answered in main.ts before anything loads.
import * as fs from 'node:fs';
import type { Settings } from '../settings';
import { createLogger } from '../ui/log';
import type { Registry } from '../targets/registry';
import { REGISTRY_FILE } from '../base/package-root';
import { createHash } from '../base/hash';
import { engineVersion } from '../doctor/podman-info';
import { createRuntime } from '../../runtimes/detect';
import { PodmanApi } from '../../runtimes/podman-api/runtime';
import { findOnPath } from '../../runtimes/which';

const VERSION_FLAGS = ['--version', '-V'];
const VERBOSE_FLAGS = ['-v', '--verbose', '-vv'];

/** `--version` or `-V` with nothing but -v beside it, in any order; -v alone is not a version request. */
export function isVersionRequest(argv: string[]): boolean {
  return (
    argv.some((a) => VERSION_FLAGS.includes(a)) &&
    argv.every((a) => VERSION_FLAGS.includes(a) || VERBOSE_FLAGS.includes(a))
  );
}

/** `settings`: read only for -v, which names the engine a build here would drive. */
export async function versionCommand(argv: string[], settings: () => Promise<Settings>): Promise<number> {
  const version = (require('../../../package.json') as { version: string }).version;
  if (!argv.some((a) => VERBOSE_FLAGS.includes(a))) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const s = await settings();
  const lines = [`xcross ${version} (node ${process.version}, ${process.platform} ${process.arch})`];
  lines.push(`engine: ${await engineLine(s)}`);
  lines.push(`target registry: ${registryLine(s.registry, fs.readFileSync(REGISTRY_FILE, 'utf8'))}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

/** The registry's identity: the digest of the file every image tag derives from, and what it pins. */
export function registryLine(r: Registry, text: string): string {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const rustc = `${r.rust.rustc} (${r.rust.name})`;
  return `${REGISTRY_FILE} sha256:${digest}, ${r.targets.length} targets, base Debian ${r.base.suite}, rustc ${rustc}`;
}

async function engineLine(s: Settings): Promise<string> {
  const { host } = s;
  const requested = s.runtime?.name;
  // Quiet: this answers with one line, whatever detection says on the way.
  const log = createLogger(0);
  try {
    const engine = await createRuntime(requested, { env: host.env, uid: host.uid, cacheDir: host.cacheDir, log });
    let v: { version: string } | string;
    if (engine instanceof PodmanApi) {
      const info = await engine.info().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      const ver =
        typeof info === 'object' && info !== null
          ? (info as { version?: { Version?: unknown } }).version?.Version
          : undefined;
      v =
        typeof ver === 'string'
          ? { version: ver }
          : typeof info === 'string'
            ? info
            : 'its /info answer has no version';
    } else {
      const kind = engine.name as 'podman' | 'docker' | 'nerdctl';
      v = await engineVersion(findOnPath(requested || kind, host.env.PATH) ?? kind, host.env, kind);
    }
    return `${engine.describe()}, ${typeof v === 'string' ? `no version (${v})` : `version ${v.version}`}`;
  } catch (e) {
    return `none usable (${e instanceof Error ? e.message : String(e)})`;
  }
}
