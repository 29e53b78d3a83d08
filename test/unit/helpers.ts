// Small shared pieces for unit tests: temp dirs, a quiet logger that records.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import type { Logger } from '../../src/base/log';
import type { ContainerSpec } from '../../runtimes/spec';
import type { BuildRequest } from '../../runtimes/runtime';
import { XcrossError } from '../../src/base/errors';
import type { Host } from '../../src/host';

const made: string[] = [];
// Each test file is its own process: what it made goes when it ends, so runs do not fill /tmp.
process.once('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'xcross-unit-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A Linux x86_64 host with no terminal, uid 1000, in `cwd` with `home`; the cache under home. */
export function fakeHost(
  cwd: string,
  home: string,
  env: Record<string, string>,
  cacheDir = path.join(home, 'cache'),
): Host {
  return {
    cwd,
    env,
    uid: 1000,
    gid: 1000,
    home,
    arch: 'x64',
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    cacheDir,
  };
}

/** Writes files (path → content) under dir, creating folders; `mode` 0o755 makes them programs. */
export function writeTree(dir: string, files: Record<string, string>, mode?: number): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content, mode === undefined ? undefined : { mode });
  }
}

export function recordingLogger(verbose = 0): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    verbose,
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    command: (argv) => lines.push(`command: ${argv.join(' ')}`),
  };
}

/** Runs f and returns the XcrossError it threw, whose message must match re. */
export function throwsXcross(f: () => unknown, re: RegExp): XcrossError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof XcrossError, `expected an XcrossError, got ${String(caught)}`);
  assert.match(caught.message, re);
  return caught;
}

/** The smallest container spec a runtime takes: no mounts, no environment, no terminal. */
export function minimalSpec(name: string, command: string[] = ['true'], image = 'localhost/xcross/x:1'): ContainerSpec {
  return {
    image,
    name,
    command,
    workdir: '/',
    env: {},
    mounts: [],
    owner: { uid: 1000, gid: 1000 },
    labels: {},
    interactive: false,
    tty: false,
  };
}

/** A build of the Containerfile in `ctx`, tagged `tag`, with no arguments or labels. */
export function buildIn(ctx: string, tag: string): BuildRequest {
  return { containerfile: path.join(ctx, 'Containerfile'), context: ctx, tag, buildArgs: {}, labels: {} };
}
