// xcross doctor: what this machine has and lacks for xcross, each check ok, warn or fail with a fix.
import { fail, type CheckResult } from '../doctor/check';
import { engineChecks } from '../doctor/engine-checks';
import { containerChecks } from '../doctor/container-checks';
import { apiSocketCheck, binfmtCheck, rustupCheck, subidChecks, userName } from '../doctor/host-checks';
import type { ReportedSettings } from '../settings';
import { hostCpu, hostTriple } from '../targets/host-arch';
import { paint } from '../ui/colour';

export async function doctor(a: { json: boolean }, s: ReportedSettings): Promise<number> {
  const { host, registry } = s;
  const checks: CheckResult[] = [];
  const guard = async (id: string, f: () => CheckResult[] | Promise<CheckResult[]>) => {
    try {
      checks.push(...(await f()));
    } catch (e) {
      checks.push(fail(id, `the check itself failed: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  if (s.configError)
    checks.push(
      fail(
        'config',
        `${s.configError.message}; the checks below use the environment alone`,
        s.configError.fix ?? 'fix the cross configuration',
      ),
    );
  await guard('engine', () => engineChecks(s));
  await guard('container', () => containerChecks(s));
  await guard('subids', () => subidChecks(host, userName(host)));
  await guard('binfmt', () => [binfmtCheck(registry.targets, hostCpu(host.arch))]);
  await guard('api-socket', () => [apiSocketCheck(host)]);
  await guard('rustup', () => [rustupCheck(host, hostTriple(host.arch), registry.targets)]);
  process.stdout.write(a.json ? JSON.stringify({ checks }, null, 2) + '\n' : render(checks, s.colour.stdout));
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

function render(checks: CheckResult[], colour: boolean): string {
  const c = paint(colour);
  const mark = { ok: c.green('ok  '), warn: c.yellow('warn'), fail: c.red('FAIL') };
  const lines = checks.map(
    (r) => `${mark[r.status]}  ${r.id.padEnd(34)} ${r.message}${r.fix ? `\n      ${c.dim('fix:')} ${r.fix}` : ''}`,
  );
  const failed = checks.filter((r) => r.status === 'fail').length;
  const warned = checks.filter((r) => r.status === 'warn').length;
  lines.push(
    '',
    failed
      ? c.red(`${failed} check(s) failed: fix them before building.`)
      : warned
        ? `All essential checks passed (${warned} warning(s)).`
        : 'All checks passed.',
  );
  return lines.join('\n') + '\n';
}
