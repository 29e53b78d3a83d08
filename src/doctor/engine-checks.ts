// Checks of the container engine: is it there and sane, how it stores images, whether containers
// start on this host (and what xcross adapts for that), which target images are present.
import type { Host } from '../host';
import type { Registry } from '../targets/registry';
import { targetImageRef } from '../images/tag';
import { PodmanCli } from '../../runtimes/podman-cli';
import { findOnPath } from '../../runtimes/which';
import type { Logger } from '../ui/log';
import { fail, ok, warn, type CheckResult } from './check';
import { podmanFacts } from './podman-info';

const INSTALL = 'sudo apt-get install podman uidmap (Debian, Ubuntu) or sudo dnf install podman (Fedora)';

export async function engineChecks(host: Host, registry: Registry, log: Logger): Promise<CheckResult[]> {
  const requested = host.env.XCROSS_RUNTIME || host.env.CROSS_CONTAINER_ENGINE;
  const name = requested ?? 'podman';
  const binary = findOnPath(name, host.env.PATH);
  if (!binary) {
    return [fail('engine', requested ? `the engine ${requested} (from ${host.env.XCROSS_RUNTIME ? 'XCROSS_RUNTIME' : 'CROSS_CONTAINER_ENGINE'}) does not exist or is not executable` : 'podman is not installed', INSTALL)];
  }
  const facts = await podmanFacts(binary, host.env);
  if (typeof facts === 'string') return [fail('engine', `${binary} is there but not working: ${facts}`, `reinstall it (${INSTALL}) and run \`podman info\` to see its complaint`)];
  const out: CheckResult[] = [ok('engine', `podman ${facts.version} at ${binary}`)];
  out.push(ok('rootless', facts.rootless ? `rootless podman (uid ${host.uid}): files in target/ belong to you` : 'rootful podman (running as root)'));
  out.push(facts.storageDriver === 'vfs'
    ? warn('storage', 'podman stores images with vfs, which copies every layer in full: image builds are slow and take gigabytes more', 'printf \'[storage]\\ndriver = "overlay"\\n\' > ~/.config/containers/storage.conf && podman system reset  (removes your images)')
    : ok('storage', `podman stores images with ${facts.storageDriver}`));
  out.push(await startCheck(host, registry, binary, facts.ociRuntime, facts.cgroupManager, facts.cgroupVersion, log));
  for (const t of registry.targets) {
    const ref = targetImageRef(registry.base, t);
    const r = await new PodmanCli({ binary, uid: host.uid, env: host.env, cacheDir: host.cacheDir, log }).imageExists(ref).catch(() => false);
    out.push(r ? ok(`image:${t.triple}`, `${ref} is here`)
      : warn(`image:${t.triple}`, `the ${t.triple} image is not built yet (the first build for it makes it, a few minutes)`, `xcross image build --target ${t.triple}`));
  }
  return out;
}

/** Starts a `true` container the way xcross does, and says what had to be adapted for it. */
async function startCheck(host: Host, registry: Registry, binary: string, runtime: string, manager: string, cgroups: string, log: Logger): Promise<CheckResult> {
  const podman = new PodmanCli({ binary, uid: host.uid, env: host.env, cacheDir: host.cacheDir, log });
  const candidates = [...registry.targets.map((t) => targetImageRef(registry.base, t)), registry.base.registry, registry.base.offline];
  let image: string | undefined;
  for (const c of candidates) if (await podman.imageExists(c).catch(() => false)) { image = c; break; }
  const setup = `OCI runtime ${runtime}, cgroup manager ${manager}, cgroups ${cgroups}`;
  if (!image) return warn('containers', `${setup}; no image is here yet to test starting a container with`, 'xcross image build --target aarch64-unknown-linux-gnu');
  try {
    const a = await podman.adapt(image, true);
    return a.notes.length === 0 ? ok('containers', `${setup}; containers start with podman's defaults`)
      : ok('containers', `${setup}; containers start, with what xcross adapts by itself: ${a.notes.join('; ')}`);
  } catch (e) {
    return fail('containers', `${setup}; containers do not start: ${e instanceof Error ? e.message : String(e)}`,
      `run \`podman run --rm ${image} true\` to see podman's own words; on hybrid cgroups try --runtime runc --cgroup-manager cgroupfs`);
  }
}
