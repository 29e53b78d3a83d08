// Checks of the container engine: is it there and sane, how it stores images, whether containers
// start on this host (and what xcross adapts for that), which target images are present.
import type { Host } from '../host';
import type { Registry } from '../targets/registry';
import type { Settings } from '../settings';
import { targetImageRef } from '../images/tag';
import { CliEngine } from '../../runtimes/cli/engine';
import { createRuntime } from '../../runtimes/detect';
import { engineCommand, type Runtime } from '../../runtimes/runtime';
import { isXcrossError } from '../base/errors';
import { findOnPath } from '../../runtimes/which';
import { fail, ok, warn, type CheckResult } from './check';
import { apiFacts, podmanFacts, type EngineFacts } from './podman-info';
import { PodmanApi } from '../../runtimes/podman-api/runtime';
import { ServiceNeedsFlags } from '../../runtimes/podman-api/adaptation';
import { installCommand } from '../base/host-os/install';
import { hostOsRelease } from '../base/host-os/os-release';
import { ContainerRefused, containerRefusal } from '../../runtimes/adaptation/refusals';

/** The engine a build here would use (the settings' choice, else detection), and what it can do. */
export async function engineChecks(
  s: Pick<Settings, 'host' | 'registry' | 'log' | 'runtime'>,
  os = hostOsRelease(),
): Promise<CheckResult[]> {
  const { host, registry, log } = s;
  const INSTALL = installCommand('podman', os);
  const requested = s.runtime?.name;
  let engine: Runtime;
  try {
    engine = await createRuntime(requested, { env: host.env, uid: host.uid, cacheDir: host.cacheDir, log });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return [
      fail(
        'engine',
        requested && /does not exist/.test(msg)
          ? `the engine ${requested} (from ${s.runtime!.from}) does not exist or is not executable`
          : msg,
        isXcrossError(e) ? (e.fix ?? INSTALL) : INSTALL,
      ),
    ];
  }
  const remote = engine.remote;
  if (engine instanceof PodmanApi) {
    const facts = await apiFacts(() => engine.info());
    if (typeof facts === 'string')
      return [
        fail('engine', `the podman API does not answer: ${facts}`, 'check `podman info`, or use XCROSS_RUNTIME=podman'),
      ];
    const where = remote
      ? ` on ${remote.destination} over ssh (${remote.from}; one ssh connection forwards its socket ${remote.remoteSocket})`
      : '';
    return [
      ok('engine', `podman ${facts.version} through its REST API${where}: ${engine.describe()}`),
      ...(await factChecks(engine, 'podman', facts, host, registry)),
    ];
  }
  const kind = engine.name as 'podman' | 'docker' | 'nerdctl';
  const binary = findOnPath(requested || kind, host.env.PATH) ?? kind;
  const facts = await podmanFacts(binary, host.env, kind);
  const refused = typeof facts === 'string' ? containerRefusal(facts) : undefined;
  if (refused) return [fail('engine', `${binary} is there but cannot work here: ${refused.message}`, refused.fix)];
  if (typeof facts === 'string')
    return [
      fail(
        'engine',
        `${binary} is there but not working: ${facts}`,
        `reinstall it (${INSTALL}) and run \`${kind} info\` to see its complaint`,
      ),
    ];
  return [
    ok('engine', `${kind} ${facts.version} at ${binary}`),
    ...(await factChecks(engine, kind, facts, host, registry)),
  ];
}

/** How each engine is moved off vfs (their settings differ). */
const VFS_FIX = {
  podman:
    'printf \'[storage]\\ndriver = "overlay"\\n\' > ~/.config/containers/storage.conf && podman system reset  (removes your images)',
  docker:
    'set "storage-driver": "overlay2" in the daemon\'s daemon.json and restart it (images stored with vfs are then out of sight)',
  nerdctl: 'use the overlayfs snapshotter: snapshotter = "overlayfs" in nerdctl.toml',
};

async function factChecks(
  engine: Runtime,
  kind: string,
  facts: EngineFacts,
  host: Host,
  registry: Registry,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  out.push(
    ok(
      'rootless',
      facts.rootless
        ? `rootless ${kind} (uid ${host.uid}): files in target/ belong to you`
        : host.uid === 0
          ? `rootful ${kind} (running as root)`
          : `rootful ${kind}: xcross passes --user ${host.uid}:${host.gid} so that files in target/ belong to you`,
    ),
  );
  out.push(
    facts.storageDriver === 'vfs'
      ? warn(
          'storage',
          `${kind} stores images with vfs, which copies every layer in full: image builds are slow and take gigabytes more`,
          VFS_FIX[kind as keyof typeof VFS_FIX] ?? VFS_FIX.podman,
        )
      : ok('storage', `${kind} stores images with ${facts.storageDriver}`),
  );
  out.push(await startCheck(engine, registry, facts.ociRuntime, facts.cgroupManager, facts.cgroupVersion));
  // A target whose image is not built yet is no fault: its first build makes it. One line says which.
  const here: string[] = [];
  const missing: string[] = [];
  for (const t of registry.targets) {
    const ref = targetImageRef(registry.base, t);
    if (await engine.imageExists(ref).catch(() => false)) {
      here.push(t.triple);
      out.push(ok(`image:${t.triple}`, `${ref} is here`));
    } else missing.push(t.triple);
  }
  if (missing.length > 0) {
    out.push(
      ok(
        'images',
        `${here.length ? `built here: ${here.length} target image(s); ` : ''}not built yet: ${missing.join(', ')} (the first build for a target makes its image, a few minutes)`,
      ),
    );
  }
  return out;
}

/** Starts a `true` container the way xcross does, and says what had to be adapted for it. */
async function startCheck(
  engine: Runtime,
  registry: Registry,
  runtime: string,
  manager: string,
  cgroups: string,
): Promise<CheckResult> {
  const candidates = [
    ...registry.targets.map((t) => targetImageRef(registry.base, t)),
    registry.base.registry,
    registry.base.offline,
  ];
  let image: string | undefined;
  for (const c of candidates)
    if (await engine.imageExists(c).catch(() => false)) {
      image = c;
      break;
    }
  const setup = `OCI runtime ${runtime}, cgroup manager ${manager}, cgroups ${cgroups}`;
  if (!image)
    return warn(
      'containers',
      `${setup}; no image is here yet to test starting a container with`,
      'xcross image build --target aarch64-unknown-linux-gnu',
    );
  try {
    if (!(engine instanceof CliEngine) && !(engine instanceof PodmanApi))
      return warn('containers', `${setup}; not tried with ${engine.name}`);
    const a = await engine.adapt(image, true);
    return a.notes.length === 0
      ? ok('containers', `${setup}; containers start with ${engine.name}'s defaults`)
      : ok('containers', `${setup}; containers start, with what xcross adapts by itself: ${a.notes.join('; ')}`);
  } catch (e) {
    if (e instanceof ServiceNeedsFlags && engine instanceof PodmanApi && engine.fallsBackToCli) {
      return warn('containers', `${setup}; ${e.message}: xcross runs containers with the podman CLI instead`, e.fix);
    }
    return fail(
      'containers',
      `${setup}; containers do not start: ${e instanceof Error ? e.message : String(e)}`,
      // What a container withholds from a podman inside it comes with its own fix (adaptation/refusals.ts).
      e instanceof ContainerRefused && e.fix
        ? e.fix
        : `run \`${engineCommand(engine)} run --rm ${image} true\` to see ${engineCommand(engine)}'s own words; on hybrid cgroups try --runtime runc --cgroup-manager cgroupfs`,
    );
  }
}
