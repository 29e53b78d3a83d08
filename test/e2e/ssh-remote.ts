// A real "other machine" for the ssh tests and the benchmark: the user <test user>-remote
// (scripts/setup-ssh-remote.sh; its home 0700, so it cannot read the test user's workspaces) runs
// Debian's sshd, unprivileged, on a free loopback port with a host key and authorized_keys made here,
// and its own rootless podman API socket. The test user logs in with a key made here, its known_hosts
// holding the host key (what a user does once by hand); both are undone by stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SshRemote {
  user: string;
  uid: number;
  port: number;
  /** CONTAINER_HOST for xcross. */
  containerHost: string;
  /** CONTAINER_SSHKEY for xcross: the key made for this run. */
  key: string;
  /** A command as the remote user (sudo), captured. */
  as(args: string[], input?: string): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
  /** What sshd printed (its last 4000 characters). */
  log(): string;
}

export function remoteUserName(): string {
  return `${os.userInfo().username}-remote`;
}

/** Why the ssh tests cannot run here, or undefined when they can. */
export function sshRemoteMissing(): string | undefined {
  const user = remoteUserName();
  if (spawnSync('id', ['-u', user]).status !== 0)
    return `no user ${user}: run scripts/setup-host.sh --e2e-user ${os.userInfo().username}`;
  if (!fs.existsSync('/usr/sbin/sshd')) return 'no /usr/sbin/sshd: apt-get install openssh-server';
  if (spawnSync('sudo', ['-n', '-u', user, 'true']).status !== 0)
    return `sudo -u ${user} is not allowed without a password`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSshRemote(): Promise<SshRemote> {
  const user = remoteUserName();
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const runtimeDir = `/run/user/${uid}`;
  const as = (args: string[], input?: string) => {
    const r = spawnSync(
      'sudo',
      ['-n', '-u', user, '--', 'env', `XDG_RUNTIME_DIR=${runtimeDir}`, `HOME=${home}`, ...args],
      {
        encoding: 'utf8',
        input,
        cwd: '/',
      },
    );
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  const home = spawnSync('getent', ['passwd', user], { encoding: 'utf8' }).stdout.split(':')[5];
  // The client's key.
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-ssh-client-'));
  const key = path.join(local, 'id_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'xcross-e2e', '-f', key], { stdio: 'ignore' });
  // The server's side, in the remote user's own home.
  const port = await freePort();
  const dir = as(['mktemp', '-d', `${home}/sshd-XXXXXX`]).stdout.trim();
  as(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', `${dir}/host_key`]);
  as(
    ['sh', '-c', 'cat > "$1" && chmod 600 "$1"', 'sh', `${dir}/authorized_keys`],
    fs.readFileSync(`${key}.pub`, 'utf8'),
  );
  const config = [
    `ListenAddress 127.0.0.1`,
    `Port ${port}`,
    `HostKey ${dir}/host_key`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    `AllowUsers ${user}`,
    `SetEnv XDG_RUNTIME_DIR=${runtimeDir}`,
  ].join('\n');
  as(['sh', '-c', 'cat > "$1"', 'sh', `${dir}/sshd_config`], config + '\n');
  const sshd = spawn('sudo', ['-n', '-u', user, '--', '/usr/sbin/sshd', '-D', '-e', '-f', `${dir}/sshd_config`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let sshdLog = '';
  sshd.stderr!.on('data', (d: Buffer) => (sshdLog = (sshdLog + d.toString()).slice(-4000)));
  // Its podman API socket, as systemd's podman.socket would have it.
  const sock = `${runtimeDir}/podman/podman.sock`;
  as(['mkdir', '-p', `${runtimeDir}/podman`]);
  as(['rm', '-f', sock]);
  const service: ChildProcess = spawn(
    'sudo',
    [
      '-n',
      '-u',
      user,
      '--',
      'env',
      `XDG_RUNTIME_DIR=${runtimeDir}`,
      'sh',
      '-c',
      `cd && echo $$ > ${dir}/service.pid && exec podman system service --time=0 unix://${sock}`,
    ],
    { stdio: 'ignore' },
  );
  // known_hosts: the host key, once, as a user accepts it.
  const hostKey = as(['cat', `${dir}/host_key.pub`])
    .stdout.trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const sshDir = path.join(os.homedir(), '.ssh');
  fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  const knownHosts = path.join(sshDir, 'known_hosts');
  const line = `[127.0.0.1]:${port} ${hostKey}`;
  fs.appendFileSync(knownHosts, `${line}\n`, { mode: 0o600 });
  const stop = async () => {
    try {
      const kept = fs
        .readFileSync(knownHosts, 'utf8')
        .split('\n')
        .filter((l) => l && l !== line);
      fs.writeFileSync(knownHosts, kept.length ? kept.join('\n') + '\n' : '');
    } catch {}
    const pid = as(['cat', `${dir}/sshd.pid`]).stdout.trim();
    if (pid) as(['kill', pid]);
    const servicePid = as(['cat', `${dir}/service.pid`]).stdout.trim();
    if (servicePid) as(['kill', servicePid]);
    await waitFor(
      'the remote service to stop',
      () => service.exitCode !== null || service.signalCode !== null,
      10_000,
    ).catch(() => {});
    as(['rm', '-rf', dir]);
    fs.rmSync(local, { recursive: true, force: true });
  };
  try {
    await waitFor(`sshd on 127.0.0.1:${port} (${sshdLog})`, () => /Server listening/.test(sshdLog));
    await waitFor('the remote podman socket', () => as(['test', '-S', sock]).code === 0);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    user,
    uid,
    port,
    containerHost: `ssh://${user}@127.0.0.1:${port}${sock}`,
    key,
    as,
    stop,
    log: () => sshdLog,
  };
}
