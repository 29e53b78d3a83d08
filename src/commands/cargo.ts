// xcross build|check|test|run|...: prepare, plan, run cargo in the target's image.
import type { Host } from '../host';
import { absolutizePathFlags, cargoArgv, type CargoInvocation } from '../cli/cargo-args';
import { planCargo } from '../plan/cargo-spec';
import { qemuDebugOptions } from './qemu-debug';
import { planBase, prepare } from './prepare';
import { runContainer } from './run-container';

export async function runCargoCommand(inv: CargoInvocation, host: Host): Promise<number> {
  const p = await prepare(inv, host, true);
  const session = await qemuDebugOptions(inv, p);
  const spec = planCargo({
    ...planBase(p, inv.subcommand, session.env),
    cargoArgs: withFlags(absolutizePathFlags(cargoArgv(inv, p.target.triple), host.cwd), p.applied.cargoFlags),
    interactive: inv.subcommand === 'run',
  });
  return runContainer(p, { ...spec, ports: session.ports });
}

/** Cargo flags from the configuration (e.g. -Zbuild-std), right after the subcommand. */
function withFlags(args: string[], flags: string[]): string[] {
  return flags.length === 0 ? args : [args[0], ...flags, ...args.slice(1)];
}
