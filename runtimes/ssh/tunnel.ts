// An engine on another machine, reached as podman's own remote client does: its API socket over ssh.
// One OpenSSH process forwards a local Unix socket of ours to the remote socket (`ssh -N -L
// local.sock:remote.sock`), so every runtime and every command sees an ordinary local socket. OpenSSH
// rather than a client of our own: it already knows the user's keys, agent, ~/.ssh/config, jump hosts
// and known_hosts, and `-L` with Unix sockets needs nothing on the far side but sshd (no nc, no socat,
// no shell). The process is in a session of its own (a Ctrl-C for the build must not cut the line the
// container's removal goes through), and a watchdog ends it when xcross dies, SIGKILL included.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XcrossError } from '../../src/base/errors';
import { installCommand } from '../../src/base/host-os/install';
import type { Logger } from '../../src/base/log';
import { ApiClient } from '../podman-api/client';
import { checkApiVersion } from '../podman-api/socket';
import { startWatchdog, type Watchdog } from '../watchdog';
import { findOnPath } from '../which';
import { sshDestination, type SshEngine } from './engine-uri';

type Env = Readonly<Record<string, string | undefined>>;

/** An engine behind an ssh tunnel: what runtimes talk to (`socket`) and what the user named (`uri`). */
export interface RemoteEngine {
  uri: string;
  /** Where it was named (CONTAINER_HOST, CONTAINER_CONNECTION=name, ...). */
  from: string;
  /** user@host, for messages. */
  destination: string;
  /** The local end of the tunnel. */
  socket: string;
  /** The engine's socket on the far side. */
  remoteSocket: string;
  close(): Promise<void>;
}

export interface TunnelOptions {
  env: Env;
  log: Logger;
  /** How long ssh may take to log in and the service to answer. */
  timeoutMs?: number;
}

/** The ssh command line for a tunnel to `e` on the local socket `local` (pure, for tests and -v). */
export function tunnelArgs(e: SshEngine, local: string): string[] {
  return [
    '-N',
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'StreamLocalBindUnlink=yes',
    '-o',
    'StreamLocalBindMask=0177',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ConnectTimeout=10',
    ...(e.port !== undefined ? ['-p', String(e.port)] : []),
    ...(e.identity ? ['-i', e.identity, '-o', 'IdentitiesOnly=yes'] : []),
    '-L',
    `${local}:${e.socket}`,
    '--',
    sshDestination(e),
  ];
}

/** A fresh private place for the local socket: the user's runtime dir, else a new 0700 temp dir. */
function localSocketPath(env: Env): string {
  const base = env.XDG_RUNTIME_DIR;
  if (base && fs.existsSync(base)) {
    const dir = path.join(base, 'xcross');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return path.join(dir, `ssh-${process.pid}-${Date.now().toString(36)}.sock`);
  }
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-ssh-')), 'podman.sock');
}

export async function openTunnel(e: SshEngine, o: TunnelOptions): Promise<RemoteEngine> {
  const ssh = findOnPath('ssh', o.env.PATH);
  if (!ssh) {
    throw new XcrossError(`${e.from} names an engine over ssh (${e.uri}), and ssh is not installed`, {
      fix: `install OpenSSH's client: ${installCommand('ssh')}`,
    });
  }
  const local = localSocketPath(o.env);
  const args = tunnelArgs(e, local);
  o.log.command([ssh, ...args]);
  const started = performance.now();
  const child = spawn(ssh, args, {
    env: o.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    exited = true;
  });
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const watchdog = child.pid ? startWatchdog(['kill', String(child.pid)], o.env) : undefined;
  const close = closer(child, watchdog, local);
  process.once('exit', () => void close());
  const dest = sshDestination(e);
  const api = new ApiClient(local, o.log);
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (spawnError) throw new XcrossError(`could not start ssh: ${spawnError.message}`);
      if (exited) throw loginFailure(e, dest, stderr);
      if (fs.existsSync(local)) {
        const version = await api.ping(5_000).then(
          (v) => v,
          () => undefined,
        );
        if (version !== undefined) {
          checkApiVersion(version, `${e.socket} on ${dest}`);
          o.log.debug(
            `engine: ${e.uri} (from ${e.from}) over ssh to ${dest}, forwarded to ${local} in ${Math.round(performance.now() - started)} ms`,
          );
          return { uri: e.uri, from: e.from, destination: dest, socket: local, remoteSocket: e.socket, close };
        }
        if (/open failed|connect failed|No such file|Connection refused|Permission denied/i.test(stderr))
          throw noService(e, dest, stderr);
      }
      if (Date.now() > deadline) {
        throw fs.existsSync(local)
          ? noService(e, dest, stderr)
          : new XcrossError(`ssh to ${dest} did not log in within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s`, {
              fix: `try \`ssh ${dest}\` yourself to see what it waits for`,
            });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (err) {
    await api.close();
    await close();
    throw err;
  } finally {
    await api.close();
  }
}

function closer(child: ChildProcess, watchdog: Watchdog | undefined, local: string): () => Promise<void> {
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    watchdog?.done();
    if (child.exitCode === null && child.signalCode === null) {
      // Held while it stops: an event loop with nothing else left would end xcross before its exit code is set.
      child.ref();
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        child.kill('SIGTERM');
      } catch {}
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 2_000)))]);
      clearTimeout(timer);
    }
    try {
      fs.rmSync(local, { force: true });
    } catch {}
  };
}

function lastLine(stderr: string): string {
  return (
    stderr
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Warning: Permanently added/.test(l))
      .pop() ?? ''
  );
}

/** ssh ended before the tunnel was up: its own last words, and what usually answers them. */
function loginFailure(e: SshEngine, dest: string, stderr: string): XcrossError {
  const said = lastLine(stderr) || 'no message';
  const port = e.port !== undefined ? ` -p ${e.port}` : '';
  let fix = `try \`ssh${port} ${dest}\` yourself`;
  if (/Host key verification failed|host key .* (changed|not known)|No .* host key is known/i.test(stderr))
    fix = `check the host's key and accept it once with \`ssh${port} ${dest}\` (xcross never accepts an unknown host key)`;
  else if (/Permission denied/i.test(said))
    fix = `add your public key to ${dest}'s ~/.ssh/authorized_keys, load it into ssh-agent, or name it with CONTAINER_SSHKEY=/path/to/key`;
  else if (/Connection refused|No route|timed out|Could not resolve/i.test(said))
    fix = `check that sshd runs on ${e.host}${e.port !== undefined ? ` port ${e.port}` : ''} and can be reached from here`;
  return new XcrossError(`ssh to ${dest} (${e.from}) failed: ${said}`, { fix });
}

function noService(e: SshEngine, dest: string, stderr: string): XcrossError {
  const said = lastLine(stderr);
  return new XcrossError(
    `ssh to ${dest} works, but no podman service answers on ${e.socket} there${said ? ` (ssh: ${said})` : ''}`,
    {
      fix: `start it on ${e.host}: \`systemctl --user enable --now podman.socket\`, or \`podman system service --time=0 unix://${e.socket}\``,
    },
  );
}
