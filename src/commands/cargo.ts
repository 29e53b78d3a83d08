// xcross build|check|test|run|...: prepare, plan, run cargo in the target's image.
import type { Crate, Settings } from '../settings';
import type { Stopping } from '../../runtimes/stop';
import { absolutizePathFlags, cargoArgv, type CargoInvocation } from '../cli/cargo-args';
import { planCargo } from '../plan/cargo-spec';
import { qemuDebugOptions } from './qemu-debug';
import { planBase, prepare, type Prepared } from './prepare';
import { XcrossError } from '../base/errors';
import { freshLinkedFiles } from '../elf/fresh-files';
import { checkFloor, describeAbove, describeNewest, floorLimits } from '../elf/floor-check';
import { runContainer } from './run-container';
import { startCompileCache } from '../compile-cache/run';
import { passthroughEnv } from '../plan/cargo-env';
import { customStdMount, hostBuildStdFlags } from './custom-std';
import { envVarTriple } from '../config/cross-env';

export async function runCargoCommand(
  inv: CargoInvocation,
  settings: Settings & { crate: Crate },
  stop?: Stopping,
): Promise<number> {
  const p = await prepare(inv, settings, true, stop);
  const session = await qemuDebugOptions(inv, p);
  const std = await customStdMount(p);
  const base = planBase(p, inv.subcommand, session.env);
  const cargoArgs = withFlags(absolutizePathFlags(cargoArgv(inv, p.target.triple), p.host.cwd), hostBuildStdFlags(p));
  const cache = await startCompileCache({
    choice: p.config.compileCache,
    subcommand: inv.subcommand,
    cargoArgs: inv.cargoArgs,
    host: p.host,
    log: p.log,
    runtime: p.runtime,
    target: p.target,
    image: p.image,
    toolchain: p.toolchain,
    workspaceRoot: p.workspace.root,
    targetDir: p.targetDir,
    containerName: base.name,
    userEnv: { ...passthroughEnv(p.host.env, p.target.triple), ...base.extra?.env },
  });
  const spec = planCargo({
    ...base,
    extra: { env: base.extra!.env, mounts: [...base.extra!.mounts, ...(std ? [std] : [])] },
    cargoArgs,
    compileCache: cache.plan.on ? cache.plan : undefined,
    interactive: inv.subcommand === 'run',
  });
  const started = Date.now();
  try {
    const code = await runContainer(p, { ...spec, ports: session.ports });
    if (LINKING.has(inv.subcommand)) checkGlibcFloor(p, started, code);
    // Not after run, test or bench: their exit code is the program's or the tests'.
    if (code !== 0 && p.target.custom && !RUNS_PROGRAMS.has(inv.subcommand)) hintCustomTarget(p);
    return code;
  } finally {
    // Also after a failed build: what it compiled is worth keeping; -v ends with the hits and misses.
    await cache.finish();
  }
}

/**
 * After a failed build on a target without a row: what xcross left to the image (cargo's own error
 * is above, e.g. "can't find crate for `std`" or "linker `cc` not found").
 */
function hintCustomTarget(p: Prepared): void {
  const t = p.target.triple;
  const v = envVarTriple(t);
  const std = p.applied.buildStd === undefined ? `its std (or build-std = true in [target.${t}]), ` : '';
  p.log.info(
    `${t} has no row in xcross's registry, so the image Cross.toml names must provide ${std}CARGO_TARGET_${v}_LINKER and CC_${t.replace(/[-.]/g, '_')} for its C compiler`,
  );
}

/** Subcommands whose exit code may be a program's. */
const RUNS_PROGRAMS = new Set(['run', 'test', 'bench']);

/** The subcommands that link programs for the target (check, doc and clippy do not). */
const LINKING = new Set(['build', 'test', 'run', 'bench', 'rustc']);

/** Throws when a file linked in this run needs a newer glibc, libstdc++ or libgcc than the floor. */
function checkGlibcFloor(p: Prepared, started: number, code: number): void {
  const limits = floorLimits(p.target);
  if (!limits) return;
  if (!p.config.glibcCheck) {
    p.log.debug('glibc floor: not checked (XCROSS_GLIBC_CHECK=0)');
    return;
  }
  const t0 = performance.now();
  const report = checkFloor(freshLinkedFiles(p.targetDir, p.target.triple, started), limits);
  p.log.debug(`${describeNewest(report, limits)} (${(performance.now() - t0).toFixed(1)} ms)`);
  for (const u of report.unreadable) p.log.debug(`glibc floor: skipped ${u}`);
  if (report.above.length === 0) return;
  const ownImage = p.image.startsWith(`${p.target.imageName}:`);
  const needed = report.above[0].prefix === 'GLIBC' ? report.above[0].version : undefined;
  throw new XcrossError(describeAbove(report, limits, p.host.cwd), {
    fix: ownImage
      ? `call an older function instead${needed ? `, or raise the floor with --glibc ${needed} if every system it must run on has that glibc` : ''}`
      : `the image your configuration names (Cross.toml image or dockerfile) has a newer C library than the floor: base it on $CROSS_BASE_IMAGE, which is xcross's image for the floor, or remove it`,
    // cargo's own failure code stays; a run that succeeded fails.
    exitCode: code === 0 ? 1 : code,
  });
}

/** Cargo flags from the configuration (-Zbuild-std for a host toolchain), right after the subcommand. */
function withFlags(args: string[], flags: string[]): string[] {
  return flags.length === 0 ? args : [args[0], ...flags, ...args.slice(1)];
}
