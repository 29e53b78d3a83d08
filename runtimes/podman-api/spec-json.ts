// ContainerSpec → libpod's SpecGenerator (the body of POST /containers/create). Pure, so tests
// compare JSON. The adaptation flags the CLI runtime learned map onto fields one for one.
import { XcrossError } from '../../src/base/errors';
import type { Adaptation } from '../adaptation/probe';
import type { ContainerSpec } from '../spec';

export interface SpecContext {
  rootless: boolean;
  selinux: boolean;
  adaptation: Adaptation;
  /** CROSS_CONTAINER_OPTS, split like a shell would. */
  userArgs?: string[];
  /** xcross's environment, where `-e NAME` without a value takes it from (as podman run does). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Rlimit {
  type: string;
  hard: number;
  soft: number;
}
interface SpecMount {
  destination: string;
  source: string;
  type: 'bind';
  options: string[];
}
/** A named volume (libpod's NamedVolume). */
interface SpecVolume {
  Name: string;
  Dest: string;
  Options: string[];
}
interface PortMapping {
  host_ip: string;
  host_port: number;
  container_port: number;
  protocol: 'tcp';
}

export interface SpecGenerator {
  name: string;
  image: string;
  command: string[];
  work_dir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  mounts: SpecMount[];
  volumes?: SpecVolume[];
  terminal: boolean;
  stdin: boolean;
  init?: boolean;
  user?: string;
  netns?: { nsmode: string; value?: string };
  r_limits?: Rlimit[];
  portmappings?: PortMapping[];
  privileged?: boolean;
  cap_add?: string[];
  devices?: { path: string }[];
  selinux_opts?: string[];
  [key: string]: unknown;
}

export function specGenerator(spec: ContainerSpec, ctx: SpecContext): SpecGenerator {
  const g: SpecGenerator = {
    name: spec.name,
    image: spec.image,
    command: spec.command,
    work_dir: spec.workdir,
    env: { ...spec.env },
    labels: { ...spec.labels },
    mounts: spec.mounts
      .filter((m) => !m.volume)
      .map((m) => bind(m.source, m.target, [m.readOnly ? 'ro' : 'rw', ...(ctx.selinux ? ['z'] : [])])),
    terminal: spec.tty,
    stdin: spec.interactive,
  };
  const volumes = spec.mounts.filter((m) => m.volume);
  if (volumes.length)
    g.volumes = volumes.map((m) => ({ Name: m.source, Dest: m.target, Options: [m.readOnly ? 'ro' : 'rw'] }));
  applyRunFlags(g, ctx.adaptation.run);
  // Rootless podman maps container root onto the caller already; rootful needs the user's ids.
  if (!ctx.rootless && spec.owner.uid !== 0) g.user = `${spec.owner.uid}:${spec.owner.gid}`;
  if (g.netns?.nsmode !== 'host' && spec.ports?.length) {
    g.portmappings = spec.ports.map((p) => ({
      host_ip: '127.0.0.1',
      host_port: p,
      container_port: p,
      protocol: 'tcp',
    }));
  }
  if (ctx.userArgs?.length) applyUserArgs(g, ctx.userArgs, ctx.env);
  return g;
}

function bind(source: string, destination: string, options: string[]): SpecMount {
  return { destination, source, type: 'bind', options: ['rbind', ...options] };
}

/** `--init`, `--ulimit=name=soft:hard`, `--network=host`, `--cgroups=enabled`: what probeAdaptation may add. */
function applyRunFlags(g: SpecGenerator, flags: string[]): void {
  for (const f of flags) {
    if (f === '--init') g.init = true;
    else if (f === '--network=host') g.netns = { nsmode: 'host' };
    else if (f === '--cgroups=enabled') g.cgroups_mode = 'enabled';
    else if (f.startsWith('--ulimit='))
      g.r_limits = [...(g.r_limits ?? []).filter((r) => r.type !== rlimit(f.slice(9)).type), rlimit(f.slice(9))];
    else throw new Error(`internal: adaptation flag ${f} has no libpod field`);
  }
}

/** `nofile=20000:20000` → {type: RLIMIT_NOFILE, soft, hard}. */
export function rlimit(text: string): Rlimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(text);
  if (!m) throw new XcrossError(`--ulimit ${text} is not name=soft[:hard]`);
  const soft = Number(m[2]);
  return { type: `RLIMIT_${m[1].toUpperCase()}`, soft, hard: m[3] === undefined ? soft : Number(m[3]) };
}

/**
 * The `podman run` flags of CROSS_CONTAINER_OPTS that have a libpod field. Anything else is refused
 * by name rather than dropped: the user asked for it.
 */
export function applyUserArgs(
  g: SpecGenerator,
  args: string[],
  env: Readonly<Record<string, string | undefined>> = {},
): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new XcrossError(`CROSS_CONTAINER_OPTS: ${a} needs a value`);
      return v;
    };
    switch (flag) {
      case '-e':
      case '--env': {
        const v = value();
        const k = v.split('=')[0];
        g.env[k] = v.includes('=') ? v.slice(k.length + 1) : (env[k] ?? '');
        break;
      }
      case '-v':
      case '--volume': {
        const [source, destination, opts] = value().split(':');
        if (!source || !destination) throw new XcrossError(`CROSS_CONTAINER_OPTS: ${a} wants SOURCE:DEST[:OPTIONS]`);
        g.mounts.push(bind(source, destination, opts ? opts.split(',') : []));
        break;
      }
      case '-l':
      case '--label': {
        const v = value();
        const k = v.split('=')[0];
        g.labels[k] = v.slice(k.length + 1);
        break;
      }
      case '--network':
      case '--net': {
        const v = value();
        g.netns = v === 'host' || v === 'none' || v === 'private' ? { nsmode: v } : { nsmode: 'bridge' };
        if (g.netns.nsmode === 'bridge') g.networks = { [v]: {} };
        break;
      }
      case '--ulimit': {
        const r = rlimit(value());
        g.r_limits = [...(g.r_limits ?? []).filter((x) => x.type !== r.type), r];
        break;
      }
      case '--privileged':
        g.privileged = true;
        break;
      case '--cap-add':
        g.cap_add = [...(g.cap_add ?? []), value()];
        break;
      case '--device':
        g.devices = [...(g.devices ?? []), { path: value() }];
        break;
      case '--security-opt': {
        const v = value();
        if (v.startsWith('label=')) g.selinux_opts = [...(g.selinux_opts ?? []), v.slice(6)];
        else if (v === 'seccomp=unconfined') {
          g.seccomp_policy = 'unconfined';
          g.seccomp_profile_path = 'unconfined';
        } else
          throw new XcrossError(
            `CROSS_CONTAINER_OPTS: --security-opt ${v} is not supported by the podman-api runtime`,
            { fix: 'use `--runtime podman`, which passes every flag through' },
          );
        break;
      }
      default:
        throw new XcrossError(
          `CROSS_CONTAINER_OPTS: ${flag} is not supported by the podman-api runtime (it knows -e, -v, -l, --network, --ulimit, --privileged, --cap-add, --device, --security-opt label=/seccomp=unconfined)`,
          {
            fix: 'use `--runtime podman`, which passes every flag through to `podman run`',
          },
        );
    }
  }
}
