// A container engine driven through its CLI (podman, docker, nerdctl): one code path, the engine's
// differences in its CliFlavor.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../../src/base/errors';
import type { Logger } from '../../src/base/log';
import type { BuildRequest, ImageInfo, RunResult, Runtime } from '../runtime';
import { parseImageInspect } from '../image-json';
import type { CliFlavor } from './flavor';
import type { ContainerSpec } from '../spec';
import { runCaptured, runLines, startLines, startProcess, signalNumber, type ProcEnv } from '../process';
import { buildAdaptation, cliRunArgs } from './run-args';
import { splitUserArgs } from '../user-args';
import { refusalError } from '../adaptation/refusals';
import { NO_SUCH_CONTAINER, parseContainerInspect, type KnownContainer } from '../container-inspect';
import { buildProbeImage, probeAdaptation, readHardLimits, type Adaptation, type Limits } from '../adaptation/probe';
import { cacheKey, loadCached, saveCached } from '../adaptation/cache';
import { runAdapted } from '../adaptation/again';
import { Interrupted, NEVER_STOP, onAbort, stopReason, type Stopping } from '../stop';
import { BUILD_SWEEP, bootTicks, startWatchdog } from '../watchdog';
import { processStart } from '../process-table';
import { baseAlias, firstFrom } from '../build-from';
import { holdEngineErrors } from './engine-stderr';
import { copyContext, writeIgnoreFile } from './build-context';
import { BuildOutput } from '../build-output';
import { storageUsageOf, type StorageUsage } from '../storage-usage';
import { engineSentence } from '../engine-sentence';
import { loadNodePty, spawnInPty } from './pty-session';
import { ENGINE_URI, containerHost, restartServiceWith } from '../podman-service';

/** podman's, docker's and nerdctl's words for an image they do not have (from inspect or exists). */
const IMAGE_ABSENT = /image not known|no such (image|object)|image not found/i;

/** The engine's sentence in its output, else its last line. */
function engineSays(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return engineSentence(lines) ?? lines[lines.length - 1] ?? '';
}

export interface CliOptions {
  binary: string;
  uid: number;
  env: ProcEnv;
  cacheDir: string;
  log: Logger;
  /** The command's stop (src/stop.ts): runs and builds end when it says so. */
  stop?: Stopping;
}

export class CliEngine implements Runtime {
  readonly name: string;
  private adaptation: Adaptation | undefined;
  private rootlessKnown: boolean | undefined;
  private readonly selinux: boolean;

  private readonly stop: Stopping;

  constructor(
    protected readonly o: CliOptions,
    protected readonly flavor: CliFlavor,
  ) {
    this.name = flavor.name;
    this.stop = o.stop ?? NEVER_STOP;
    this.selinux = fs.existsSync('/sys/fs/selinux/enforce');
  }

  describe(): string {
    const a = this.adaptation;
    const mode = this.rootlessKnown === undefined ? '' : this.rootlessKnown ? ', rootless' : ', rootful';
    const remote = this.flavor.remote?.(this.o.env);
    const client = remote ? `, a client of the service at ${remote}` : '';
    return `${this.name} (${this.o.binary}${client}${mode}${a && a.notes.length ? `; ${a.notes.join('; ')}` : ''})`;
  }

  private async rootless(): Promise<boolean> {
    if (this.rootlessKnown === undefined)
      this.rootlessKnown = await this.flavor.rootless((args, t) => this.exec(args, t), this.o.uid, this.o.env);
    return this.rootlessKnown;
  }

  private async exec(args: string[], timeoutMs = 60_000) {
    this.o.log.command([this.o.binary, ...args]);
    const r = await runCaptured(this.o.binary, args, { env: this.o.env, timeoutMs });
    // In a container that withholds what podman needs (a device, an id map, a namespace), every
    // command fails alike: say what is missing once, with the flag that gives it.
    const refused = r.code !== 0 ? refusalError(r.stderr, this.name) : undefined;
    if (refused) throw refused;
    return r;
  }

