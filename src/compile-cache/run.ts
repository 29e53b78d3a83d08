// One cargo run through the compile cache: the facts the plan needs (the image's sccache, a free port),
// redis before and after, and the run's hits and misses at the end of -v.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from '../base/log';
import type { Host } from '../host';
import type { Runtime } from '../../runtimes/runtime';
import type { TargetSpec } from '../targets/registry';
import type { Toolchain } from '../toolchain/select';
import { SCCACHE_LABEL } from '../images/labels';
import { isTable, parseTomlText } from '../config/toml';
import { listEntries, localCacheDir } from './local-dir';
import { planCompileCache, type CompileCachePlan } from './plan';
import { manifestKey, RedisBridge } from './redis-bridge';
import type { CompileCacheChoice } from './setting';
import { addToTotals, describeStats, takeStats, totalsFile } from './stats';

export interface CompileCacheRunInput {
  choice: CompileCacheChoice;
  subcommand: string;
  cargoArgs: string[];
  host: Host;
  log: Logger;
  runtime: Runtime;
  target: TargetSpec;
  image: string;
  toolchain: Toolchain;
  workspaceRoot: string;
  targetDir: string;
  containerName: string;
  /** What the container gets from the user (passthrough and Cross.toml's env). */
  userEnv: Record<string, string>;
}

export interface CompileCacheRun {
  plan: CompileCachePlan;
  /** After the container: the hits and misses (-v), redis's share, the totals. */
  finish(): Promise<void>;
}

export async function startCompileCache(i: CompileCacheRunInput): Promise<CompileCacheRun> {
  const localDir = localCacheDir(i.host.cacheDir);
  const { version, why } = await imageSccache(i);
  let plan = planCompileCache({
    choice: i.choice,
    subcommand: i.subcommand,
    imageSccache: version,
    imageWhy: why,
    hostEnv: i.host.env,
    userEnv: i.userEnv,
    localDir,
    targetDir: i.targetDir,
    containerName: i.containerName,
    port: await freePort(),
  });
  if (!plan.on) {
    (plan.warn ? i.log.warn : i.log.debug).call(i.log, `compile cache: ${plan.why}`);
    return { plan, finish: async () => undefined };
  }
  fs.mkdirSync(localDir, { recursive: true });
  i.log.debug(`compile cache: ${plan.describe}; local entries in ${localDir}`);

  const setting = i.choice.setting;
  let bridge: RedisBridge | undefined;
  let key = '';
  const started = Date.now();
  let before = new Set<string>();
  if (setting.kind === 'redis') {
    bridge = await RedisBridge.open(setting.redis, i.log);
    if (!bridge) {
      plan = { on: false, why: 'redis cannot be used (warned above)', warn: false };
      return { plan, finish: async () => undefined };
    }
    key = manifestKey({
      image: i.image,
      toolchain: i.toolchain.source === 'host' ? i.toolchain.toolchain.name : `image rustc ${i.toolchain.rustc}`,
      triple: i.target.triple,
      workspace: workspaceName(i.workspaceRoot),
      cargoArgs: i.cargoArgs,
    });
    const t0 = performance.now();
    const got = await bridge.prefetch(key, localDir, new Date(started - 60_000));
    i.log.debug(
      `compile cache: redis's manifest for this build names ${got.listed} entries; fetched ${got.fetched} (${mb(got.bytes)}) in ${ms(t0)}`,
    );
    before = new Set(listEntries(localDir).map((e) => e.name));
  }
  const statsFile = plan.statsFile;
  return {
    plan,
    finish: async () => {
      const stats = takeStats(statsFile);
      if (bridge) {
        const t0 = performance.now();
        const put = await bridge.store(key, localDir, started - 1000, before);
        bridge.close();
        i.log.debug(
          `compile cache: stored ${put.stored} new entries in redis (${mb(put.bytes)}) in ${ms(t0)}; its manifest now names the ${put.used} this build used`,
        );
      }
      if (!stats) {
        i.log.debug('compile cache: sccache left no statistics (the build was stopped, or its server did not start)');
        return;
      }
      try {
        addToTotals(totalsFile(i.host.cacheDir), stats);
      } catch {
        // the totals are a convenience
      }
      i.log.debug(`compile cache: ${describeStats(stats)}`);
    },
  };
}

async function imageSccache(i: CompileCacheRunInput): Promise<{ version?: string; why: string }> {
  if (i.image.startsWith(`${i.target.imageName}:`)) {
    const v = i.target.rust.sccache;
    return {
      version: v,
      why: `the ${i.target.triple} image's Rust toolchain (${i.target.rust.packages.join(', ')} ${i.target.rust.rustc}) carries no sccache`,
    };
  }
  // An image of the user's (image, pre-build, dockerfile): built on xcross's image, it has its label.
  const labels = await i.runtime.imageLabels(i.image).catch(() => ({}) as Record<string, string>);
  const v = labels[SCCACHE_LABEL];
  return {
    version: v,
    why: `${i.image} has no ${SCCACHE_LABEL} label (it is not built on an xcross image with sccache)`,
  };
}

/** The root package's name (the same crate checked out anywhere), else the workspace directory's. */
function workspaceName(root: string): string {
  try {
    const toml = parseTomlText(fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8'), 'Cargo.toml');
    const pkg = isTable(toml.package) ? toml.package : undefined;
    if (pkg && typeof pkg.name === 'string') return pkg.name;
  } catch {
    // the manifest was read before this; a name is only a hint for what to fetch
  }
  return path.basename(root);
}

/** A port free on this host now (with the host's network, the container's server binds it there). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const ms = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
