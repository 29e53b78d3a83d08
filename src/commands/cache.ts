// xcross cache stats|clear: the local compile cache ($XDG_CACHE_HOME/xcross/compile-cache), which
// every target and workspace of this user shares (and which redis:// fills and is filled from).
import * as fs from 'node:fs';
import type { Settings } from '../settings';
import { compileCacheSettings } from '../config/resolve';
import { listEntries, localCacheDir } from '../compile-cache/local-dir';
import { describeSetting } from '../compile-cache/setting';
import { readTotals, totalsFile } from '../compile-cache/stats';

export type CacheAction = 'stats' | 'clear';

export function cacheCommand(
  action: CacheAction,
  settings: Settings,
  out: (s: string) => void = (s) => process.stdout.write(s),
): number {
  const { host, log } = settings;
  const dir = localCacheDir(host.cacheDir);
  const entries = listEntries(dir);
  const bytes = entries.reduce((a, e) => a + e.size, 0);
  if (action === 'clear') {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(totalsFile(host.cacheDir), { force: true });
    log.info(`removed ${entries.length} entries (${size(bytes)}) from ${dir}`);
    return 0;
  }
  const choice = compileCacheSettings(host.env, settings.crate?.cross ?? {});
  const t = readTotals(totalsFile(host.cacheDir));
  const rows: [string, string][] = [
    [
      'setting',
      `${describeSetting(choice.setting)} (${choice.from})${choice.setting.kind === 'off' ? '; turn it on with XCROSS_COMPILE_CACHE=local, --compile-cache local or compile-cache = "local" in Cross.toml\'s [xcross]' : ''}`,
    ],
    ['local cache', dir],
    ['entries', `${entries.length} (${size(bytes)} of ${size(choice.sizeBytes)})`],
    [
      'builds',
      t
        ? `${t.builds} since ${t.since.slice(0, 19).replace('T', ' ')} UTC, through this cache or redis`
        : '0 (none recorded since the last clear)',
    ],
    [
      'hits',
      `${t?.hits ?? 0}, misses ${t?.misses ?? 0}, not cacheable ${t?.notCacheable ?? 0}, errors ${t?.errors ?? 0}`,
    ],
  ];
  if (entries.length > 0) {
    const newest = Math.max(...entries.map((e) => e.mtimeMs));
    rows.push(['last used', new Date(newest).toISOString().slice(0, 19).replace('T', ' ') + ' UTC']);
  }
  out(rows.map(([k, v]) => `${k.padEnd(12)}${v}\n`).join(''));
  return 0;
}

function size(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(0)} KiB`;
}
