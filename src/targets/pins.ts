// A target image's pinned versions as a list: the image's io.xcross.* labels, the e2e tests' label
// checks and the build's verification (src/images/pin-checks.ts adds how each is read) all come from it.
import { imageHasStd, type TargetSpec } from './registry';

export type PinName =
  'gcc' | 'libc' | 'openssl' | 'qemu' | 'rustc' | 'wine' | 'unwinder' | 'lld' | 'glibcxx' | 'cxxabi';

export interface Pin {
  name: PinName;
  /** An upstream version, or "none": the thing must be absent. */
  want: string;
}

export function targetPins(t: TargetSpec): Pin[] {
  const pins: Pin[] = [
    { name: 'gcc', want: t.pins.gcc },
    { name: 'libc', want: t.pins.libc },
    { name: 'openssl', want: t.pins.openssl },
    { name: 'qemu', want: t.pins.qemu },
    // The image's rustc, when it can build for the target; "none" when the std must come from rustup.
    { name: 'rustc', want: imageHasStd(t) ? t.pins.rustc : 'none' },
  ];
  if (t.pins.wine) pins.push({ name: 'wine', want: t.pins.wine });
  if (t.pins.unwinder) pins.push({ name: 'unwinder', want: t.pins.unwinder });
  if (t.pins.lld) pins.push({ name: 'lld', want: t.pins.lld });
  if (t.glibc) pins.push({ name: 'glibcxx', want: t.glibc.glibcxx }, { name: 'cxxabi', want: t.glibc.cxxabi });
  return pins;
}
