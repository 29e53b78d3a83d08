// Shared pieces of the end-to-end tests: the real xcross binary, fixture copies, snapshots.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PKG_ROOT = path.resolve(__dirname, '..', '..', '..');
export const XCROSS = path.join(PKG_ROOT, 'dist', 'src', 'main.js');
export const FIXTURES = path.join(PKG_ROOT, 'test', 'fixtures');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Copy xcross's stderr to ours as it comes (long image builds show progress in CI logs). */
  tee?: boolean;
  /** Called with the child once it started, e.g. to signal it. */
  onStart?: (child: ReturnType<typeof spawn>, out: { stdout: () => string }) => void;
}

export function xcross(args: string[], o: RunOptions): Promise<Result> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [XCROSS, ...args], {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (o.tee) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 600_000);
    o.onStart?.(child, { stdout: () => stdout });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * Makes the target images a test file builds its custom images on. On a fresh machine no earlier test
 * has made them yet; where they are here, `xcross image build` only looks them up.
 */
export async function ensureTargetImages(triples: string[]): Promise<void> {
  for (const t of triples) {
    const r = await xcross(['image', 'build', '--target', t], { cwd: os.tmpdir(), timeoutMs: 40 * 60_000, tee: true });
    if (r.code !== 0) throw new Error(`xcross image build --target ${t} failed (${r.code}):\n${tail(r.stderr)}`);
  }
}

/** An onStart hook that sends SIGINT to xcross once its stdout shows `text` (the program is running). */
export function interruptWhen(text: string): NonNullable<RunOptions['onStart']> {
  return (child, out) => {
    const poll = setInterval(() => {
      if (out.stdout().includes(text)) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 100);
    child.once('close', () => clearInterval(poll));
  };
}

/** The end of a long output, for assertion messages. */
export function tail(s: string, chars = 3000): string {
  return s.length > chars ? `...${s.slice(-chars)}` : s;
}

/** The example crate and its out-of-workspace path dependency, side by side under test/fixtures. */
export const FIXTURE_CRATES = ['hello-xcross', 'xcross-util'];

/**
 * Whether `src` is build output under test/fixtures: a fixture crate's target/ directory. It is never
 * copied: whoever built the example in the checkout (README's first command, as root) left files there
 * that others may not read (cargo's incremental *.lock files are mode 0600), and a copy must start clean.
 */
export function isFixtureBuildOutput(src: string): boolean {
  const rel = path.relative(FIXTURES, src).split(path.sep);
  return rel.length >= 2 && rel[0] !== '..' && rel[1] === 'target';
}

/** Copies the fixture crates, without their target/, into `dir` (made when missing); returns the crate. */
export function copyFixturesInto(dir: string): string {
  for (const name of FIXTURE_CRATES) {
    fs.cpSync(path.join(FIXTURES, name), path.join(dir, name), {
      recursive: true,
      filter: (src) => !isFixtureBuildOutput(src),
    });
  }
  return path.join(dir, 'hello-xcross');
}

/**
 * The command that makes another user's copy of the fixtures in `dir` (for `sudo -u PEER`): this very
 * function in node, so that every copy leaves target/ out the same way.
 */
export function copyFixturesCommand(dir: string): string[] {
  return [process.execPath, '-e', 'require(process.argv[1]).copyFixturesInto(process.argv[2])', __filename, dir];
}

/** Copies the example crate and its out-of-workspace path dependency into a fresh directory. */
export function copyFixtures(): { dir: string; crate: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-e2e-'));
  return { dir, crate: copyFixturesInto(dir) };
}

/** Copies one fixture crate (test/fixtures/NAME, without build output) into a fresh directory. */
export function copyFixture(name: string): { dir: string; crate: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xcross-e2e-${name}-`));
  fs.cpSync(path.join(FIXTURES, name), path.join(dir, name), {
    recursive: true,
    filter: (src) => !isFixtureBuildOutput(src),
  });
  return { dir, crate: path.join(dir, name) };
}

/** path → sha256 of every file under dir, except build output. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'target') walk(p);
      } else {
        out.set(path.relative(dir, p), createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
      }
    }
  };
  walk(dir);
  return out;
}

/** e_machine of an ELF file (183 = AArch64, 62 = x86-64, 8 = MIPS), or undefined if not ELF. */
export function elfMachine(file: string): number | undefined {
  const b = fs.readFileSync(file);
  if (b.length < 20 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
}

/** Every file under dir whose owner is not uid. */
export function notOwnedBy(dir: string, uid: number): string[] {
  const bad: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (fs.lstatSync(p).uid !== uid) bad.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return bad;
}

/** Names of containers carrying the label, running or not. */
export function containersWithLabel(label: string): string[] {
  const r = spawnSync('podman', ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'], {
    encoding: 'utf8',
  });
  return r.stdout.split('\n').filter(Boolean);
}
