// xcross image build: make a target's toolchain image here.
import type { Host } from '../host';
import { ensureTargetImage } from '../images/ensure';
import { findTarget, loadRegistry } from '../targets/registry';
import { createLogger } from '../ui/log';
import { createRuntime } from '../../runtimes/detect';

export interface ImageBuildArgs {
  target: string;
  force: boolean;
  runtime?: string;
  verbose: number;
}

export async function imageBuild(a: ImageBuildArgs, host: Host): Promise<number> {
  const log = createLogger(a.verbose);
  const registry = loadRegistry();
  const target = findTarget(registry, a.target);
  const runtime = createRuntime(a.runtime ?? (host.env.XCROSS_RUNTIME || host.env.CROSS_CONTAINER_ENGINE || undefined), {
    env: host.env, uid: host.uid, cacheDir: host.cacheDir, log,
  });
  const ref = await ensureTargetImage({ runtime, registry, target, log, tty: host.stderrIsTTY, force: a.force });
  const labels = await runtime.imageLabels(ref);
  const pins = Object.entries(labels).filter(([k]) => k.startsWith('io.xcross.') && k !== 'io.xcross.managed');
  log.info(`${ref} is ready: ${pins.map(([k, v]) => `${k.slice('io.xcross.'.length)} ${v}`).join(', ')}`);
  process.stdout.write(`${ref}\n`);
  return 0;
}
