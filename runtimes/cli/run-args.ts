// ContainerSpec → a CLI engine's `run` argv (podman's flags, which docker and nerdctl take too).
// Pure, so tests compare argument lists.
import { XcrossError } from '../../src/base/errors';
import type { ContainerSpec, Mount } from '../spec';
import type { Adaptation } from '../adaptation/probe';

export interface RunContext {
  rootless: boolean;
  selinux: boolean;
  /** The engine's own environment: a variable whose value is already there is passed by name only,
   * so that tokens do not show in `ps` or in -v output. */
  env: Readonly<Record<string, string | undefined>>;
  adaptation: Adaptation;
  /** The user's own `run` flags (CROSS_CONTAINER_OPTS), placed last before the image. */
  userArgs?: string[];
}

export function cliRunArgs(spec: ContainerSpec, ctx: RunContext): string[] {
  const args = [...ctx.adaptation.global, 'run', '--rm', '--pull=never', '--name', spec.name];
  for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`);
  args.push(...ctx.adaptation.run);
  args.push(...ownerArgs(spec.owner, ctx.rootless));
  for (const m of spec.mounts) args.push(...mountArgs(m, ctx.selinux));
  for (const [k, v] of Object.entries(spec.env)) args.push('-e', ctx.env[k] === v ? k : `${k}=${v}`);
  // With the host's network the port is the host's already; publishing it would be refused.
  if (!ctx.adaptation.run.includes('--network=host'))
    for (const port of spec.ports ?? []) args.push('-p', `127.0.0.1:${port}:${port}`);
  args.push('-w', spec.workdir);
  if (spec.interactive) args.push('-i');
  if (spec.tty) args.push('-t');
  args.push(...(ctx.userArgs ?? []));
  args.push(spec.image, ...spec.command);
  return args;
}

/**
 * One bind mount. `-v` splits on ':', so a path with one (a workspace under `a:b`) goes as --mount,
 * which splits on ','; a path with both cannot be said to the CLI at all.
 */
function mountArgs(m: Mount, selinux: boolean): string[] {
  // A named volume: podman 4.3 refuses `readonly=true` in --mount type=volume, and takes -v's `ro`.
  if (m.volume) return ['-v', `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`];
  const paths = [m.source, m.target];
  if (!paths.some((p) => p.includes(':')))
    return ['-v', `${m.source}:${m.target}:${[m.readOnly ? 'ro' : 'rw', ...(selinux ? ['z'] : [])].join(',')}`];
  if (paths.some((p) => p.includes(','))) {
    throw new XcrossError(
      `${m.source} has both ':' and ',' in its path, which the engine's command line cannot mount`,
      {
        fix: 'move it to a path without one of them, or use --runtime podman-api',
      },
    );
  }
  return [
    '--mount',
    [
      `type=bind`,
      `source=${m.source}`,
      `destination=${m.target}`,
      ...(m.readOnly ? ['readonly=true'] : []),
      ...(selinux ? ['relabel=shared'] : []),
    ].join(','),
  ];
}

/**
 * Files written in the mounts must belong to the invoking user. Rootless podman maps container root
 * onto that user already, without the image copy that --userns=keep-id costs; rootful podman needs
 * --user.
 */
export function ownerArgs(owner: { uid: number; gid: number }, rootless: boolean): string[] {
  if (rootless || owner.uid === 0) return [];
  return ['--user', `${owner.uid}:${owner.gid}`];
}

/** The adaptation flags that `build` understands too (its RUN steps hit the same limits). */
export function buildAdaptation(a: Adaptation): string[] {
  return a.run.filter((f) => f.startsWith('--ulimit=') || f === '--network=host');
}
