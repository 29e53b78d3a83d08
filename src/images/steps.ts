// An image layer as an ordered list of typed steps, each carried out by one small script of
// images/steps/ (or a base image tool), and rendered into the Containerfile podman builds: one RUN a
// step, so that podman's step cache keeps the earlier steps when a later one changes. The rendered
// text is the layer's whole recipe: its tag hashes that text and the scripts it names, nothing else.
import type { PinCheck } from './pin-checks';

/** Where xcross's build scripts are inside the images (copied from images/steps/). */
export const STEPS_DIR = '/usr/local/lib/xcross/steps';

export type Step =
  /** Debian packages installed (apt-get), with dpkg architectures added first and paths left out while it runs. */
  | { kind: 'apt'; addArchs: string[]; packages: string[]; exclude: string[] }
  /** .debs downloaded from a suite and unpacked, not installed (xcross-deb-unpack, in the base). */
  | { kind: 'unpack'; suite: string; releaseOnly: boolean; arch: string; packages: string[]; into: UnpackInto }
  /** Commands made in /usr/local/bin: a wrapper running another command, or one that refuses. */
  | { kind: 'tools'; tools: Tool[] }
  /** Shared libraries the dynamic loader also finds (a floor's OpenSSL, for programs run natively). */
  | { kind: 'runtime-libs'; globs: string[] }
  /** OpenSSL built from Debian's source package with the target's compiler, installed under prefix. */
  | { kind: 'build-openssl'; version: string; configure: string; crossPrefix: string; prefix: string }
  /** A Rust std compiled from the toolchain's vendored sources into its sysroot (the std layer). */
  | { kind: 'build-std'; triple: string; crates: string[] }
  /**
   * Rust's self-contained link for a musl target: musl's start files and libc.a (from libDir), gcc's
   * crtbegin/crtend (gcc: the linker) and libunwind.a (unwind: "libgcc" or where LLVM's was unpacked;
   * cc compiles what it lacks from glibc) in lib/rustlib/<triple>/lib/self-contained.
   */
  | { kind: 'self-contained'; triple: string; libDir: string; gcc: string; unwind: string; cc: string }
  /** rsbegin.o and rsend.o for a windows-gnu target whose programs link them (i686), from the std's sources. */
  | { kind: 'rtstartup'; triple: string }
  /** The wine prefix programs run in (wineboot at build, not at every first run). */
  | { kind: 'wine-prefix'; dir: string; bits: 32 | 64 }
  /** A static "return 0" for a target another CPU's kernel may run: xcross-runner asks it. */
  | { kind: 'native-probe'; cc: string }
  /** Every pin read from what was installed; the build fails on a mismatch. */
  | { kind: 'verify-pins'; pins: PinCheck[] }
  /** C (and Rust, where the image has the std) compiled and run the way cargo will. */
  | { kind: 'smoke-test'; triple: string; openssl: boolean; rust: boolean }
  /** Bare metal: C against newlib, and a no_std Rust program run on the board (semihosting). */
  | { kind: 'smoke-bare-metal'; triple: string };

export type UnpackInto =
  /** Libraries into a cross compiler's root (/usr/<gnu>), with Debian's multiarch directory name. */
  | { kind: 'sysroot'; dir: string; multiarch: string }
  /** The packages' files as they are, under dir. */
  | { kind: 'root'; dir: string }
  /** A Rust std's usr/lib/rustlib/<triple> into the compiler's lib/rustlib. */
  | { kind: 'rustlib' };

export type Tool = { name: string; exec: string } | { name: string; refuse: string };

export interface LayerRecipe {
  /** A comment line saying what the layer is. */
  title: string;
  from: string;
  steps: Step[];
  /** Set between the last install step and the smoke test, in this order. */
  env?: Record<string, string>;
}

/**
 * The script of images/steps/ a layer copies in for a step; undefined for the tools the layers below
 * already have (xcross-deb-unpack in the base; build-std.sh in the Rust layer, whose tag hashes them).
 */
export function scriptOf(step: Step): string | undefined {
  return step.kind === 'unpack' || step.kind === 'build-std' ? undefined : `${step.kind}.sh`;
}

