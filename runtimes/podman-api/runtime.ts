// The podman runtime through libpod's REST API on a Unix socket: a peer of the CLI runtime behind
// the same Runtime interface. Once the socket is up, no podman process is started for anything.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../../src/errors';
import type { Logger } from '../../src/ui/log';
import type { BuildRequest, ImageInfo, RunResult, Runtime } from '../runtime';
import type { ContainerSpec } from '../spec';
import { parseImageInspect } from '../image-json';
import { splitUserArgs } from '../podman-args';
import { buildProbeImage, cacheKey, loadCached, probeAdaptation, readHardLimits, saveCached, type Adaptation } from '../podman-adapt';
import type { Captured } from '../process';
import { fnv1a } from '../../src/images/hash';
import { ApiError } from './client';
import { connect, startOwn, type Connection } from './connect';
import { runContainer } from './run-session';
import { specGenerator } from './spec-json';
import { buildImage } from './build';
import { readJsonLines } from './streams';

export interface ApiOptions {
  uid: number;
  env: Readonly<Record<string, string | undefined>>;
  cacheDir: string;
  log: Logger;
  /** podman on PATH (to start a service when none answers), if any. */
  podman?: string;
  /** A connection detection already made (it pinged the socket). */
  connection?: Connection;
}

export class PodmanApi implements Runtime {
  readonly name = 'podman-api';
  private conn: Promise<Connection> | undefined;
  private current: Connection | undefined;
  private adaptation: Adaptation | undefined;
  private readonly selinux = fs.existsSync('/sys/fs/selinux/enforce');

  constructor(private readonly o: ApiOptions) {
    if (o.connection) {
      this.current = o.connection;
      this.conn = Promise.resolve(o.connection);
    }
  }

  describe(): string {
    const c = this.current;
    if (!c) return `podman-api (not connected yet)`;
    const notes = this.adaptation?.notes.length ? `; ${this.adaptation.notes.join('; ')}` : '';
    return `podman-api (${c.socket}, ${c.source}, libpod ${c.version}, ${c.rootless ? 'rootless' : 'rootful'}${notes})`;
  }

  /** The live connection, made on first use. */
  async connection(): Promise<Connection> {
    if (!this.conn) {
      this.serviceFlags = this.known()?.global ?? [];
      this.conn = connect({ env: this.o.env, uid: this.o.uid, log: this.o.log, podman: this.o.podman, serviceFlags: this.serviceFlags });
      this.conn.catch(() => { this.conn = undefined; });
    }
    const fresh = !this.current;
    this.current = await this.conn;
    if (fresh) this.o.log.debug(`podman-api: using ${this.current.socket} (${this.current.source}, libpod ${this.current.version})`);
    return this.current;
  }

