// xcross build|check|test|run|...: prepare, plan, run cargo in the target's image.
import * as crypto from 'node:crypto';
import type { Host } from '../host';
import { absolutizePathFlags, cargoArgv, type CargoInvocation } from '../cli/cargo-args';
import { planCargo } from '../plan/cargo-spec';
import { qemuDebugOptions } from './qemu-debug';
import { prepare } from './prepare';
import { runContainer } from './run-container';

export async function runCargoCommand(inv: CargoInvocation, host: Host): Promise<number> {
  const p = await prepare(inv, host, true);
  const session = await qemuDebugOptions(inv, p);
  const spec = planCargo({
    cargoArgs: withFlags(absolutizePathFlags(cargoArgv(inv, p.target.triple), host.cwd), p.applied.cargoFlags),
    extra: { env: { ...p.applied.env, ...session.env }, mounts: p.applied.mounts },
    target: p.target,
    image: p.image,
    workspace: p.workspace,
    targetDir: p.targetDir,
    cargoHome: p.cargoHome,
    toolchain: p.toolchain,
    readOnlySource: p.config.readOnlySource,
    interactive: inv.subcommand === 'run',
    name: `xcross-${inv.subcommand}-${crypto.randomBytes(4).toString('hex')}`,
    host,
  });
  return runContainer(p, { ...spec, ports: session.ports });
}

/** Cargo flags from the configuration (e.g. -Zbuild-std), right after the subcommand. */
function withFlags(args: string[], flags: string[]): string[] {
  return flags.length === 0 ? args : [args[0], ...flags, ...args.slice(1)];
}
