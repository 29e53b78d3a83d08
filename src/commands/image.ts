// xcross image build|list|rm|prune.
import { XcrossError } from '../errors';
import type { Host } from '../host';
import { ensureTargetImage } from '../images/ensure';
import { findTarget, loadRegistry, type Registry, type TargetSpec } from '../targets/registry';
import { targetForFloor } from '../targets/floor-select';
import { glibcVersion, sameFloor, splitTargetFloor } from '../targets/glibc-floor';
import { createLogger, type Logger } from '../ui/log';
import { createRuntime } from '../../runtimes/detect';
import { listManaged, pruneManaged, removeManaged, renderImages } from './image-manage';

export interface ImageArgs {
  action: 'build' | 'list' | 'rm' | 'prune';
  images: string[];
  target?: string;
  /** --glibc X.Y (also spelt --target <triple>.X.Y). */
  glibc?: string;
  force: boolean;
  all: boolean;
  json: boolean;
  runtime?: string;
  verbose: number;
}

function imageTarget(registry: Registry, spelled: string, glibc: string | undefined, log: Logger): TargetSpec {
  const { triple, glibc: suffix } = splitTargetFloor(spelled);
  const flag = glibc === undefined ? undefined : glibcVersion(glibc, '--glibc');
  const version = suffix === undefined ? flag : sameFloor(flag, suffix, `--target ${spelled}`);
  return targetForFloor(registry, findTarget(registry, triple), version === undefined ? undefined : { version, from: 'the command line', explicit: true }, (w) => log.warn(w));
}

export async function imageCommand(a: ImageArgs, host: Host): Promise<number> {
  const log = createLogger(a.verbose);
  const registry = loadRegistry();
  if (a.action === 'build' && !a.target) throw new XcrossError('xcross image build needs --target', { fix: 'e.g. xcross image build --target aarch64-unknown-linux-gnu' });
  if (a.action === 'rm' && a.images.length === 0) throw new XcrossError('xcross image rm needs the images to remove', { fix: '`xcross image list` names them' });
  // Validate the target before looking for an engine: a typo should not need podman to be reported.
  const target = a.target ? imageTarget(registry, a.target, a.glibc, log) : undefined;
  const runtime = await createRuntime(a.runtime ?? (host.env.XCROSS_RUNTIME || host.env.CROSS_CONTAINER_ENGINE || undefined), {
    env: host.env, uid: host.uid, cacheDir: host.cacheDir, log,
  });
  switch (a.action) {
    case 'build': {
      const ref = await ensureTargetImage({ runtime, registry, target: target!, log, tty: host.stderrIsTTY, force: a.force });
      const labels = await runtime.imageLabels(ref);
      const pins = Object.entries(labels).filter(([k]) => k.startsWith('io.xcross.') && k !== 'io.xcross.managed');
      log.info(`${ref} is ready: ${pins.map(([k, v]) => `${k.slice('io.xcross.'.length)} ${v}`).join(', ')}`);
      process.stdout.write(`${ref}\n`);
      return 0;
    }
    case 'list':
      process.stdout.write(renderImages(await listManaged(runtime, registry), a.json));
      return 0;
    case 'rm':
      for (const r of await removeManaged(runtime, a.images)) log.info(`removed ${r}`);
      return 0;
    case 'prune': {
      const gone = await pruneManaged(runtime, registry, a.all);
      if (gone.length === 0) log.info('nothing to prune: every image xcross built is still in use');
      for (const g of gone) log.info(`removed ${g.name} (${g.kind}, ${g.sizeMB} MB)`);
      return 0;
    }
  }
}
