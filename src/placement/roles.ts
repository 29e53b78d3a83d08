// What each folder a container mounts is for the user, so that a placement's message can say "the
// cargo home /root/.cargo" rather than a bare path.
import { isInside } from '../base/paths';
import type { Prepared } from '../commands/prepare';

export function mountRoles(
  p: Pick<Prepared, 'workspace' | 'targetDir' | 'cargoHome' | 'toolchain'>,
): (source: string) => string {
  return (source) => {
    if (source === p.targetDir) return 'the target directory';
    if (source === p.cargoHome) return 'the cargo home';
    if (p.toolchain.source === 'host' && source === p.toolchain.toolchain.dir) return 'the host toolchain';
    if (source === p.workspace.root) return 'the workspace';
    if (p.workspace.externalPaths.includes(source)) return 'the path dependency';
    if (isInside(source, p.workspace.root)) return 'the folder';
    return 'the volume';
  };
}
