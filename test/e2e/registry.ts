// A real registry for the image cache's tests: Debian's docker-registry (the distribution registry)
// on 127.0.0.1:5443 with TLS from a CA made here and htpasswd auth, and a second rootless user
// (sudo -u $XCROSS_E2E_PEER) with its own empty image store to pull into.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const HOSTPORT = '127.0.0.1:5443';
export const USER = 'xcross-tester';
export const PASSWORD = 'pw-7f3c1e9a2b-do-not-print';
export const PEER = process.env.XCROSS_E2E_PEER ?? '';

/** Runs a command and returns status and output (never throws). */
export function sh(cmd: string, args: string[], o: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: o.input,
    env: o.env ?? process.env,
    cwd: o.cwd,
    maxBuffer: 256 << 20,
  });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

/** A command as the peer user, in a clean login-like environment plus `env`. */
export function asPeer(args: string[], env: Record<string, string> = {}, input?: string) {
  const uid = sh('id', ['-u', PEER]).stdout.trim();
  const base = {
    HOME: `/home/${PEER}`,
    USER: PEER,
    XDG_RUNTIME_DIR: `/run/user/${uid}`,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
  };
  const vars = Object.entries({ ...base, ...env }).map(([k, v]) => `${k}=${v}`);
  return sh('sudo', ['-n', '-u', PEER, '--', 'env', '-i', ...vars, ...args], { input });
}

/** What is missing on this machine for these tests, or undefined. */
export function missingParts(): string | undefined {
  if (!PEER)
    return 'XCROSS_E2E_PEER is not set (scripts/setup-host.sh --e2e-user makes the peer user and run-e2e passes it)';
  if (sh('sudo', ['-n', '-u', PEER, 'true']).code !== 0)
    return `sudo -u ${PEER} does not work without a password (scripts/setup-cache-peer.sh)`;
  for (const bin of ['docker-registry', 'htpasswd', 'openssl'])
    if (sh('sh', ['-c', `command -v ${bin}`]).code !== 0)
      return `${bin} is not installed (scripts/setup-host.sh --e2e-user installs it)`;
  return undefined;
}

export class TestRegistry {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-registry-'));
  readonly data = path.join(this.dir, 'data');
  readonly ca = path.join(this.dir, 'ca.crt');
  private proc: ChildProcess | undefined;

  constructor() {
    fs.chmodSync(this.dir, 0o755);
    const d = this.dir;
    const run = (args: string[]) => {
      const r = sh('openssl', args, { cwd: d });
      if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.out}`);
    };
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=xcross-e2e-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ]);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'reg.key', '-out', 'reg.csr']);
    fs.writeFileSync(path.join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run([
      'x509',
      '-req',
      '-in',
      'reg.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
      '-out',
      'reg.crt',
    ]);
    const h = sh('htpasswd', ['-Bbn', USER, PASSWORD]);
    if (h.code !== 0) throw new Error(`htpasswd: ${h.out}`);
    fs.writeFileSync(path.join(d, 'htpasswd'), h.stdout);
    fs.writeFileSync(
      path.join(d, 'config.yml'),
      [
        'version: 0.1',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${this.data}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${HOSTPORT}`,
        '  tls:',
        `    certificate: ${d}/reg.crt`,
        `    key: ${d}/reg.key`,
        'auth:',
        '  htpasswd:',
        '    realm: xcross-e2e',
        `    path: ${d}/htpasswd`,
        'log:',
        '  level: warn',
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    this.proc = spawn('docker-registry', ['serve', path.join(this.dir, 'config.yml')], {
      stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, 'registry.log'), 'a')],
    });
    for (let i = 0; i < 100; i++) {
      if (
        sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', this.ca, `https://${HOSTPORT}/v2/`])
          .stdout === '401'
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `the registry did not answer on ${HOSTPORT}: ${fs.readFileSync(path.join(this.dir, 'registry.log'), 'utf8')}`,
    );
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
    this.proc = undefined;
  }

  /** The registry's own answer to GET path (as the test user, with the password). */
  get(p: string): string {
    return sh('curl', [
      '-s',
      '--cacert',
      this.ca,
      '-u',
      `${USER}:${PASSWORD}`,
      '-H',
      'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      `https://${HOSTPORT}${p}`,
    ]).stdout;
  }

  /** The CA in podman's certs.d of the user whose HOME this is (run as that user). */
  static trustScript(ca: string): string {
    return `set -e; d="$HOME/.config/containers/certs.d/${HOSTPORT}"; mkdir -p "$d"; cat > "$d/ca.crt" <<'CA'\n${ca}CA\n`;
  }
}
