// The host's rustup installation, read from its files (no rustup process on the hot path):
// which toolchain applies here, where it lives, which target stds it has.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Host } from '../host';
import { parseTomlText, isTable } from '../config/toml';
import { isDir, isFile } from '../workspace/manifest';

export interface HostToolchain {
  name: string;
  dir: string;
  /** Why this toolchain: "+nightly", "RUSTUP_TOOLCHAIN", "rust-toolchain.toml", "rustup default". */
  from: string;
}

export function rustupHome(host: Host): string {
  return host.env.RUSTUP_HOME || path.join(host.home, '.rustup');
}

export function cargoHome(host: Host): string {
  return host.env.CARGO_HOME || path.join(host.home, '.cargo');
}

/** The toolchain rustup would pick for `dir`, or undefined with the reason when there is none. */
export function findHostToolchain(
  host: Host,
  dir: string,
  explicit: string | undefined,
  hostTriple: string,
): HostToolchain | string {
  const home = rustupHome(host);
  if (!isDir(path.join(home, 'toolchains'))) return `no rustup toolchains in ${home}`;
  const chosen =
    explicit !== undefined
      ? { name: explicit, from: `+${explicit}` }
      : host.env.RUSTUP_TOOLCHAIN
        ? { name: host.env.RUSTUP_TOOLCHAIN, from: 'RUSTUP_TOOLCHAIN' }
        : (toolchainFile(dir) ?? defaultToolchain(home));
  if (!chosen) return 'rustup has no default toolchain';
  for (const candidate of [chosen.name, `${chosen.name}-${hostTriple}`]) {
    const tcDir = path.join(home, 'toolchains', candidate);
    if (isDir(path.join(tcDir, 'bin'))) return { name: candidate, dir: tcDir, from: chosen.from };
  }
  return `rustup toolchain '${chosen.name}' (from ${chosen.from}) is not installed`;
}

export function hasTargetStd(tc: HostToolchain, target: string): boolean {
  return isDir(path.join(tc.dir, 'lib', 'rustlib', target, 'lib'));
}

function toolchainFile(start: string): { name: string; from: string } | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    for (const name of ['rust-toolchain.toml', 'rust-toolchain']) {
      const file = path.join(dir, name);
      if (!isFile(file)) continue;
      const text = fs.readFileSync(file, 'utf8');
      // The legacy file may hold just a channel name; both forms may be TOML with [toolchain].
      const plain = text.trim();
      if (name === 'rust-toolchain' && /^[\w.-]+$/.test(plain)) return { name: plain, from: file };
      const t = parseTomlText(text, file);
      if (isTable(t.toolchain) && typeof t.toolchain.channel === 'string')
        return { name: t.toolchain.channel, from: file };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function defaultToolchain(home: string): { name: string; from: string } | undefined {
  const file = path.join(home, 'settings.toml');
  if (!isFile(file)) return undefined;
  const t = parseTomlText(fs.readFileSync(file, 'utf8'), file);
  return typeof t.default_toolchain === 'string' ? { name: t.default_toolchain, from: 'rustup default' } : undefined;
}
