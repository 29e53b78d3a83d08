// Cargo's command line as xcross sees it: everything passes to cargo untouched, except the few
// xcross-only flags, which are taken out. xcross reads (and keeps) the cargo flags it must act on.
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import { quoted } from '../ui/quote';
import { glibcVersion, sameFloor, splitTargetFloor } from '../targets/glibc-floor';

export const CARGO_SUBCOMMANDS = [
  'build',
  'check',
  'test',
  'run',
  'bench',
  'doc',
  'rustc',
  'clippy',
  'metadata',
] as const;
const ALIASES: Record<string, string> = { b: 'build', c: 'check', t: 'test', r: 'run', d: 'doc' };

export type ToolchainSource = 'auto' | 'host' | 'image';
export const TOOLCHAIN_SOURCES: readonly ToolchainSource[] = ['auto', 'host', 'image'];

export interface CargoInvocation {
  /** The subcommand as cargo spells it (aliases resolved). */
  subcommand: string;
  /** `+nightly` from `xcross +nightly build`, without the plus. */
  toolchain?: string;
  target?: string;
  manifestPath?: string;
  targetDir?: string;
  /** Count of -v: 1 shows engine command lines, 2 also stack traces. */
  verbose: number;
  /** Arguments for cargo after the subcommand, with xcross-only flags removed, as the user wrote them. */
  cargoArgs: string[];
  xcross: {
    runtime?: string;
    toolchainSource?: ToolchainSource;
    readOnlySource: boolean;
    /** --strace: qemu prints the program's system calls. */
    strace: boolean;
    /** --gdb PORT: the program waits for gdb on that port. */
    gdb?: number;
    /** --glibc X.Y, or the X.Y of `--target <triple>.X.Y` (cargo gets the plain triple). */
    glibc?: string;
    /** --push: push the images this run builds to the image cache. */
    push: boolean;
    /** --copy-back: what comes back from an engine that could not see the workspace. */
    copyBack?: CopyBack;
    /** --compile-cache off|local|redis://...|s3://...|gha */
    compileCache?: string;
    /** --timeout SECONDS: how long a bare-metal program may run on its board (checked in plan/board.ts). */
    timeout?: string;
  };
}

/** What a synced run (an engine that cannot see the workspace) brings back: the artifacts named in
 * cargo's JSON messages, the whole target directory, or nothing (they stay in the engine's volume). */
export const COPY_BACK = ['artifacts', 'target-dir', 'none'] as const;
export type CopyBack = (typeof COPY_BACK)[number];

/** xcross's own commands that take the same options as cargo's (target, manifest, runtime, ...). */
export const SESSION_COMMANDS = ['shell'] as const;

export function isCargoSubcommand(word: string | undefined): boolean {
  return word !== undefined && (CARGO_SUBCOMMANDS as readonly string[]).concat(Object.keys(ALIASES)).includes(word);
}

function isParsedHere(word: string | undefined): boolean {
  return isCargoSubcommand(word) || (SESSION_COMMANDS as readonly string[]).includes(word ?? '');
}

