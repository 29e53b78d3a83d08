// The labels of the images xcross builds: what each is, and its pins (verified at build, so facts).
import type { RustSpec, TargetSpec } from '../targets/registry';
import { targetPins } from '../targets/pins';
import { MANAGED_LABEL } from '../../runtimes/spec';

/** The label of an image that carries the compile cache's sccache (and xcross-compile-cache), with its version. */
export const SCCACHE_LABEL = 'io.xcross.toolchain-sccache';

export function rustLabels(rust: RustSpec): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    'io.xcross.toolchain': rust.name,
    'io.xcross.toolchain-rustc': rust.rustc,
    ...(rust.sccache ? { [SCCACHE_LABEL]: rust.sccache } : {}),
  };
}

/** The std layer of a target whose std is built in the image. */
export function stdLabels(t: TargetSpec): Record<string, string> {
  return { ...rustLabels(t.rust), 'io.xcross.std': t.triple };
}

export function targetLabels(t: TargetSpec): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    'io.xcross.target': t.triple,
    'io.xcross.libc-name': t.libc.kind,
    ...Object.fromEntries(targetPins(t).map((p) => [`io.xcross.${p.name}`, p.want])),
  };
}
