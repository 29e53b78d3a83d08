// The podman runtime through libpod's REST API on a Unix socket: a peer of the CLI runtime behind
// the same Runtime interface. Once the socket is up, no podman process is started for anything
// (unless detection chose a service that cannot start containers here: then its CLI fallback runs).
import * as fs from 'node:fs';
import { XcrossError } from '../../src/base/errors';
import type { Logger } from '../../src/base/log';
import type { BuildRequest, ImageInfo, RunResult, Runtime } from '../runtime';
import type { ContainerSpec } from '../spec';
import { parseImageInspect } from '../image-json';
import { splitUserArgs } from '../user-args';
import { buildProbeImage, type Adaptation } from '../adaptation/probe';
import { runAdapted } from '../adaptation/again';
import { ServiceAdaptation, ServiceNeedsFlags, type ProbedService } from './adaptation';
import { ApiError, errorMessage } from './client';
import { credentialsFor, registryAuthHeader } from '../registry-auth';
import { splitRef } from '../image-ref';
import { recordRefusal } from './refusal';
import { connect, startOwn, type Connection } from './connect';
import { NotStarted, runContainer } from './run-session';
import { specGenerator } from './spec-json';
import { buildImage } from './build';
import type { Stopping } from '../stop';
import { BUILD_SWEEP, bootTicks, startWatchdog } from '../watchdog';
import { socketOwner } from '../podman-service';
import { firstFrom } from '../build-from';
import { removeBuildLeftovers } from './build-leftovers';
import { readJsonLines } from './streams';
import { storageUsageOf, type StorageUsage } from '../storage-usage';
import { NO_SUCH_CONTAINER, parseContainerInspect, type KnownContainer } from '../container-inspect';

export interface ApiOptions {
  uid: number;
  env: Readonly<Record<string, string | undefined>>;
  cacheDir: string;
  log: Logger;
  /** podman on PATH (to start a service when none answers), if any. */
  podman?: string;
  /** A connection detection already made (it pinged the socket). */
  connection?: Connection;
  /**
   * The podman CLI, when detection chose this socket: it runs the containers and builds instead if
   * the service cannot start containers on this host as its owner started it.
   */
  fallback?: () => Runtime;
  /** The command's stop (src/stop.ts). */
  stop?: Stopping;
}

export class PodmanApi implements Runtime {
  readonly name = 'podman-api';
  private conn: Promise<Connection> | undefined;
  private current: Connection | undefined;
  private readonly selinux = fs.existsSync('/sys/fs/selinux/enforce');
  private readonly adaptation: ServiceAdaptation;

  constructor(private readonly o: ApiOptions) {
    if (o.connection) {
      this.current = o.connection;
      this.conn = Promise.resolve(o.connection);
    }
    this.adaptation = new ServiceAdaptation({
      uid: o.uid,
      env: o.env,
      cacheDir: o.cacheDir,
      log: o.log,
      podman: o.podman,
      selinux: this.selinux,
    });
  }

  /** Whether containers go to the podman CLI when this service cannot start them (detection's choice). */
  get fallsBackToCli(): boolean {
    return this.o.fallback !== undefined;
  }

  describe(): string {
    if (this.instead)
      return `${this.instead.describe()}, instead of the podman service on ${this.current?.socket}, which cannot start containers here`;
    const c = this.current;
    if (!c) return `podman-api (not connected yet)`;
    const notes = this.adaptation.notes.length ? `; ${this.adaptation.notes.join('; ')}` : '';
    return `podman-api (${c.socket}, ${c.source}, libpod ${c.version}, ${c.rootless ? 'rootless' : 'rootful'}${notes})`;
  }

  /** The live connection, made on first use. */
  async connection(): Promise<Connection> {
    if (!this.conn) {
      this.serviceFlags = this.adaptation.known(undefined)?.global ?? [];
      this.conn = connect({
        env: this.o.env,
        uid: this.o.uid,
        log: this.o.log,
        podman: this.o.podman,
        serviceFlags: this.serviceFlags,
      });
      this.conn.catch(() => {
        this.conn = undefined;
      });
    }
    const fresh = !this.current;
    this.current = await this.conn;
    if (fresh)
      this.o.log.debug(
        `podman-api: using ${this.current.socket} (${this.current.source}, libpod ${this.current.version})`,
      );
    return this.current;
  }

