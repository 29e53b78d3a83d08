// One container run through the API: create, attach (before start, so no byte is missed), start,
// relay stdio (demultiplexed, or raw with a TTY), read the exit code, remove. Ctrl-C and friends are
// passed to the container as signals, and the container is removed whatever happened.
import type { Duplex } from 'node:stream';
import { XcrossError } from '../../src/base/errors';
import type { Logger } from '../../src/base/log';
import { signalNumber } from '../process';
import { NEVER_STOP, onAbort, stopReason, type Stopping } from '../stop';
import type { Watchdog } from '../watchdog';
import type { RunResult } from '../runtime';
import type { ContainerSpec } from '../spec';
import { ApiError, type ApiClient } from './client';
import { FrameDemuxer } from './frames';
import type { SpecGenerator } from './spec-json';

/** The OCI runtime's words (in an error body) or catatonit's (first stderr line) for a missing command. */
const COMMAND_NOT_FOUND =
  /executable file `?"?[^ ]*`?"?:? ?not found in \$PATH|^ERROR \(catatonit:\d+\): failed to exec pid1: No such file or directory/;

interface ContainerState {
  Status?: string;
  ExitCode?: number;
  Running?: boolean;
}

/** The engine refused to create or prepare the container: nothing of the user's ran. */
export class NotStarted extends ApiError {}

export interface RunContext {
  stop?: Stopping;
  /** Removes the container if xcross dies (SIGKILL too) before done(); started once it exists. */
  watchdog?: (name: string) => Watchdog;
  /** The service is gone: whether it died, and what it said last (for the error). */
  serviceGone?: () => { dead: boolean; words?: string };
}

export async function runContainer(
  api: ApiClient,
  spec: ContainerSpec,
  body: SpecGenerator,
  log: Logger,
  ctx: RunContext = {},
): Promise<RunResult> {
  const stop = ctx.stop ?? NEVER_STOP;
  if (stop.signal.aborted) return { code: 128 + signalNumber(stopReason(stop)!), interrupted: stopReason(stop) };
  let id: string;
  try {
    id = (
      await api.json<{ Id: string }>('POST', '/containers/create', `creating the container from ${spec.image}`, {
        json: body,
      })
    ).Id;
  } catch (e) {
    // libpod 4.3 answers 500 here, newer ones 404: the sentence is what they share.
    if (e instanceof ApiError && /image not known|no such image/i.test(e.engineMessage))
      return { code: 125, imageMissing: true };
    if (e instanceof ApiError)
      throw new NotStarted(e.status, e.engineMessage, `creating the container from ${spec.image}`);
    throw e;
  }
  const watchdog = ctx.watchdog?.(spec.name);
  let removed = false;
  let serviceDied = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    // force: also a container that still runs (interrupted, or the service hiccupped).
    await api.text('DELETE', `/containers/${id}`, { query: { force: true, timeout: 0 }, timeoutMs: 30_000 }).then(
      () => watchdog?.done(),
      async (e: unknown) => {
        // The service is gone and its container runs on (conmon keeps it): the watchdog's local podman removes it.
        if (watchdog) return watchdog.now();
        log.warn(
          `could not remove container ${spec.name}: ${e instanceof Error ? e.message : String(e)} (remove it with \`podman rm -f ${spec.name}\`)`,
        );
      },
    );
  };
  // The first stop goes to the program, which may clean up; the hard one (a second signal, or a
  // program that ignores the first for GRACE_MS) ends the container.
  const undo = [
    onAbort(
      stop.signal,
      () => void api.text('POST', `/containers/${id}/kill`, { query: { signal: stopReason(stop)! } }).catch(() => {}),
    ),
    onAbort(stop.hard, () => void remove()),
  ];
  try {
    // init on its own, before attach: its failures (the OCI runtime's complaints, a missing command)
    // come back as an error body, where an attach would only drop the connection.
    try {
      await api.json('POST', `/containers/${id}/init`, 'preparing the container', { timeoutMs: 60_000 });
    } catch (e) {
      if (e instanceof ApiError && COMMAND_NOT_FOUND.test(e.engineMessage)) throw notFound(spec);
      if (e instanceof ApiError) throw new NotStarted(e.status, e.engineMessage, 'preparing the container');
      throw e;
    }
    const socket = await api.upgrade(`/containers/${id}/attach`, {
      stream: true,
      stdout: true,
      stderr: true,
      stdin: spec.interactive,
    });
    const relay = relayStdio(socket, spec);
    try {
      await api.json('POST', `/containers/${id}/start`, `starting the container`, { timeoutMs: 60_000 });
    } catch (e) {
      relay.stop();
      if (e instanceof ApiError && COMMAND_NOT_FOUND.test(e.engineMessage)) throw notFound(spec);
      throw e;
    }
    if (spec.tty) relay.resize(api, id);
    const streamed = await relay.ended;
    if (streamed.commandNotFound) throw notFound(spec);
    const interrupted = stopReason(stop);
    if (interrupted) {
      await remove();
      return { code: 128 + signalNumber(interrupted), interrupted };
    }
    try {
      return { code: await exitCode(api, id) };
    } catch (e) {
      // The attach ended because the service did: say so, rather than how the next request failed.
      if (e instanceof ApiError) throw e;
      serviceDied = true;
      const gone = ctx.serviceGone?.();
      const words = gone?.words ? ` (it said: ${gone.words})` : '';
      throw new XcrossError(
        `the podman service on ${api.socket} went away while ${spec.program ?? spec.command[0]} ran in ${spec.name}${words}; ${watchdog ? 'the container was removed with the podman CLI' : 'its container may still run'}`,
        {
          cause: e,
          fix: 'check the service (`podman info`), and run the command again; `--runtime podman` does not need the service',
        },
      );
    }
  } finally {
    for (const u of undo) u();
    if (serviceDied && watchdog) await watchdog.now();
    else await remove();
  }
}

