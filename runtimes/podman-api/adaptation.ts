// What a podman service needs to start a container on this host (host network, rlimits, --init, and
// global flags such as --runtime runc that belong to the service itself), learnt by probing it with
// `true` containers and cached per service, as the CLI runtime caches its own.
import * as path from 'node:path';
import { XcrossError } from '../../src/base/errors';
import { fnv1a } from '../../src/base/hash';
import type { Logger } from '../../src/base/log';
import { probeAdaptation, readHardLimits, type Adaptation } from '../adaptation/probe';
import { cacheKey, loadCached, saveCached } from '../adaptation/cache';
import type { Captured } from '../process';
import type { ContainerSpec } from '../spec';
import { ApiError } from './client';
import type { Connection } from './connect';
import { restartServiceWith, serviceName } from '../podman-service';
import { runContainer } from './run-session';
import { specGenerator } from './spec-json';

/** A service not ours that needs global flags (e.g. --runtime runc) only its owner can give it. */
export class ServiceNeedsFlags extends XcrossError {}

/** The service being probed, as the runtime holds it. */
export interface ProbedService {
  /** The live connection (a new one after ours was restarted). */
  connection(): Promise<Connection>;
  /** Starts xcross's own service again with these global flags, unless it already runs with them. */
  restartOwnWith(global: string[]): Promise<Connection>;
}

export interface AdaptationOptions {
  uid: number;
  env: Readonly<Record<string, string | undefined>>;
  cacheDir: string;
  log: Logger;
  podman?: string;
  selinux: boolean;
}

export class ServiceAdaptation {
  private value: Adaptation | undefined;
  private file: string | undefined;

  constructor(private readonly o: AdaptationOptions) {}

  /** What was adapted, for -v (empty before anything is known). */
  get notes(): string[] {
    return this.value?.notes ?? [];
  }

  /** The adaptation of the service `current` is (or of ours, when not connected), from memory or its cache file. */
  known(current: Connection | undefined): Adaptation | undefined {
    const file = this.cacheFile(current);
    if (this.file !== file) {
      this.file = file;
      this.value = loadCached(file, this.key(current));
    }
    return this.value;
  }

  /** What the service needs, from memory, the cache, or a probe with `image`. */
  async adapt(service: ProbedService, image: string, fresh = false): Promise<Adaptation> {
    const connected = await service.connection();
    const known = fresh ? undefined : this.known(connected);
    // A need for global flags means the service must be started with them, which only ours can be.
    if (known && !(known.global.length && !connected.own)) return known;
    this.o.log.debug('podman-api: probing what the service needs on this host');
    let n = 0;
    const probe = async (a: Adaptation): Promise<Captured> => {
      let c = await service.connection();
      if (a.global.length && c.own) c = await service.restartOwnWith(a.global);
      else if (a.global.length) throw needsFlags(c, a.global);
      const spec: ContainerSpec = {
        image,
        name: `xcross-probe-${process.pid}-${n++}`,
        command: ['true'],
        workdir: '/',
        env: {},
        mounts: [],
        owner: { uid: this.o.uid, gid: this.o.uid },
        labels: { 'io.xcross.managed': 'true' },
        interactive: false,
        tty: false,
      };
      try {
        const r = await runContainer(
          c.api,
          spec,
          specGenerator(spec, { rootless: c.rootless, selinux: this.o.selinux, adaptation: a }),
          this.o.log,
        );
        return { code: r.code, signal: null, stdout: '', stderr: r.imageMissing ? `image not known: ${image}` : '' };
      } catch (e) {
        if (e instanceof ApiError) return { code: 125, signal: null, stdout: '', stderr: e.engineMessage };
        throw e;
      }
    };
    const adaptation = await probeAdaptation(probe, readHardLimits(), 'podman');
    for (const note of adaptation.notes) this.o.log.debug(`adapted: ${note}`);
    const now = await service.connection();
    this.file = this.cacheFile(now);
    saveCached(this.file, this.key(now), adaptation);
    return (this.value = adaptation);
  }

  /** One file per service: alternating between sockets must not re-probe each time. */
  private cacheFile(current: Connection | undefined): string {
    return path.join(this.o.cacheDir, `podman-api-adaptation-${this.o.uid}-${fnv1a(this.where(current))}.json`);
  }

  /**
   * Which service: the one CONTAINER_HOST names, the default socket connected to (its owner's
   * flags), or a service of ours (also when not connected yet: the flags to start ours with).
   */
  private where(current: Connection | undefined): string {
    const named = serviceName(this.o.env);
    if (named) return named;
    return current && !current.own ? current.socket : 'own';
  }

  /** Keyed like the CLI's: podman's binary, user, limits, boot; and the service. */
  private key(current: Connection | undefined): string {
    return `${cacheKey(this.o.podman ?? 'no-podman', this.o.uid, readHardLimits())}|${this.where(current)}`;
  }
}

function needsFlags(c: Connection, global: string[]): ServiceNeedsFlags {
  return new ServiceNeedsFlags(
    `the podman service on ${c.socket} cannot start containers on this host without the global flags ${global.join(' ')}`,
    {
      fix: `${restartServiceWith(global)}, or use \`--runtime podman\`${c.source === 'CONTAINER_HOST' ? ' with CONTAINER_HOST unset (with it, podman itself is a client of that service)' : ''}`,
    },
  );
}
