// What differs between the engines xcross drives through a CLI (podman, docker, nerdctl): kept in
// one small object per engine, so the runtime itself has one code path.
import type { Captured } from '../process';
import { containerHost, socketOwner } from '../podman-service';
import { installCommand } from '../../src/base/host-os/install';

type Exec = (args: string[], timeoutMs?: number) => Promise<Captured>;
type Env = Readonly<Record<string, string | undefined>>;

export interface CliFlavor {
  readonly name: 'podman' | 'docker' | 'nerdctl';
  /** Whether containers run in a user namespace of the invoking user (container root = you). */
  rootless(exec: Exec, uid: number, env: Env): Promise<boolean>;
  /**
   * The service this CLI is a client of, when the environment makes it one (podman with
   * CONTAINER_HOST or CONTAINER_CONNECTION): its containers are that service's, and flags of the
   * service's own are not taken.
   */
  remote?(env: Env): string | undefined;
  /** Exit 0 when the image is here, 1 when it is not. */
  imageExistsArgs(ref: string): string[];
  /** Removes a container whatever its state, quietly when it is already gone. */
  removeContainerArgs(name: string): string[];
  /** Writes a docker-archive of the images to stdout (podman needs -m for more than one). */
  saveArgs(refs: string[]): string[];
  /** Whether `push SRC DEST` works; otherwise the image is tagged DEST, pushed, and untagged. */
  pushesToOtherName: boolean;
  /** The flag that names an ignore file for a build context, when the engine has one. */
  ignoreFileFlag?: string;
  /** The build flag for BuildRequest.layers false, when the engine has one (BuildKit has no such cache). */
  noLayersFlag?: string;
  /** Its complaint when a run names an image it does not have (with --pull=never). */
  imageUnknown: RegExp;
  /** Its (or its init's) complaint when the command is not in the image. */
  commandNotFound: RegExp;
  /** A hint when a build fails for a reason of the engine's own (nerdctl without BuildKit). */
  buildFailureHint?(output: string): string | undefined;
  /** What to type to install it (on this host's distribution). */
  readonly install: string;
}

const RUNC_NOT_FOUND = /executable file not found in \$PATH/;
const INIT_NOT_FOUND =
  /^ERROR \(catatonit:\d+\): failed to exec pid1: No such file or directory|^\[FATAL tini \(\d+\)\] exec .* failed: No such file or directory/;

export const podmanFlavor: CliFlavor = {
  name: 'podman',
  // Podman runs rootless exactly when its caller is not root; as a client of a service on a local
  // socket (CONTAINER_HOST), when that service is not root's, as the API runtime tells it.
  rootless: async (_exec, uid, env) => {
    const host = podmanFlavor.remote?.(env);
    const owner = host?.startsWith('unix://') ? socketOwner(host.slice('unix://'.length)) : undefined;
    return (owner ?? uid) !== 0;
  },
  // Either variable makes podman a remote client (podman(1), "Environment Variables").
  remote: (env) =>
    containerHost(env) ??
    (env.CONTAINER_CONNECTION?.trim() ? `connection ${env.CONTAINER_CONNECTION.trim()}` : undefined),
  imageExistsArgs: (ref) => ['image', 'exists', ref],
  saveArgs: (refs) => ['save', '--format', 'docker-archive', '--multi-image-archive', ...refs],
  pushesToOtherName: true,
  removeContainerArgs: (name) => ['rm', '--force', '--time', '0', '--ignore', name],
  ignoreFileFlag: '--ignorefile',
  noLayersFlag: '--layers=false',
  imageUnknown: /^Error: .*image not known\s*$/m,
  commandNotFound: new RegExp(`^Error: .*${RUNC_NOT_FOUND.source}|${INIT_NOT_FOUND.source}`),
  // A getter: /etc/os-release is read only when a fix needs it.
  get install() {
    return installCommand('podman');
  },
};

export const dockerFlavor: CliFlavor = {
  name: 'docker',
  // A rootless daemon says so in `docker info`; the user's uid says nothing about it.
  rootless: async (exec) => {
    const r = await exec(['info', '--format', '{{json .SecurityOptions}}'], 20_000);
    return r.code === 0 && /name=rootless/.test(r.stdout);
  },
  imageExistsArgs: (ref) => ['image', 'inspect', '--format', '{{.Id}}', ref],
  saveArgs: (refs) => ['save', ...refs],
  pushesToOtherName: false,
  removeContainerArgs: (name) => ['rm', '--force', name],
  imageUnknown: /No such image:/,
  commandNotFound: new RegExp(`${RUNC_NOT_FOUND.source}|${INIT_NOT_FOUND.source}`),
  get install() {
    return `install Docker (${installCommand('docker')}) and start its daemon, or use podman`;
  },
};

export const nerdctlFlavor: CliFlavor = {
  name: 'nerdctl',
  // Rootless nerdctl (rootlesskit) runs as the user; rootful nerdctl as root.
  rootless: async (_exec, uid) => uid !== 0,
  imageExistsArgs: (ref) => ['image', 'inspect', '--format', '{{.ID}}', ref],
  saveArgs: (refs) => ['save', ...refs],
  pushesToOtherName: false,
  removeContainerArgs: (name) => ['rm', '--force', name],
  imageUnknown: /no such image|image not found|not found: .*image/i,
  commandNotFound: new RegExp(`${RUNC_NOT_FOUND.source}|${INIT_NOT_FOUND.source}`),
  buildFailureHint: (out) =>
    /buildkit|buildctl/i.test(out)
      ? 'nerdctl builds through BuildKit: start buildkitd (containerd-rootless-setuptool.sh install-buildkit, or systemctl start buildkit)'
      : undefined,
  install: 'install nerdctl with containerd (and BuildKit for image builds), or use podman',
};
