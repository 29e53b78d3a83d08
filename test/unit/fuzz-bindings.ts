// The fuzzer's one binding to the parsers (fuzz.test.ts knows nothing else of src/): when the
// readers move or merge, only these imports change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCargoInvocation } from '../../src/cli/cargo-args';
import { loadCrossConfig, optionsFor } from '../../src/config/cross-config';
import { parseCrossTable } from '../../src/config/cross-parse';
import { parseTomlText } from '../../src/config/toml';
import { resolveConfig } from '../../src/config/resolve';
import { applyTargetOptions } from '../../src/plan/target-options';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { targetForFloor } from '../../src/targets/floor-select';
import { isXcrossError } from '../../src/base/errors';
import { main } from '../../src/app';

export { isXcrossError, parseCargoInvocation };

/**
 * The whole program, in-process, for a command line that parseCargoInvocation already refused (so it
 * stops before any engine): its exit code and what it wrote to stderr.
 */
export async function mainOnRefused(argv: string[]): Promise<{ code: number; stderr: string }> {
  assertRefused(argv);
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.stderr.write = write;
  }
}

function assertRefused(argv: string[]): void {
  try {
    parseCargoInvocation(argv);
  } catch {
    return;
  }
  throw new Error(`not refused by the parser, so main would go on to an engine: ${JSON.stringify(argv)}`);
}

const registry = loadRegistry();
export const TRIPLES = registry.targets.map((t) => t.triple);

/** Cross.toml's text alone: TOML syntax, then the cross table. */
export function parseCrossToml(text: string, warn: (w: string) => void): unknown {
  return parseCrossTable(parseTomlText(text, 'Cross.toml'), {
    file: 'Cross.toml',
    text,
    base: [],
    knownTargets: TRIPLES,
    warn,
  });
}

export interface Inputs {
  argv: string[];
  env: Record<string, string>;
  cargoToml?: string;
  crossToml?: string;
}

/**
 * What `xcross build` does before it asks for a toolchain or an engine (commands/prepare.ts): the
 * command line, Cargo.toml metadata, Cross.toml, the variables, the target and its options. Returns
 * the options a container would get; throws what the user would see.
 */
export function configPipeline(dir: string, i: Inputs, warn: (w: string) => void): unknown {
  const manifest = path.join(dir, 'Cargo.toml');
  fs.writeFileSync(manifest, i.cargoToml ?? '[package]\nname = "p"\nversion = "0.1.0"\n');
  fs.rmSync(path.join(dir, 'Cross.toml'), { force: true });
  if (i.crossToml !== undefined) fs.writeFileSync(path.join(dir, 'Cross.toml'), i.crossToml);
  const inv = parseCargoInvocation(i.argv);
  if (!inv) return undefined;
  const cross = loadCrossConfig({
    workspace: { root: dir, manifest },
    env: i.env,
    cwd: dir,
    knownTargets: TRIPLES,
    warn,
  });
  const config = resolveConfig(inv, cross, i.env, 'x86_64-unknown-linux-gnu');
  const target = targetForFloor(registry, findTarget(registry, config.target), config.glibc, warn);
  return { config, applied: applyTargetOptions(optionsFor(cross, target.triple), target.triple, i.env, dir) };
}