  async close(): Promise<void> {
    await this.instead?.close?.();
    const c = this.current;
    if (!c) return;
    await c.api.close();
    await c.own?.stop();
  }

  private async api() {
    return (await this.connection()).api;
  }

  /** libpod's /info (the doctor's facts: version, rootless, storage, OCI runtime, cgroups). */
  async info(): Promise<unknown> {
    return (await this.api()).json<unknown>('GET', '/info', 'asking the podman service for its /info');
  }

  async storageUsage(): Promise<StorageUsage | undefined> {
    try {
      return storageUsageOf(await this.info());
    } catch {
      return undefined;
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    const r = await (await this.api()).text('GET', `/images/${encodeURIComponent(ref)}/exists`);
    if (r.status === 204) return true;
    if (r.status === 404) return false;
    throw new XcrossError(`podman could not look up image ${ref}: HTTP ${r.status} ${r.body.trim()}`);
  }

  private async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    const api = await this.api();
    const r = await api.text('GET', `/images/${encodeURIComponent(ref)}/json`);
    if (r.status === 404) return undefined;
    if (r.status >= 400) throw new XcrossError(`podman could not inspect image ${ref}: ${r.body.trim()}`);
    return parseImageInspect(`[${r.body}]`)[0];
  }

  async runsHere(): Promise<boolean> {
    if (this.instead) return (await this.instead.runsHere?.()) ?? false;
    return (await this.connection()).own !== undefined;
  }

  async inspectContainer(ref: string): Promise<KnownContainer | undefined> {
    const r = await (await this.api()).text('GET', `/containers/${encodeURIComponent(ref)}/json`);
    if (r.status === 404 || (r.status >= 400 && NO_SUCH_CONTAINER.test(r.body))) return undefined;
    if (r.status >= 400) throw new XcrossError(`podman could not inspect container ${ref}: ${errorMessage(r.body)}`);
    return parseContainerInspect(r.body, 'podman');
  }

  async imageLabels(ref: string): Promise<Record<string, string>> {
    const info = await this.inspectImage(ref);
    if (!info) throw new XcrossError(`podman could not inspect image ${ref}: image not known`);
    return info.labels;
  }

  async imageId(ref: string): Promise<string | undefined> {
    return (await this.inspectImage(ref))?.id;
  }

