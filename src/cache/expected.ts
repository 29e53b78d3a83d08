// Every image this xcross's registry would build here, by local name, with the labels a copy from
// elsewhere (the cache, an archive) must carry to be used in its place.
import type { Registry, TargetSpec } from '../targets/registry';
import { everyImageTarget } from '../targets/floor-select';
import { baseImageRef, targetImageRef, toolchainImageRef } from '../images/tag';
import { targetLabels, toolchainLabels } from '../images/build-args';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { splitRef } from '../../runtimes/image-ref';
import { withInputs } from './verify';

export interface ExpectedImage {
  ref: string;
  kind: 'base' | 'rust' | 'toolchain';
  target?: TargetSpec;
  labels: Record<string, string>;
}

export function expectedImages(registry: Registry): Map<string, ExpectedImage> {
  const out = new Map<string, ExpectedImage>();
  const base = baseImageRef(registry.base);
  out.set(base, { ref: base, kind: 'base', labels: withInputs(base, { [MANAGED_LABEL]: 'true' }) });
  for (const tc of registry.toolchains) {
    const ref = toolchainImageRef(registry.base, tc);
    out.set(ref, { ref, kind: 'rust', labels: withInputs(ref, toolchainLabels(tc)) });
  }
  for (const t of everyImageTarget(registry)) {
    const ref = targetImageRef(registry.base, t);
    out.set(ref, { ref, kind: 'toolchain', target: t, labels: withInputs(ref, targetLabels(t)) });
  }
  return out;
}

/** The name without its tag. */
export function repoOf(ref: string): string {
  return splitRef(ref).repo;
}
