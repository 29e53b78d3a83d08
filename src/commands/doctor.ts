// xcross doctor: what this machine has and lacks for xcross, each check ok, warn or fail with a fix.
import kleur from 'kleur';
import type { Host } from '../host';
import { fail, type CheckResult } from '../doctor/check';
import { engineChecks } from '../doctor/engine-checks';
import { apiSocketCheck, binfmtCheck, rustupCheck, subidChecks, userName } from '../doctor/host-checks';
import { loadRegistry } from '../targets/registry';
import { hostCpu, hostTriple } from '../targets/host-arch';
import { createLogger } from '../ui/log';

export async function doctor(a: { json: boolean; verbose: number }, host: Host): Promise<number> {
  const log = createLogger(a.verbose);
  const registry = loadRegistry();
  const checks: CheckResult[] = [];
  const guard = async (id: string, f: () => CheckResult[] | Promise<CheckResult[]>) => {
    try {
      checks.push(...(await f()));
    } catch (e) {
      checks.push(fail(id, `the check itself failed: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  await guard('engine', () => engineChecks(host, registry, log));
  await guard('subids', () => subidChecks(host, userName()));
  await guard('binfmt', () => [binfmtCheck(registry.targets, hostCpu(host.arch))]);
  await guard('api-socket', () => [apiSocketCheck(host)]);
  await guard('rustup', () => [rustupCheck(host, hostTriple(host.arch), registry.targets)]);
  process.stdout.write(a.json ? JSON.stringify({ checks }, null, 2) + '\n' : render(checks, host.stdoutIsTTY));
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

function render(checks: CheckResult[], color: boolean): string {
  kleur.enabled = color && !process.env.NO_COLOR;
  const mark = { ok: kleur.green('ok  '), warn: kleur.yellow('warn'), fail: kleur.red('FAIL') };
  const lines = checks.map((c) => `${mark[c.status]}  ${c.id.padEnd(34)} ${c.message}${c.fix ? `\n      ${kleur.dim('fix:')} ${c.fix}` : ''}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push('', failed ? kleur.red(`${failed} check(s) failed: fix them before building.`) : warned ? `All essential checks passed (${warned} warning(s)).` : 'All checks passed.');
  return lines.join('\n') + '\n';
}
