// The conformance suite against a real Docker daemon (Debian's docker.io on a private socket).
import { spawnSync } from 'node:child_process';
import { conformanceSuite } from '../conformance/suite';

const DOCKER_HOST = process.env.XCROSS_E2E_DOCKER_HOST;

conformanceSuite('docker (CLI, real daemon)', {
  runtime: 'docker',
  env: DOCKER_HOST ? { DOCKER_HOST } : {},
  containersWithLabel: (label) =>
    spawnSync('docker', ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST },
    })
      .stdout.split('\n')
      .filter(Boolean),
  skip: DOCKER_HOST ? false : 'no private dockerd (scripts/setup-host.sh --e2e-user NAME --docker starts one; CI does)',
});