/** argv after the program name; returns undefined when the first word is not a cargo subcommand. */
export function parseCargoInvocation(argv: string[]): CargoInvocation | undefined {
  let i = 0;
  let toolchain: string | undefined;
  if (argv[0]?.startsWith('+')) {
    toolchain = argv[0].slice(1);
    if (!toolchain) throw new XcrossError("'+' must be followed by a toolchain name, as in `xcross +nightly build`");
    i = 1;
  }
  const word = argv[i];
  if (!isParsedHere(word)) return undefined;
  const inv: CargoInvocation = {
    subcommand: ALIASES[word!] ?? word!,
    toolchain,
    verbose: 0,
    cargoArgs: [],
    xcross: { readOnlySource: false, strace: false, push: false },
  };
  const rest = argv.slice(i + 1);
  const targets: string[] = [];
  for (let j = 0; j < rest.length; j++) {
    const arg = rest[j];
    if (arg === '--') {
      inv.cargoArgs.push(...rest.slice(j));
      break;
    }
    const [flag, inline] = splitInline(arg);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = rest[j + 1];
      if (v === undefined || v === '--') throw new XcrossError(`${flag} needs a value`);
      j++;
      return v;
    };
    switch (flag) {
      case '--runtime':
        inv.xcross.runtime = value();
        continue;
      case '--toolchain-source': {
        const v = value();
        if (!(TOOLCHAIN_SOURCES as readonly string[]).includes(v)) {
          throw new XcrossError(`--toolchain-source must be one of ${TOOLCHAIN_SOURCES.join(', ')}, not ${quoted(v)}`);
        }
        inv.xcross.toolchainSource = v as ToolchainSource;
        continue;
      }
      case '--read-only-source':
        inv.xcross.readOnlySource = true;
        continue;
      case '--strace':
        inv.xcross.strace = true;
        continue;
      case '--push':
        inv.xcross.push = true;
        continue;
      case '--copy-back': {
        const v = value();
        if (!(COPY_BACK as readonly string[]).includes(v))
          throw new XcrossError(`--copy-back must be one of ${COPY_BACK.join(', ')}, not ${quoted(v)}`);
        inv.xcross.copyBack = v as CopyBack;
        continue;
      }
      case '--compile-cache':
        inv.xcross.compileCache = value();
        continue;
      case '--timeout':
        inv.xcross.timeout = value();
        continue;
      case '--glibc': {
        inv.xcross.glibc = sameFloor(inv.xcross.glibc, glibcVersion(value(), '--glibc'), '--glibc');
        continue;
      }
      case '--gdb': {
        const v = value();
        // Digits only: Number() would take ' 80', '0x50' and '8e1' for port 80.
        const port = /^\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          throw new XcrossError(`--gdb needs a TCP port number, not ${quoted(v)}`);
        inv.xcross.gdb = port;
        continue;
      }
    }
    // Cargo's own flags: read what xcross needs, pass everything on.
    const start = j;
    if (flag === '--target') {
      // cargo-zigbuild's `--target <triple>.2.31`: the floor is xcross's, cargo sees the plain triple.
      const { triple, glibc } = splitTargetFloor(value());
      targets.push(triple);
      if (glibc !== undefined) {
        inv.xcross.glibc = sameFloor(inv.xcross.glibc, glibc, `--target ${triple}.${glibc}`);
        inv.cargoArgs.push('--target', triple);
        continue;
      }
    } else if (flag === '--manifest-path') inv.manifestPath = value();
    else if (flag === '--target-dir') inv.targetDir = value();
    else if (flag === '--verbose') inv.verbose++;
    else if (/^-v+$/.test(arg)) inv.verbose += arg.length - 1;
    inv.cargoArgs.push(...rest.slice(start, j + 1));
  }
  if (targets.length > 1) {
    throw new XcrossError(
      `xcross builds one target per run, and got ${targets.length}: ${targets.map(quoted).join(', ')}`,
      {
        fix: 'run xcross once per --target',
      },
    );
  }
  inv.target = targets[0];
  return inv;
}

const PATH_FLAGS = new Set(['--manifest-path', '--target-dir']);

/**
 * Cargo's path-valued flags made absolute. The container sees host paths at the same place, but its
 * working directory may differ from ours (when we stand outside every mount), so a relative path
 * would point elsewhere; an absolute one means what the user meant.
 */
export function absolutizePathFlags(args: string[], cwd: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return out.concat(args.slice(i));
    const [flag, inline] = splitInline(arg);
    if (!PATH_FLAGS.has(flag)) out.push(arg);
    else if (inline !== undefined) out.push(`${flag}=${path.resolve(cwd, inline)}`);
    else if (i + 1 < args.length) out.push(flag, path.resolve(cwd, args[++i]));
    else out.push(arg);
  }
  return out;
}

function splitInline(arg: string): [string, string | undefined] {
  if (!arg.startsWith('--')) return [arg, undefined];
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** The arguments cargo gets: the user's, plus `--target` when xcross chose the target itself. */
export function cargoArgv(inv: CargoInvocation, target: string): string[] {
  const dashdash = inv.cargoArgs.indexOf('--');
  const before = dashdash < 0 ? inv.cargoArgs : inv.cargoArgs.slice(0, dashdash);
  const after = dashdash < 0 ? [] : inv.cargoArgs.slice(dashdash);
  const rustcArgs = inv.subcommand === 'rustc' ? withLtoBitcode(after) : after;
  return [inv.subcommand, ...before, ...(inv.target === undefined ? ['--target', target] : []), ...rustcArgs];
}

/**
 * `cargo rustc --release -- -C lto` (cross's own README example) fails with today's cargo, anywhere:
 * cargo tells rustc `-C embed-bitcode=no` for a crate whose profile has no LTO, and rustc refuses
 * the pair. Asking rustc for LTO after `--` means the bitcode is wanted, so it is asked for too,
 * unless the user said something about it.
 */
export function withLtoBitcode(after: string[]): string[] {
  const codegen: string[] = [];
  for (let i = 1; i < after.length; i++) {
    if (after[i] === '-C' && i + 1 < after.length) codegen.push(after[++i]);
    else if (after[i].startsWith('-C')) codegen.push(after[i].slice(2));
    else if (after[i].startsWith('--codegen=')) codegen.push(after[i].slice('--codegen='.length));
  }
  const lto = codegen.filter((c) => c === 'lto' || c.startsWith('lto=')).pop();
  const wantsLto = lto !== undefined && !/^lto=(no|n|off|false)$/.test(lto);
  if (!wantsLto || codegen.some((c) => c.startsWith('embed-bitcode'))) return after;
  return [...after, '-C', 'embed-bitcode=yes'];
}