  async listImages(label: string): Promise<ImageInfo[]> {
    const list = await (
      await this.api()
    ).json<unknown[]>('GET', '/images/json', 'listing images', {
      query: { filters: JSON.stringify({ label: [label] }) },
    });
    return parseImageInspect(JSON.stringify(list ?? []));
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await (await this.api()).json('DELETE', `/images/${encodeURIComponent(ref)}`, `podman could not remove ${ref}`);
    } catch (e) {
      if (e instanceof ApiError) throw new XcrossError(`podman could not remove ${ref}: ${e.engineMessage}`);
      throw e;
    }
  }

  async pull(ref: string, onLine: (line: string) => void): Promise<boolean> {
    const api = await this.api();
    const r = await api.stream('POST', '/images/pull', {
      query: { reference: ref, policy: 'always' },
      headers: this.authHeaders(ref),
    });
    if (r.status >= 400) {
      onLine((await r.body.text()).trim());
      return false;
    }
    let ok = true;
    await readJsonLines(r.body, (o) => {
      if (o.error) {
        ok = false;
        onLine(o.error.trim());
      } else if (o.stream) onLine(o.stream.trimEnd());
    });
    return ok;
  }

  /** The engine's stored login for the registry of `ref`, as libpod takes it (never logged). */
  private authHeaders(ref: string): Record<string, string> {
    const creds = credentialsFor(ref, this.o.env);
    return creds ? { 'X-Registry-Auth': registryAuthHeader(creds) } : {};
  }

  async tag(ref: string, newRef: string): Promise<void> {
    const { repo, tag } = splitRef(newRef);
    try {
      await (
        await this.api()
      ).json('POST', `/images/${encodeURIComponent(ref)}/tag`, `podman could not tag ${ref} as ${newRef}`, {
        query: { repo, tag },
      });
    } catch (e) {
      if (e instanceof ApiError) throw new XcrossError(`podman could not tag ${ref} as ${newRef}: ${e.engineMessage}`);
      throw e;
    }
  }

  async push(ref: string, dest: string, onLine: (line: string) => void): Promise<void> {
    const api = await this.api();
    const r = await api.stream('POST', `/images/${encodeURIComponent(ref)}/push`, {
      query: { destination: dest },
      headers: this.authHeaders(dest),
    });
    if (r.status >= 400) throw new XcrossError(`podman could not push ${dest}: ${errorMessage(await r.body.text())}`);
    let failure: string | undefined;
    await readJsonLines(r.body, (o) => {
      if (o.error) failure = o.error.trim();
      else if (o.stream) onLine(o.stream.trimEnd());
    });
    if (failure) throw new XcrossError(`podman could not push ${dest}: ${failure}`);
  }

  async save(refs: string[], sink: (tar: NodeJS.ReadableStream) => Promise<void>): Promise<void> {
    const api = await this.api();
    const r = await api.stream('GET', '/images/export', {
      query: { format: 'docker-archive', references: refs, compress: false },
    });
    if (r.status >= 400)
      throw new XcrossError(`podman could not save ${refs.join(', ')}: ${errorMessage(await r.body.text())}`);
    try {
      await sink(r.body);
    } catch (e) {
      r.body.destroy();
      throw e;
    }
  }

  async load(file: string, onLine: (line: string) => void): Promise<void> {
    const api = await this.api();
    const r = await api.stream('POST', '/images/load', {
      body: fs.createReadStream(file),
      contentType: 'application/x-tar',
    });
    const text = await r.body.text();
    if (r.status >= 400) throw new XcrossError(`podman could not load ${file}: ${errorMessage(text)}`);
    for (const l of text.split('\n')) if (l.trim()) onLine(l.trim());
  }

  async importTarball(file: string, ref: string): Promise<void> {
    const api = await this.api();
    const r = await api.stream('POST', '/images/import', {
      query: { reference: ref, changes: 'CMD ["/bin/bash"]' },
      body: fs.createReadStream(file),
      contentType: 'application/x-tar',
    });
    const text = await r.body.text();
    if (r.status >= 400) throw new XcrossError(`podman could not import ${file} as ${ref}: ${text.trim()}`);
  }

  /** What this host needs to start a container through this service (the doctor probes afresh). */
  adapt(image: string, fresh = false): Promise<Adaptation> {
    return this.adaptation.adapt(this.probed, image, fresh);
  }

  private readonly probed: ProbedService = {
    connection: () => this.connection(),
    restartOwnWith: async (global) => {
      const c = await this.connection();
      if (!c.own || c.own.pid === undefined || JSON.stringify(this.serviceFlags) === JSON.stringify(global)) return c;
      // Flags such as --runtime/--cgroup-manager belong to the service: restart ours with them.
      await this.close();
      this.conn = startOwn({ env: this.o.env, uid: this.o.uid, log: this.o.log, podman: this.o.podman }, global);
      this.serviceFlags = global;
      return (this.current = await this.conn);
    },
  };

  /** The global flags a service of ours runs with. */
  private serviceFlags: string[] = [];

  async build(req: BuildRequest, onLine: (line: string) => void, onProcess?: (pid: number) => void): Promise<void> {
    // The service builds: no process of ours to name, except the CLI's when it builds instead.
    if (this.instead) return this.instead.build(req, onLine, onProcess);
    try {
      const adapt = await this.adapt(buildProbeImage(req));
      const c = await this.connection();
      await this.buildNamed(c, req, adapt, onLine);
    } catch (e) {
      await this.insteadAfter(e).build(req, onLine, onProcess);
    }
  }

  /** The build; if the service dies under it, its RUN step (orphaned) and working container are
   * removed with the local podman at once (watchdog.ts's BUILD_SWEEP), when that podman sees the
   * service's storage. A service names working containers after the base's ID, shared by other builds. */
  private async buildNamed(
    c: Connection,
    req: BuildRequest,
    adapt: Adaptation,
    onLine: (line: string) => void,
  ): Promise<void> {
    const watchdog = this.localCli(c)
      ? startWatchdog(
          ['sh', '-c', BUILD_SWEEP, 'xcross-build-sweep', this.o.podman!, '0', '', String(bootTicks())],
          this.cliEnv(),
        )
      : undefined;
    const since = Date.now() / 1000;
    const sweep =
      watchdog &&
      (async () => {
        await watchdog.now();
        // The steps before the one that ran left working containers the service can no longer remove.
        const leftovers = { podman: this.o.podman!, env: this.cliEnv(), since, inputs: req.labels['io.xcross.inputs'] };
        await removeBuildLeftovers({ ...leftovers, from: firstFrom(req) });
      });
    try {
      await buildImage(c, req, adapt, onLine, { stop: this.o.stop, sweep });
    } finally {
      watchdog?.done();
    }
  }

  async run(spec: ContainerSpec): Promise<RunResult> {
    if (this.instead) return this.instead.run(spec);
    try {
      return await this.runHere(spec);
    } catch (e) {
      return this.insteadAfter(e).run(spec);
    }
  }

  /** The runtime detection offered for a service that cannot start containers; else `e` again. */
  private insteadAfter(e: unknown): Runtime {
    if (!(e instanceof ServiceNeedsFlags) || !this.o.fallback || !this.current) throw e;
    recordRefusal(this.o.cacheDir, this.o.uid, this.current.socket, e.message);
    this.o.log.debug(`podman-api: ${e.message}: using the podman CLI instead (until that service is restarted)`);
    return (this.instead = this.o.fallback());
  }

  private instead: Runtime | undefined;

  private async runHere(spec: ContainerSpec): Promise<RunResult> {
    return runAdapted({
      cached: this.adaptation.known(await this.connection()) !== undefined,
      imageExists: () => this.imageExists(spec.image),
      adapt: (fresh) => this.adapt(spec.image, fresh),
      run: (a) => this.runWith(spec, a),
      // Refused before anything ran: the service may have been restarted with other settings since.
      refusal: (o) => ('error' in o && o.error instanceof NotStarted ? o.error.message : undefined),
      onRefusal: (why) => this.o.log.debug(`podman-api: ${why}; probing the service again`),
    });
  }

  private async runWith(spec: ContainerSpec, adaptation: Adaptation): Promise<RunResult> {
    // After adapt(): a service of ours may have been restarted with other flags.
    const c = await this.connection();
    const body = specGenerator(spec, {
      rootless: c.rootless,
      selinux: this.selinux,
      adaptation,
      userArgs: splitUserArgs(this.o.env.CROSS_CONTAINER_OPTS),
      env: this.o.env,
    });
    return runContainer(c.api, spec, body, this.o.log, {
      stop: this.o.stop,
      watchdog: (name) => startWatchdog(this.removeCommand(c, name), this.cliEnv()),
      serviceGone: () => ({ dead: c.own?.dead ?? false, words: c.own?.dead ? c.own.lastWords : undefined }),
    });
  }

  /**
   * How the watchdog removes a container when xcross or the service dies: with the local podman CLI
   * when the service is this user's (same storage; it needs no service), else as a client of the socket.
   */
  private removeCommand(c: Connection, name: string): string[] {
    const podman = this.o.podman ?? 'podman';
    return [
      podman,
      ...(this.localCli(c) ? [] : ['--url', `unix://${c.socket}`]),
      'rm',
      '--force',
      '--time',
      '0',
      '--ignore',
      name,
    ];
  }

  /** Whether the local podman CLI sees this service's containers (the service is this user's). */
  private localCli(c: Connection): boolean {
    return this.o.podman !== undefined && socketOwner(c.socket) === this.o.uid;
  }

  /** The environment for that CLI: CONTAINER_HOST would make the local podman a client again. */
  private cliEnv(): Record<string, string | undefined> {
    return { ...this.o.env, CONTAINER_HOST: undefined, CONTAINER_CONNECTION: undefined };
  }
}
