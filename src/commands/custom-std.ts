// Cross.toml's build-std with the image's rustc: a std for the target built from the std sources the
// image carries (no network, no nightly), with the user's RUSTFLAGS, once per target directory and
// set of inputs, in <target-dir>/xcross-std/; cargo's container then finds it where rustc looks
// (its sysroot's lib/rustlib/<triple>/lib, mounted over). cross instead needs a nightly toolchain and
// rust-src, and cargo's -Zbuild-std rebuilds the std in every project; a host toolchain still gets
// -Zbuild-std, as there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import { createHash } from '../base/hash';
import { DEFAULT_STD_CRATES } from '../targets/parse-registry';
import { envVarTriple } from '../config/cross-env';
import type { Mount } from '../../runtimes/spec';
import { planCargo } from '../plan/cargo-spec';
import { planBase, type Prepared } from './prepare';
import { runContainer } from './run-container';

/** The build-std.sh the Rust layer of every xcross image carries. */
const BUILD_STD = '/usr/local/lib/xcross/steps/build-std.sh';
/** The variables that change what the std compiles to (cargo's own precedence decides among them). */
const FLAG_VARS = (triple: string) => [
  'CARGO_ENCODED_RUSTFLAGS',
  'RUSTFLAGS',
  `CARGO_TARGET_${envVarTriple(triple)}_RUSTFLAGS`,
  'CARGO_BUILD_RUSTFLAGS',
];

/** Where the std for these inputs lives under the target dir. Pure. */
export function customStdDir(
  p: Pick<Prepared, 'targetDir' | 'image' | 'target' | 'applied' | 'host'>,
  crates: string[],
): string {
  const flags = FLAG_VARS(p.target.triple).map((k) => `${k}=${p.host.env[k] ?? ''}`);
  const key = createHash('sha256')
    .update(JSON.stringify([p.image, p.target.triple, crates, flags, p.applied.env.RUSTFLAGS ?? '']))
    .digest('hex')
    .slice(0, 12);
  return path.join(p.targetDir, 'xcross-std', `${p.target.triple}-${key}`);
}

/**
 * The mount that gives cargo's container the std Cross.toml asks for, building it first when this
 * target dir has none for these inputs; undefined when there is nothing to do (no build-std, or a host
 * toolchain, which gets -Zbuild-std instead).
 */
export async function customStdMount(p: Prepared): Promise<Mount | undefined> {
  if (p.applied.buildStd === undefined || p.toolchain.source === 'host') return undefined;
  const crates = p.applied.buildStd.length ? p.applied.buildStd : DEFAULT_STD_CRATES;
  const dir = customStdDir(p, crates);
  const sysrootFile = path.join(dir, 'sysroot');
  if (!fs.existsSync(sysrootFile)) {
    p.log.info(
      `building the Rust std for ${p.target.triple} (${crates.join(', ')}) from the image's sources, as Cross.toml's build-std asks: once for this target directory and these flags`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const spec = planCargo({ ...planBase(p, 'std', {}), cargoArgs: [], interactive: false });
    const code = await runContainer(p, { ...spec, command: ['sh', BUILD_STD, p.target.triple, crates.join(','), dir] });
    if (code !== 0 || !fs.existsSync(sysrootFile)) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new XcrossError(
        code === 127
          ? `the image ${p.image} has no ${BUILD_STD}, so it cannot build a std for build-std`
          : `building the Rust std for ${p.target.triple} that Cross.toml's build-std asks for failed (exit code ${code}; cargo's output is above)`,
        {
          fix:
            code === 127
              ? 'base your image on $CROSS_BASE_IMAGE (xcross passes it to your Containerfile), or drop build-std'
              : 'check the crates build-std names and your RUSTFLAGS; drop build-std to use the std the image has',
        },
      );
    }
  } else p.log.debug(`build-std: the std built earlier in ${dir}`);
  const sysroot = fs.readFileSync(sysrootFile, 'utf8').trim();
  return { source: path.join(dir, 'lib'), target: `${sysroot}/lib/rustlib/${p.target.triple}/lib`, readOnly: true };
}

/** cargo's own -Zbuild-std for a host toolchain (it needs nightly there), right after the subcommand. */
export function hostBuildStdFlags(p: Pick<Prepared, 'applied' | 'toolchain'>): string[] {
  const crates = p.applied.buildStd;
  if (crates === undefined || p.toolchain.source !== 'host') return [];
  return [crates.length ? `-Zbuild-std=${crates.join(',')}` : '-Zbuild-std'];
}