/** The Containerfile of a layer. Pure: its text is what the layer's tag hashes. */
/**
 * Steps that shrink what the step before them installed (wine-prefix strips wine's DLLs, 640 MB to
 * 210 MB): in a layer of their own the originals would stay in the layer below, so they share its RUN.
 */
const AMENDS_PREVIOUS = new Set<Step['kind']>(['wine-prefix']);

/** The last step of a target layer, which runs with the layer's environment set. */
const SMOKE = new Set<Step['kind']>(['smoke-test', 'smoke-bare-metal']);

export function renderContainerfile(r: LayerRecipe): string {
  const scripts = [...new Set(r.steps.map(scriptOf).filter((s): s is string => s !== undefined))];
  const lines = [
    `# ${r.title}`,
    '# Made by xcross from images/targets.toml (src/images/target-plan.ts); each RUN is one step of images/steps/.',
    `FROM ${r.from}`,
  ];
  if (scripts.length) lines.push(`COPY ${scripts.map((s) => `steps/${s}`).join(' ')} ${STEPS_DIR}/`);
  for (const step of r.steps) {
    if (SMOKE.has(step.kind) && r.env && Object.keys(r.env).length) lines.push(renderEnv(r.env));
    const command = shellWords(commandOf(step));
    if (AMENDS_PREVIOUS.has(step.kind) && lines[lines.length - 1].startsWith('RUN '))
      lines[lines.length - 1] += ` \\\n    && ${command}`;
    else lines.push(`RUN ${command}`);
  }
  if (!r.steps.some((s) => SMOKE.has(s.kind)) && r.env && Object.keys(r.env).length) lines.push(renderEnv(r.env));
  return lines.join('\n') + '\n';
}

/** The command line that carries out a step, as words. */
export function commandOf(step: Step): string[] {
  const script = (...args: string[]) => ['sh', `${STEPS_DIR}/${step.kind}.sh`, ...args];
  switch (step.kind) {
    case 'apt':
      return script(
        ...step.addArchs.flatMap((a) => ['--add-arch', a]),
        ...step.exclude.flatMap((p) => ['--exclude', p]),
        ...step.packages,
      );
    case 'unpack': {
      const into =
        step.into.kind === 'sysroot'
          ? ['--sysroot', step.into.dir, '--multiarch', step.into.multiarch]
          : step.into.kind === 'root'
            ? ['--root', step.into.dir]
            : ['--rustlib', 'auto'];
      return [
        'xcross-deb-unpack',
        '--suite',
        step.suite,
        ...(step.releaseOnly ? ['--release-only'] : []),
        '--arch',
        step.arch,
        ...into,
        ...step.packages,
      ];
    }
    case 'tools':
      return script(...step.tools.flatMap((t) => ('exec' in t ? ['--exec', t.name, t.exec] : ['--refuse', t.name, t.refuse])));
    case 'runtime-libs':
      return script(...step.globs);
    case 'build-openssl':
      return script(
        '--version',
        step.version,
        '--configure',
        step.configure,
        '--cross-prefix',
        step.crossPrefix,
        '--prefix',
        step.prefix,
      );
    case 'build-std':
      return script(step.triple, step.crates.join(','));
    case 'rtstartup':
      return script(step.triple);
    case 'self-contained':
      return script(step.triple, step.libDir, step.gcc, step.unwind, step.cc);
    case 'wine-prefix':
      return script(step.dir, String(step.bits));
    case 'native-probe':
      return script(step.cc);
    case 'verify-pins':
      return script(...step.pins.flatMap((p) => p.reads.flatMap((r) => ['--pin', p.name, p.want, r.kind, r.arg])));
    case 'smoke-test':
      return script(step.triple, ...(step.openssl ? ['--openssl'] : []), ...(step.rust ? ['--rust'] : []));
    case 'smoke-bare-metal':
      return script(step.triple);
  }
}

function renderEnv(env: Record<string, string>): string {
  return `ENV ${Object.entries(env)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' \\\n    ')}`;
}

/** Words as one sh command line: plain words as they are, others single-quoted. */
export function shellWords(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
