// Checks of the host itself: subordinate ids for rootless podman, binfmt_misc, rustup.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Host } from '../host';
import { imageHasStd, runsNatively, type TargetSpec } from '../targets/registry';
import { findHostToolchain, hasTargetStd } from '../toolchain/rustup-home';
import { findOnPath } from '../../runtimes/which';
import { knownRefusal } from '../../runtimes/podman-api/refusal';
import { socketCandidates } from '../../runtimes/podman-api/socket';
import { socketOwner } from '../../runtimes/podman-service';
import { isXcrossError } from '../base/errors';
import { fail, ok, warn, type CheckResult } from './check';
import { installCommand } from '../base/host-os/install';
import { hostOsRelease } from '../base/host-os/os-release';

/**
 * /etc/subuid and /etc/subgid ranges of at least 65536 ids (in a container: all the ids its user
 * namespace has but root's and the user's own), and newuidmap/newgidmap that can map them.
 */
export function subidChecks(
  host: Host,
  user: string,
  files: { subuid: string; subgid: string; uidMap?: string } = {
    subuid: '/etc/subuid',
    subgid: '/etc/subgid',
    uidMap: '/proc/self/uid_map',
  },
  os = hostOsRelease(),
): CheckResult[] {
  if (host.uid === 0) return [ok('subids', 'running as root: rootful podman needs no subordinate ids')];
  const out: CheckResult[] = [];
  // A user namespace (a rootless container) has fewer ids than the 65536 a host user is given: there,
  // ids up to 65534 (nobody) mapped is enough, and more than it has but root's and the user's own cannot be.
  const inNamespace = idsInNamespace(files.uidMap ? readText(files.uidMap) : '');
  const wanted = inNamespace !== undefined ? Math.min(65534, inNamespace - 2) : 65536;
  const within = inNamespace !== undefined ? ` (this container's user namespace has ${inNamespace} ids)` : '';
  for (const kind of ['subuid', 'subgid'] as const) {
    const file = files[kind];
    const count = rangeFor(file, user, host.uid);
    if (count >= wanted)
      out.push(
        ok(kind, `${user} has ${count} subordinate ${kind === 'subuid' ? 'user' : 'group'} ids in ${file}${within}`),
      );
    else if (count > 0)
      out.push(
        warn(
          kind,
          `${user} has only ${count} ids in ${file}${within}; images with files owned by high ids may fail to unpack`,
          inNamespace !== undefined
            ? `give ${user} every id of this container but 0 and its own in ${file} (for uid 1000 in 65536 ids: ${user}:1:999 and ${user}:1001:64535), then podman system migrate`
            : `sudo usermod --add-${kind}s 200000-265535 ${user}`,
        ),
      );
    else
      out.push(
        fail(
          kind,
          `${user} has no range in ${file}${within}, so rootless podman cannot map container users`,
          inNamespace !== undefined
            ? `give ${user} every id of this container but 0 and its own in ${file} (for uid 1000 in 65536 ids: ${user}:1:999 and ${user}:1001:64535), then podman system migrate`
            : `sudo usermod --add-${kind}s 200000-265535 ${user} && podman system migrate`,
        ),
      );
  }
  for (const tool of ['newuidmap', 'newgidmap']) {
    const bin =
      findOnPath(tool, host.env.PATH ?? '/usr/bin:/bin') ??
      (fs.existsSync(`/usr/bin/${tool}`) ? `/usr/bin/${tool}` : undefined);
    if (!bin)
      out.push(
        fail(
          tool,
          `${tool} is missing: rootless podman needs it to set up user namespaces`,
          installCommand('uidmap', os),
        ),
      );
    else if ((fs.statSync(bin).mode & 0o4000) === 0 && !hasFileCaps(bin, tool, host.env.PATH))
      out.push(
        fail(tool, `${bin} is neither setuid nor given capabilities, so it cannot map ids`, `sudo chmod u+s ${bin}`),
      );
    else out.push(ok(tool, `${bin} is there`));
  }
  return out;
}

function rangeFor(file: string, user: string, uid: number): number {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  let total = 0;
  for (const line of text.split('\n')) {
    const [who, , count] = line.split(':');
    if (who === user || who === String(uid)) total += Number(count) || 0;
  }
  return total;
}

function hasFileCaps(bin: string, tool: string, PATH = '/usr/sbin:/usr/bin:/sbin:/bin'): boolean {
  // Fedora (and images/job) give newuidmap file capabilities instead of setuid. They live in an xattr
  // Node cannot read: getcap reads it where it is installed; without it, a non-setuid binary that
  // exists is given the benefit of the doubt on Fedora.
  const getcap = findOnPath('getcap', `${PATH}:/usr/sbin:/sbin`);
  if (getcap) {
    const r = spawnSync(getcap, [bin], { encoding: 'utf8', timeout: 5_000 });
    return new RegExp(tool === 'newuidmap' ? 'cap_setuid' : 'cap_setgid').test(r.stdout ?? '');
  }
  return fs.existsSync('/etc/fedora-release') && fs.existsSync(bin);
}

