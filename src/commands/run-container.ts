// Running a planned container: straight away, and only when the engine says the image is missing,
// make it and run again (so a warm run asks the engine nothing first).
import { XcrossError } from '../base/errors';
import type { ContainerSpec } from '../../runtimes/spec';
import { engineCommand } from '../../runtimes/runtime';
import type { Prepared } from './prepare';
import { placeMounts } from '../placement/placement';
import { mountRoles } from '../placement/roles';

export async function runContainer(p: Prepared, planned: ContainerSpec): Promise<number> {
  // The one hook: mounts placed for the engine at hand (src/placement/placement.ts chooses how).
  const spec = await placeMounts({ runtime: p.runtime, env: p.host.env, log: p.log, role: mountRoles(p) }, planned);
  let result = await p.runtime.run(spec);
  if (result.imageMissing) {
    await p.ensureBase();
    result = await p.runtime.run(spec);
    if (result.imageMissing) {
      throw new XcrossError(`${spec.image} was built but ${p.runtime.name} still cannot find it`, {
        fix: `check \`${engineCommand(p.runtime)} images\` and your storage configuration`,
      });
    }
  }
  p.log.debug(`engine: ${p.runtime.describe()}`);
  if (result.interrupted) p.log.info(`interrupted (${result.interrupted}): the container was stopped and removed`);
  return result.code;
}
