// The full-disk sentence of an image build: where the engine's image storage is and how much it
// has, asked of the engine once the build failed (a remote service's disk is not ours to statfs).
import { XcrossError } from '../base/errors';
import type { Runtime } from '../../runtimes/runtime';
import type { StorageFullError } from '../../runtimes/build-faults';

export async function storageFullError(runtime: Runtime, e: StorageFullError): Promise<XcrossError> {
  const usage = await runtime.storageUsage?.().catch(() => undefined);
  if (!usage) return e;
  const free = Math.max(0, usage.size - usage.used);
  return new XcrossError(`building ${e.tag} needs more space than the image storage at ${usage.path} has (${size(free)} free of ${size(usage.size)}): the build stopped at "${e.line}"`, {
    fix: `free space there (\`xcross image prune\` removes xcross's unused images, \`${runtime.name === 'podman-api' ? 'podman' : runtime.name} system prune\` the engine's leftovers) or move the storage to a bigger disk (graphroot in storage.conf), then run xcross again: nothing half-built was tagged`,
    cause: e,
  });
}

/** In df -h's units, so that the figures match what the user checks next. */
function size(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
