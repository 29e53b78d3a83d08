// Running a planned container: straight away, and only when the engine says the image is missing,
// make it and run again (so a warm run asks the engine nothing first).
import { XcrossError } from '../base/errors';
import type { ContainerSpec } from '../../runtimes/spec';
import { engineCommand, type RunResult } from '../../runtimes/runtime';
import type { Prepared } from './prepare';
import { placeMounts } from '../placement/place';

export async function runContainer(p: Prepared, planned: ContainerSpec): Promise<number> {
  // The one hook: the engine gets the mounts its way (direct, mapped or synced; src/placement/).
  const placed = await placeMounts(p, planned);
  const spec = placed.spec;
  let result: RunResult | undefined;
  try {
    result = await p.runtime.run(spec);
    if (result.imageMissing) {
      await p.ensureBase();
      result = await p.runtime.run(spec);
      if (result.imageMissing) {
        throw new XcrossError(`${spec.image} was built but ${p.runtime.name} still cannot find it`, {
          fix: `check \`${engineCommand(p.runtime)} images\` and your storage configuration`,
        });
      }
    }
  } finally {
    await placed.finish(result);
  }
  if (!result) throw new Error('internal: no run result');
  p.log.debug(`engine: ${p.runtime.describe()}`);
  if (result.interrupted) p.log.info(`interrupted (${result.interrupted}): the container was stopped and removed`);
  return result.code;
}
