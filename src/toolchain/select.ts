// Which rustc builds: the host's rustup toolchain (mounted read-only, as cross does) when it has or
// can get the target's std, else the one the image carries (hermetic, offline).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { Host } from '../host';
import type { ToolchainSource } from '../cli/cargo-args';
import { imageHasStd, type TargetSpec } from '../targets/registry';
import type { Logger } from '../base/log';
import { findHostToolchain, hasTargetStd, cargoHome, type HostToolchain } from './rustup-home';
import { findOnPath } from '../../runtimes/which';
import { runCaptured } from '../../runtimes/process';

export type Toolchain =
  { source: 'host'; toolchain: HostToolchain; why: string } | { source: 'image'; rustc: string; why: string };

export interface ToolchainRequest {
  host: Host;
  target: TargetSpec;
  source: ToolchainSource;
  /** `+name` from the command line. */
  explicit?: string;
  workspaceRoot: string;
  hostTriple: string;
  log: Logger;
  /** Cross.toml's build-std asks for the std to be built: the image's rustc does that with no nightly. */
  buildStd?: boolean;
}

const MISS_TTL_MS = 60 * 60 * 1000;

export async function selectToolchain(req: ToolchainRequest): Promise<Toolchain> {
  const { host, target, log } = req;
  const imageChoice = (why: string): Toolchain => {
    if (!imageHasStd(target) && !req.buildStd) {
      const shell = `\`xcross shell --target ${target.triple}\` has its C toolchain and ${target.runner.kind === 'wine' ? 'wine' : 'qemu'} meanwhile`;
      if (!target.rustupStd) {
        throw new XcrossError(
          `cannot build Rust for ${target.triple}: rustup has no std for it (a tier 3 target), Debian ships none, and the host has no usable toolchain for it (${why})`,
          { fix: `use a nightly host toolchain with rust-src and build-std = true in Cross.toml; ${shell}` },
        );
      }
      throw new XcrossError(
        `cannot build Rust for ${target.triple}: Debian ships no Rust std for it, so its image has none, and the host has none either (${why}): run \`rustup target add ${target.triple}\` with network access, then build again`,
        { fix: `\`rustup target add ${target.triple}\` needs rustup on this machine (https://rustup.rs); ${shell}` },
      );
    }
    return { source: 'image', rustc: target.pins.rustc, why };
  };
  if (req.source === 'image') {
    if (req.explicit) throw new XcrossError(`+${req.explicit} names a host toolchain, but --toolchain-source is image`);
    return imageChoice('--toolchain-source image');
  }
  if (req.buildStd && req.source === 'auto' && !req.explicit)
    return imageChoice(
      "Cross.toml's build-std: the image builds the std from its own sources with its stable rustc (a host toolchain would need nightly and rust-src)",
    );
  const found = findHostToolchain(host, req.workspaceRoot, req.explicit, req.hostTriple);
  const refuse = (why: string): Toolchain => {
    if (req.source === 'host' || req.explicit) {
      throw new XcrossError(`cannot use the host toolchain for ${target.triple}: ${why}`, {
        fix:
          typeof found === 'string'
            ? "install one with rustup, or drop +toolchain / --toolchain-source host to use the image's rustc"
            : `run \`rustup target add ${target.triple} --toolchain ${found.name}\` when you have network access`,
      });
    }
    return imageChoice(why);
  };
  if (typeof found === 'string') return refuse(found);
  if (hasTargetStd(found, target.triple))
    return { source: 'host', toolchain: found, why: `host toolchain ${found.name} has the ${target.triple} std` };
  // CROSS_CUSTOM_TOOLCHAIN: a toolchain rustup did not install (linked, self-built): do not ask rustup.
  const custom = /^(1|true)$/i.test(host.env.CROSS_CUSTOM_TOOLCHAIN ?? '');
  const added = custom
    ? 'CROSS_CUSTOM_TOOLCHAIN says rustup must not change it'
    : await rustupTargetAdd(host, found, target.triple, log);
  if (added === true)
    return { source: 'host', toolchain: found, why: `rustup added the ${target.triple} std to ${found.name}` };
  return refuse(`host toolchain ${found.name} has no std for ${target.triple} and ${added}`);
}

/** true, or why not. A failure is remembered for an hour so offline hosts do not retry every build. */
async function rustupTargetAdd(host: Host, tc: HostToolchain, triple: string, log: Logger): Promise<true | string> {
  const rustup = findOnPath('rustup', host.env.PATH) ?? existing(path.join(cargoHome(host), 'bin', 'rustup'));
  if (!rustup) return 'rustup is not on PATH to add it';
  const missFile = path.join(host.cacheDir, 'rustup-misses.json');
  const key = `${tc.name}|${triple}`;
  const misses = readJson(missFile);
  const last = misses[key];
  if (typeof last === 'number' && Date.now() - last < MISS_TTL_MS)
    return `rustup could not add it within the last hour`;
  log.info(`adding the ${triple} std to ${tc.name} with rustup ...`);
  const r = await runCaptured(rustup, ['target', 'add', '--toolchain', tc.name, triple], {
    timeoutMs: 300_000,
    env: host.env,
  });
  if (r.code === 0) return true;
  misses[key] = Date.now();
  fs.mkdirSync(host.cacheDir, { recursive: true });
  fs.writeFileSync(missFile, JSON.stringify(misses));
  // rustup's own `error:` line; with RUST_BACKTRACE set, the last line is a backtrace frame instead.
  const lines = r.stderr
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const reason = lines.filter((l) => /^error:/i.test(l)).pop() ?? lines.pop() ?? `exit code ${r.code}`;
  log.debug(`rustup target add failed: ${r.stderr.trim()}`);
  return `rustup could not add it (${reason})`;
}

function existing(p: string): string | undefined {
  return fs.existsSync(p) ? p : undefined;
}

function readJson(file: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