  async imageExists(ref: string): Promise<boolean> {
    const r = await this.exec(this.flavor.imageExistsArgs(ref));
    if (r.code === 0) return true;
    // `image exists` says 1; `image inspect` says 1 (docker, nerdctl) or 125 (podman) with a sentence.
    if (r.code === 1 || IMAGE_ABSENT.test(r.stderr)) return false;
    throw new XcrossError(`${this.name} could not look up image ${ref}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  }

  async imageLabels(ref: string): Promise<Record<string, string>> {
    const r = await this.exec(['image', 'inspect', '--format', '{{json .Config.Labels}}', ref]);
    if (r.code !== 0) throw new XcrossError(`${this.name} could not inspect image ${ref}: ${r.stderr.trim()}`);
    const v: unknown = JSON.parse(r.stdout.trim() || 'null');
    if (v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v))
      throw new XcrossError(`${this.name} printed labels of ${ref} that are not an object`);
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string'),
    ) as Record<string, string>;
  }

  async storageUsage(): Promise<StorageUsage | undefined> {
    // podman's info says where its graphroot is and how full; docker's and nerdctl's do not say how full.
    if (this.flavor.name !== 'podman') return undefined;
    const r = await this.exec(['info', '--format', 'json'], 30_000);
    try {
      return r.code === 0 ? storageUsageOf(JSON.parse(r.stdout)) : undefined;
    } catch {
      return undefined;
    }
  }

  async imageId(ref: string): Promise<string | undefined> {
    const r = await this.exec(['image', 'inspect', '--format', '{{.Id}}', ref]);
    if (r.code === 0) return r.stdout.trim();
    if (IMAGE_ABSENT.test(r.stderr)) return undefined;
    throw new XcrossError(`${this.name} could not inspect image ${ref}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  }

  async runsHere(): Promise<boolean> {
    // podman has no daemon: without CONTAINER_HOST its containers start from this process's namespaces.
    return this.flavor.name === 'podman' && !this.flavor.remote?.(this.o.env);
  }

  async inspectContainer(ref: string): Promise<KnownContainer | undefined> {
    const r = await this.exec(['container', 'inspect', ref], 30_000);
    if (r.code === 0) return parseContainerInspect(r.stdout, this.name);
    if (NO_SUCH_CONTAINER.test(r.stderr)) return undefined;
    throw new XcrossError(
      `${this.name} could not inspect container ${ref}: ${engineSays(r.stderr) || `exit code ${r.code}`}`,
    );
  }

  async listImages(label: string): Promise<ImageInfo[]> {
    // IDs first, then one inspect: the same JSON from every engine, unlike their `images` formats.
    const ids = await this.exec(['images', '--filter', `label=${label}`, '--format', '{{.ID}}']);
    if (ids.code !== 0) throw new XcrossError(`${this.name} could not list images: ${ids.stderr.trim()}`);
    const unique = [
      ...new Set(
        ids.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ];
    if (unique.length === 0) return [];
    const r = await this.exec(['image', 'inspect', ...unique]);
    if (r.code !== 0) throw new XcrossError(`${this.name} could not inspect its images: ${r.stderr.trim()}`);
    return parseImageInspect(r.stdout);
  }

  async removeImage(ref: string): Promise<void> {
    const r = await this.exec(['rmi', ref]);
    if (r.code !== 0)
      throw new XcrossError(`${this.name} could not remove ${ref}: ${r.stderr.trim().replace(/^Error: /, '')}`);
  }

  async pull(ref: string, onLine: (line: string) => void): Promise<boolean> {
    const args = ['pull', ref];
    this.o.log.command([this.o.binary, ...args]);
    const r = await runLines(this.o.binary, args, onLine, { env: this.o.env });
    return r.code === 0;
  }

  async importTarball(file: string, ref: string): Promise<void> {
    const r = await this.exec(['import', '--change', 'CMD ["/bin/bash"]', file, ref], 600_000);
    if (r.code !== 0) throw new XcrossError(`${this.name} could not import ${file} as ${ref}: ${r.stderr.trim()}`);
  }

  async tag(ref: string, newRef: string): Promise<void> {
    const r = await this.exec(['tag', ref, newRef]);
    if (r.code !== 0) throw new XcrossError(`${this.name} could not tag ${ref} as ${newRef}: ${engineSays(r.stderr)}`);
  }

  async push(ref: string, dest: string, onLine: (line: string) => void): Promise<void> {
    if (!this.flavor.pushesToOtherName && ref !== dest) await this.tag(ref, dest);
    try {
      const args = this.flavor.pushesToOtherName ? ['push', ref, dest] : ['push', dest];
      await this.streamed(args, onLine, `push ${dest}`);
    } finally {
      // The other name was only the push's: leave the image as it was.
      if (!this.flavor.pushesToOtherName && ref !== dest) await this.exec(['rmi', dest]);
    }
  }

  async save(refs: string[], sink: (tar: NodeJS.ReadableStream) => Promise<void>): Promise<void> {
    const args = this.flavor.saveArgs(refs);
    this.o.log.command([this.o.binary, ...args]);
    const { child, done } = startProcess(this.o.binary, args, { env: this.o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await sink(child.stdout!);
    } catch (e) {
      child.kill('SIGTERM');
      await done;
      throw e;
    }
    const f = await done;
    if (f.code !== 0)
      throw new XcrossError(
        `${this.name} could not save ${refs.join(', ')}: ${engineSays(stderr) || `exit code ${f.code}`}`,
      );
  }

  async load(file: string, onLine: (line: string) => void): Promise<void> {
    await this.streamed(['load', '-i', file], onLine, `load ${file}`);
  }

  /** Runs an engine command whose output lines are shown as they come; its complaint, if it fails. */
  private async streamed(args: string[], onLine: (line: string) => void, what: string): Promise<void> {
    this.o.log.command([this.o.binary, ...args]);
    const lines: string[] = [];
    const show = (l: string) => {
      lines.push(l);
      onLine(l);
    };
    const r = await runLines(this.o.binary, args, show, { env: this.o.env });
    if (r.code !== 0)
      throw (
        refusalError(lines.join('\n'), this.name) ??
        new XcrossError(`${this.name} could not ${what}: ${engineSays(lines.join('\n')) || `exit code ${r.code}`}`)
      );
  }

  async build(req: BuildRequest, onLine: (line: string) => void, onProcess?: (pid: number) => void): Promise<void> {
    // The build's RUN steps start containers too, so they need the same adaptation as a run.
    const adapt = await this.adapt(buildProbeImage(req));
    const args = [
      ...adapt.global,
      'build',
      '--network=host',
      ...buildAdaptation(adapt).filter((f) => f !== '--network=host'),
      '-f',
      req.containerfile,
      '-t',
      req.tag,
    ];
    for (const [k, v] of Object.entries(req.buildArgs)) args.push('--build-arg', `${k}=${v}`);
    for (const [k, v] of Object.entries(req.labels)) args.push('--label', `${k}=${v}`);
    if (req.layers === false && this.flavor.noLayersFlag) args.push(this.flavor.noLayersFlag);
    let context = req.context;
    let ignoreFile: string | undefined;
    if (req.excludes?.length && this.flavor.ignoreFileFlag) {
      ignoreFile = writeIgnoreFile(req.context, req.excludes);
      args.push(this.flavor.ignoreFileFlag, ignoreFile);
    } else if (req.excludes?.length) {
      // No ignore-file flag: build from a copy of the context without the excluded top-level entries.
      context = copyContext(req.context, req.excludes);
      ignoreFile = path.join(context, '.xcross-copy');
    }
    // podman: the first FROM under a name of this build's own, so that its working containers (which
    // record that image) can be told from other builds' if this one is killed (watchdog.ts).
    const from = this.flavor.name === 'podman' ? firstFrom(req) : undefined;
    const named = from ? baseAlias() : undefined;
    const alias = from && named && (await this.exec(['tag', from, named])).code === 0 ? named : undefined;
    if (alias) args.push('--from', alias);
    args.push(context);
    this.o.log.command([this.o.binary, ...args]);
    const output = new BuildOutput(req.tag, onLine);
    // Its own process group: the watchdog can then end it with the helper that starts RUN steps.
    // A terminal's Ctrl-C no longer reaches it directly: the stop below passes it on.
    const since = bootTicks();
    const { child, done } = startLines(this.o.binary, args, (line) => output.line(line), this.o.env, true);
    if (child.pid !== undefined) onProcess?.(child.pid);
    const watchdog = startWatchdog(
      [
        'sh',
        '-c',
        BUILD_SWEEP,
        'xcross-build-sweep',
        this.o.binary,
        String(child.pid ?? 0),
        alias ?? '',
        String(since),
        processStart(child.pid),
      ],
      this.o.env,
    );
    const undo = [
      onAbort(this.stop.signal, () => child.kill(stopReason(this.stop))),
      onAbort(this.stop.hard, () => child.kill('SIGKILL')),
    ];
    let r: Awaited<typeof done>;
    try {
      r = await done;
    } finally {
      for (const u of undo) u();
    }
    if (ignoreFile) fs.rmSync(path.dirname(ignoreFile), { recursive: true, force: true });
    // Killed (by the hard stop, or by someone else): its working containers stay behind unless swept.
    // So may a failed one's: podman's own removal of them can fail too (seen with the storage full).
    if (r.signal || (r.code !== 0 && alias)) await watchdog.now();
    else {
      watchdog.done();
      if (alias) await this.exec(['untag', alias, alias]);
    }
    const sig = stopReason(this.stop);
    if (sig) throw new Interrupted(sig);
    if (r.code === 0) return;
    if (r.signal) {
      throw new XcrossError(
        `building ${req.tag} failed: ${this.o.binary} build was killed (${r.signal}); its build containers were removed`,
        {
          fix: 'run the command again to build it',
        },
      );
    }
    throw output.failure(` (${this.name} exit code ${r.code})`, this.flavor.buildFailureHint?.(output.text));
  }

  async run(spec: ContainerSpec): Promise<RunResult> {
    return runAdapted({
      cached: this.adaptation !== undefined || this.cachedAdaptation() !== undefined,
      imageExists: () => this.imageExists(spec.image),
      // In a terminal session the engine's complaint about a missing image would land on the screen.
      askFirst: spec.tty,
      askAgain: true,
      adapt: (fresh) => this.adapt(spec.image, fresh),
      run: (a) => this.runOnce(spec, a),
      // 125/126 before the container ran: the host may have changed since the adaptation was cached.
      refusal: (o) =>
        'result' in o &&
        !o.result.interrupted &&
        !o.result.imageMissing &&
        (o.result.code === 125 || o.result.code === 126)
          ? `exit code ${o.result.code} before the container ran`
          : undefined,
      onRefusal: (why) => this.o.log.debug(`${this.name}: ${why}; probing again`),
    });
  }

  private async runOnce(spec: ContainerSpec, adapt: Adaptation): Promise<RunResult> {
    const args = cliRunArgs(spec, {
      rootless: await this.rootless(),
      selinux: this.selinux,
      env: this.o.env,
      adaptation: adapt,
      userArgs: splitUserArgs(this.o.env.CROSS_CONTAINER_OPTS),
    });
    this.o.log.command([this.o.binary, ...args]);
    // A terminal session runs the engine in our pseudo-terminal; anything else streams on pipes.
    const pty = spec.tty ? loadNodePty(this.o.log, this.o.env) : null;
    const stop = this.stop;
    if (stop.signal.aborted) return { code: 128 + signalNumber(stopReason(stop)!), interrupted: stopReason(stop) };
    // If xcross is killed (SIGKILL too) while the container runs, the watchdog removes it.
    const watchdog = startWatchdog([this.o.binary, ...this.flavor.removeContainerArgs(spec.name)], this.o.env);
    let kill: (sig: NodeJS.Signals) => void;
    /** The engine's own process ended by a signal (not the container's program): its container runs on. */
    let engineKilled: () => boolean;
    let finished: Promise<{ code: number; imageMissing?: boolean }>;
    if (pty) {
      const p = spawnInPty(pty, this.o.binary, args, this.o.env);
      kill = (sig) => p.kill(sig);
      engineKilled = () => p.killedBy !== undefined;
      finished = p.done.then((code) => ({ code }));
    } else {
      const { child, done } = startProcess(this.o.binary, args, {
        env: this.o.env,
        stdio: ['inherit', 'inherit', 'pipe'],
      });
      const stderr = holdEngineErrors(child.stderr!, this.flavor);
      let signal: NodeJS.Signals | null = null;
      kill = (sig) => child.kill(sig);
      engineKilled = () => signal !== null;
      finished = done.then(async (f) => {
        signal = f.signal;
        await stderr.ended;
        if (f.code === 125 && stderr.kind === 'image') return { code: 125, imageMissing: true };
        if ((f.code === 127 || f.code === 1) && stderr.kind === 'command') {
          const cmd = spec.command[0];
          throw new XcrossError(`${cmd}: no such command in ${spec.image}`, {
            fix: 'check its name, or open `xcross shell` and look around',
            exitCode: 127,
          });
        }
        stderr.flush();
        return { code: f.code };
      });
    }
    const forceRemove = () => void this.exec(this.flavor.removeContainerArgs(spec.name), 30_000);
    // The first stop goes to the program, which may clean up (on a terminal podman got the same
    // SIGINT from the process group; from `kill` it did not); the hard one ends the container.
    const undo = [onAbort(stop.signal, () => kill(stopReason(stop)!)), onAbort(stop.hard, forceRemove)];
    let f: { code: number; imageMissing?: boolean };
    try {
      f = await finished;
    } catch (e) {
      watchdog.done();
      throw e;
    } finally {
      for (const u of undo) u();
    }
    const interrupted = stopReason(stop);
    if (!interrupted && !engineKilled()) {
      watchdog.done();
      return f.imageMissing ? { code: 125, imageMissing: true } : { code: f.code };
    }
    if (!interrupted) {
      // Someone killed `podman run` under us: its container runs on without it. Remove it, then say so.
      await watchdog.now();
      throw new XcrossError(
        `${this.o.binary} run was killed by a signal while ${spec.program ?? spec.command[0]} ran; its container ${spec.name} was removed`,
        {
          fix: 'run the command again',
          exitCode: f.code,
        },
      );
    }
    // A rootless `podman run --rm` that is interrupted can leave its container running: remove it.
    await this.exec(this.flavor.removeContainerArgs(spec.name), 30_000);
    watchdog.done();
    return { code: 128 + signalNumber(interrupted), interrupted };
  }

  private cachedAdaptation(): Adaptation | undefined {
    return loadCached(this.cacheFile(), this.cacheKey(readHardLimits()));
  }

  /** A client of some service (CONTAINER_HOST) learns that service's needs, apart from the local engine's. */
  private cacheKey(limits: Limits): string {
    // Behind an ssh tunnel, the engine's own address: the tunnel's socket is new every run.
    const remote = this.o.env[ENGINE_URI] || this.flavor.remote?.(this.o.env);
    return `${cacheKey(this.o.binary, this.o.uid, limits)}${remote ? `|${remote}` : ''}`;
  }

  private cacheFile(): string {
    return path.join(this.o.cacheDir, `${this.name}-adaptation-${this.o.uid}.json`);
  }

  /** The flags this host needs, from memory, the cache, or a probe with `image`. */
  async adapt(image: string, fresh = false): Promise<Adaptation> {
    if (this.adaptation && !fresh) return this.adaptation;
    const limits = readHardLimits();
    const key = this.cacheKey(limits);
    const cached = fresh ? undefined : loadCached(this.cacheFile(), key);
    if (cached) return (this.adaptation = cached);
    this.o.log.debug(`probing what ${this.name} needs on this host`);
    const remote = this.flavor.remote?.(this.o.env);
    const adaptation = await probeAdaptation(
      async (a) => {
        if (a.global.length && remote) {
          const variable = containerHost(this.o.env) ? 'CONTAINER_HOST' : 'CONTAINER_CONNECTION';
          throw new XcrossError(
            `${this.name} is a client of the service at ${remote} (${variable}), which cannot start containers on this host without the global flags ${a.global.join(' ')}`,
            {
              fix: `${restartServiceWith(a.global)}, or unset ${variable} to use the local podman`,
            },
          );
        }
        return this.exec([
          ...a.global,
          'run',
          '--rm',
          '--pull=never',
          '--label',
          'io.xcross.managed=true',
          ...a.run,
          image,
          'true',
        ]);
      },
      limits,
      this.name,
    );
    for (const n of adaptation.notes) this.o.log.debug(`adapted: ${n}`);
    saveCached(this.cacheFile(), key, adaptation);
    return (this.adaptation = adaptation);
  }
}
