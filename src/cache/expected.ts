// Every image this xcross's registry would build here, by local name, with the labels a copy from
// elsewhere (the cache, an archive) must carry to be used in its place.
import type { Registry, TargetSpec } from '../targets/registry';
import { everyImageTarget } from '../targets/floor-select';
import { baseImageRef, rustImageRef, stdImageRef, targetImageRef } from '../images/tag';
import { rustLabels, stdLabels, targetLabels } from '../images/labels';
import { MANAGED_LABEL } from '../../runtimes/spec';
import { splitRef } from '../../runtimes/image-ref';
import { withInputs } from './verify';

export interface ExpectedImage {
  ref: string;
  kind: 'base' | 'rust' | 'std' | 'target';
  target?: TargetSpec;
  labels: Record<string, string>;
}

export function expectedImages(registry: Registry): Map<string, ExpectedImage> {
  const out = new Map<string, ExpectedImage>();
  const base = baseImageRef(registry.base);
  out.set(base, { ref: base, kind: 'base', labels: withInputs(base, { [MANAGED_LABEL]: 'true' }) });
  const rust = rustImageRef(registry.base, registry.rust);
  out.set(rust, { ref: rust, kind: 'rust', labels: withInputs(rust, rustLabels(registry.rust)) });
  for (const t of everyImageTarget(registry)) {
    const std = stdImageRef(registry.base, t);
    if (std) out.set(std, { ref: std, kind: 'std', target: t, labels: withInputs(std, stdLabels(t)) });
    const ref = targetImageRef(registry.base, t);
    out.set(ref, { ref, kind: 'target', target: t, labels: withInputs(ref, targetLabels(t)) });
  }
  return out;
}

/** The name without its tag. */
export function repoOf(ref: string): string {
  return splitRef(ref).repo;
}