function notFound(spec: ContainerSpec): XcrossError {
  return new XcrossError(`${spec.command[0]}: no such command in ${spec.image}`, {
    fix: 'check its name, or open `xcross shell` and look around',
    exitCode: 127,
  });
}

/**
 * The attach stream ends when the container's process does; the engine's record of the exit may
 * lag a few milliseconds behind. Inspect until it is there (libpod's /wait polls every 250 ms by
 * default and waits for the cleanup process besides).
 */
async function exitCode(api: ApiClient, id: string): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (let delay = 2; Date.now() < deadline; delay = Math.min(delay * 2, 50)) {
    const c = await api.json<{ State?: ContainerState }>('GET', `/containers/${id}/json`, 'reading the exit code');
    const st = c.State ?? {};
    if ((st.Status === 'exited' || st.Status === 'stopped') && typeof st.ExitCode === 'number') return st.ExitCode;
    await new Promise((r) => setTimeout(r, delay));
  }
  const code = await api.json<number>('POST', `/containers/${id}/wait`, 'waiting for the container', {
    query: { condition: ['exited', 'stopped'], interval: '50ms' },
    timeoutMs: 0,
  });
  return Number(code);
}

interface Relay {
  ended: Promise<{ commandNotFound: boolean }>;
  resize(api: ApiClient, id: string): void;
  stop(): void;
}

/** The container's output to ours (stdout and stderr apart, with backpressure), our stdin to it. */
function relayStdio(socket: Duplex, spec: ContainerSpec): Relay {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const stderr = process.stderr;
  const write = (out: NodeJS.WriteStream, data: Buffer) => {
    if (!out.write(data)) {
      socket.pause();
      out.once('drain', () => socket.resume());
    }
  };
  // stderr's first line is held: a command missing from the image gets xcross's sentence instead.
  let firstErr: Buffer | undefined = spec.tty ? undefined : Buffer.alloc(0);
  let commandNotFound = false;
  const onErr = (data: Buffer) => {
    if (firstErr === undefined) return write(stderr, data);
    firstErr = Buffer.concat([firstErr, data]);
    if (firstErr.includes(10)) releaseErr();
  };
  const releaseErr = () => {
    if (firstErr === undefined) return;
    const text = firstErr.toString();
    const held = firstErr;
    firstErr = undefined;
    if (COMMAND_NOT_FOUND.test(text.split('\n')[0])) commandNotFound = true;
    else if (held.length) write(stderr, held);
  };
  const demux = new FrameDemuxer((id, payload) => (id === 2 ? onErr(payload) : write(stdout, payload)));
  let rawBefore: boolean | undefined;
  const onInput = (d: Buffer) => socket.write(d);
  const onInputEnd = () => socket.end();
  if (spec.interactive) {
    if (spec.tty && stdin.isTTY) {
      rawBefore = stdin.isRaw;
      stdin.setRawMode(true);
    }
    stdin.on('data', onInput);
    stdin.once('end', onInputEnd);
    stdin.resume();
  }
  let resizeHandler: (() => void) | undefined;
  const stop = () => {
    if (spec.interactive) {
      stdin.off('data', onInput);
      stdin.off('end', onInputEnd);
      if (rawBefore !== undefined) stdin.setRawMode(rawBefore);
      stdin.pause();
    }
    if (resizeHandler) stdout.off('resize', resizeHandler);
    socket.destroy();
  };
  const ended = new Promise<{ commandNotFound: boolean }>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      if (spec.tty) return write(stdout, d);
      try {
        demux.push(d);
      } catch (e) {
        reject(e);
      }
    });
    // 'close' comes also when the peer resets; 'end' alone would miss that.
    socket.once('close', () => {
      releaseErr();
      stop();
      resolve({ commandNotFound });
    });
    socket.on('error', () => {});
  });
  return {
    ended,
    stop,
    resize(api, id) {
      const send = () => {
        void api
          .text('POST', `/containers/${id}/resize`, { query: { h: stdout.rows || 24, w: stdout.columns || 80 } })
          .catch(() => {});
      };
      if (stdout.isTTY) {
        resizeHandler = send;
        stdout.on('resize', send);
      }
      send();
    },
  };
}