  async close(): Promise<void> {
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

  async imageLabels(ref: string): Promise<Record<string, string>> {
    const info = await this.inspectImage(ref);
    if (!info) throw new XcrossError(`podman could not inspect image ${ref}: image not known`);
    return info.labels;
  }

  async imageId(ref: string): Promise<string | undefined> {
    return (await this.inspectImage(ref))?.id;
  }

  async listImages(label: string): Promise<ImageInfo[]> {
    const list = await (await this.api()).json<unknown[]>('GET', '/images/json', 'listing images', { query: { filters: JSON.stringify({ label: [label] }) } });
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
    const r = await api.stream('POST', '/images/pull', { query: { reference: ref, policy: 'always' } });
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

  async importTarball(file: string, ref: string): Promise<void> {
    const api = await this.api();
    const r = await api.stream('POST', '/images/import', { query: { reference: ref, changes: 'CMD ["/bin/bash"]' }, body: fs.createReadStream(file), contentType: 'application/x-tar' });
    const text = await r.body.text();
    if (r.status >= 400) throw new XcrossError(`podman could not import ${file} as ${ref}: ${text.trim()}`);
  }

  async build(req: BuildRequest, onLine: (line: string) => void): Promise<void> {
    const adapt = await this.adapt(buildProbeImage(req));
    const c = await this.connection();
    await buildImage(c, req, adapt, onLine);
  }

  async run(spec: ContainerSpec): Promise<RunResult> {
    // Without an adaptation the probe needs the image: ask first, so a missing one is not a probe error.
    if (!this.known() && !(await this.imageExists(spec.image))) return { code: 125, imageMissing: true };
    const adapt = await this.adapt(spec.image);
    const c = await this.connection();
    const body = specGenerator(spec, { rootless: c.rootless, selinux: this.selinux, adaptation: adapt, userArgs: splitUserArgs(this.o.env.CROSS_CONTAINER_OPTS) });
    return runContainer(c.api, spec, body, this.o.log);
  }

  /** One file per service location: alternating between sockets must not re-probe each time. */
  private cacheFile(): string {
    return path.join(this.o.cacheDir, `podman-api-adaptation-${this.o.uid}-${fnv1a(this.where())}.json`);
  }

  private where(): string {
    return this.o.env.CONTAINER_HOST ?? 'default-or-own';
  }

  /** Keyed like the CLI's: podman's binary, user, limits, boot; a socket of someone else's by its path. */
  private key(): string {
    return `${cacheKey(this.o.podman ?? 'no-podman', this.o.uid, readHardLimits())}|${this.where()}`;
  }

  /** The adaptation from memory or the cache file (read once), if there is one. */
  private known(): Adaptation | undefined {
    if (this.adaptation === undefined && !this.cacheRead) {
      this.cacheRead = true;
      this.adaptation = loadCached(this.cacheFile(), this.key());
    }
    return this.adaptation;
  }

  private cacheRead = false;

  /** What this host needs to start a container, from memory, the cache, or a probe with `image`. */
  async adapt(image: string, fresh = false): Promise<Adaptation> {
    const known = fresh ? undefined : this.known();
    if (known) return known;
    this.o.log.debug('podman-api: probing what the service needs on this host');
    let n = 0;
    const probe = async (a: Adaptation): Promise<Captured> => {
      let c = await this.connection();
      if (a.global.length && c.own && c.own.pid !== undefined && !this.serviceHas(a.global)) {
        // Flags such as --runtime/--cgroup-manager belong to the service: restart ours with them.
        await this.close();
        this.conn = startOwn({ env: this.o.env, uid: this.o.uid, log: this.o.log, podman: this.o.podman }, a.global);
        this.serviceFlags = a.global;
        c = this.current = await this.conn;
      } else if (a.global.length && !c.own) {
        throw new XcrossError(`the podman service on ${c.socket} cannot start containers on this host without the global flags ${a.global.join(' ')}`, {
          fix: `restart that service as \`podman ${a.global.join(' ')} system service\`, or use \`--runtime podman\``,
        });
      }
      const spec: ContainerSpec = {
        image, name: `xcross-probe-${process.pid}-${n++}`, command: ['true'], workdir: '/', env: {}, mounts: [],
        owner: { uid: this.o.uid, gid: this.o.uid }, labels: { 'io.xcross.managed': 'true' }, interactive: false, tty: false,
      };
      try {
        const r = await runContainer(c.api, spec, specGenerator(spec, { rootless: c.rootless, selinux: this.selinux, adaptation: a }), this.o.log);
        return { code: r.code, signal: null, stdout: '', stderr: r.imageMissing ? `image not known: ${image}` : '' };
      } catch (e) {
        if (e instanceof ApiError) return { code: 125, signal: null, stdout: '', stderr: e.engineMessage };
        throw e;
      }
    };
    const adaptation = await probeAdaptation(probe, readHardLimits());
    for (const note of adaptation.notes) this.o.log.debug(`adapted: ${note}`);
    saveCached(this.cacheFile(), this.key(), adaptation);
    return (this.adaptation = adaptation);
  }

  private serviceFlags: string[] = [];

  private serviceHas(flags: string[]): boolean {
    return JSON.stringify(this.serviceFlags) === JSON.stringify(flags);
  }
}