/** The ids a user namespace maps (the sum of /proc/self/uid_map's counts), or undefined outside one. */
export function idsInNamespace(uidMap: string): number | undefined {
  let total = 0;
  for (const line of uidMap.split('\n')) {
    const count = Number(line.trim().split(/\s+/)[2]);
    if (Number.isFinite(count)) total += count;
  }
  return total > 0 && total < 4294967295 ? total : undefined;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** binfmt_misc: not needed by xcross (its runner calls qemu), but by programs that exec foreign binaries. */
export function binfmtCheck(
  targets: TargetSpec[],
  cpu: string,
  dir = '/proc/sys/fs/binfmt_misc',
  os = hostOsRelease(),
): CheckResult {
  // One entry per emulated CPU (armv7 and armv5te share qemu-arm); wine targets need none.
  const byArch = new Map(
    targets.filter((t) => t.runner.kind === 'qemu-user' && !runsNatively(t, cpu)).map((t) => [t.cpu.name, t]),
  );
  const foreign = [...byArch.values()];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {}
  const registered = foreign.filter((t) => entries.some((e) => e === `qemu-${t.cpu.name}`));
  if (registered.length === foreign.length)
    return ok('binfmt', `binfmt_misc runs ${foreign.map((t) => t.cpu.name).join(', ')} binaries through qemu`);
  const missing = foreign.filter((t) => !registered.includes(t)).map((t) => t.cpu.name);
  return warn(
    'binfmt',
    `binfmt_misc has no qemu entry for ${missing.join(', ')}: xcross does not need it, but a test that starts another foreign binary itself will fail with "Exec format error"`,
    `${installCommand('binfmt', os, missing)}, then check ls /proc/sys/fs/binfmt_misc`,
  );
}

export function rustupCheck(host: Host, hostTriple: string, targets: TargetSpec[]): CheckResult {
  const tc = findHostToolchain(host, host.cwd, undefined, hostTriple);
  if (typeof tc === 'string')
    return ok('rustup', `no host toolchain (${tc}): builds use the rustc in the images, which works offline`);
  const have = targets.filter((t) => hasTargetStd(tc, t.triple)).map((t) => t.triple);
  const missing = targets.filter((t) => imageHasStd(t) && !have.includes(t.triple)).map((t) => t.triple);
  const msg = `host toolchain ${tc.name} (${tc.from}) has the std for ${have.join(', ') || "none of xcross's targets"}`;
  return missing.length === 0
    ? ok('rustup', msg)
    : ok('rustup', `${msg}; for ${missing.join(', ')} builds use the image's rustc unless you run rustup target add`);
}

export function userName(host: Pick<Host, 'env' | 'uid'>): string {
  try {
    return os.userInfo().username;
  } catch {
    return host.env.USER ?? String(host.uid);
  }
}

export function apiSocketCheck(host: Host): CheckResult {
  const named = host.env.CONTAINER_HOST?.trim();
  if (named?.startsWith('ssh://'))
    return ok(
      'api-socket',
      `CONTAINER_HOST names a podman service over ssh (${named}): xcross reaches it through one ssh connection`,
    );
  // The same places, in the same order, as the podman-api runtime looks.
  let candidates: string[];
  try {
    candidates = socketCandidates(host.env, host.uid).map((c) => c.path);
  } catch (e) {
    return warn(
      'api-socket',
      e instanceof Error ? e.message : String(e),
      isXcrossError(e) ? (e.fix ?? 'unset CONTAINER_HOST') : 'unset CONTAINER_HOST',
    );
  }
  const found = candidates.find((c) => {
    try {
      return fs.statSync(c).isSocket();
    } catch {
      return false;
    }
  });
  const owner = found ? socketOwner(found) : undefined;
  if (found && owner !== host.uid && host.uid !== 0) {
    return warn(
      'api-socket',
      `the podman API socket ${found} belongs to uid ${owner}, not to you (uid ${host.uid}): talking to it would drive someone else's podman`,
      `start your own: podman system service --time=0 unix://$XDG_RUNTIME_DIR/podman/podman.sock, or unset CONTAINER_HOST`,
    );
  }
  const refused = found ? knownRefusal(host.cacheDir, host.uid, found) : undefined;
  if (found && refused) {
    return warn(
      'api-socket',
      `${refused}: xcross passes over it and uses the podman CLI until that service is started again`,
      `restart it with the flags it needs (e.g. \`systemctl --user edit podman.service\`), or leave it: the CLI serves`,
    );
  }
  return found
    ? ok('api-socket', `a podman API socket is at ${found}`)
    : ok(
        'api-socket',
        `no podman API socket is listening (looked at ${candidates.join(', ')}); the podman CLI runtime does not need one, and --runtime podman-api starts its own`,
      );
}
