// What the benchmark scripts share: their command line, timed child processes, medians, image sizes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const XCROSS = path.join(root, 'dist', 'src', 'main.js');
/** The compiled modules of the package (npm run build first). */
export const dist = (rel) => createRequire(import.meta.url)(path.join(root, 'dist', rel));

const args = process.argv.slice(2);
export const flag = (name) => args.includes(name);
export const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
export const all = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));

/** Runs a program to its end, timed; its output captured. */
export function run(cmd, argv, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    ...opts,
  });
  return {
    ms: Number(process.hrtime.bigint() - t) / 1e6,
    code: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}
export const must = (r, what) => {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stderr.slice(-3000)}`);
  return r;
};
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const imageSize = (ref) => {
  const r = run('podman', ['image', 'inspect', '--format', '{{.Size}}', ref]);
  return r.code === 0 ? Number(r.stdout.trim()) : NaN;
};
export const mb = (bytes) => `${Math.round(bytes / 1e6)} MB`;

/** A private copy of the example crate (and the path dependency beside it, target/ left out): its folder and the crate. */
export function exampleCopy(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, crate: dist('test/e2e/harness.js').copyFixturesInto(dir) };
}
