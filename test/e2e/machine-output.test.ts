// Cargo's machine output through xcross, as rust-analyzer's `check.overrideCommand` reads it: stdout
// holds only cargo's JSON (xcross's own lines go to stderr), with the paths of the user's own files;
// CARGO_TERM_COLOR and NO_COLOR are obeyed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTargetImages, tail, xcross } from './harness';
import { Terminal } from './pty-driver';

const T = 'x86_64-unknown-linux-gnu';
const SGR = /\x1b\[[0-9;]*m/;

interface Span {
  file_name: string;
  line_start: number;
  column_start: number;
  is_primary: boolean;
}
interface CargoMessage {
  reason: string;
  manifest_path?: string;
  target?: { src_path: string };
  message?: { level: string; code?: { code: string } | null; spans: Span[]; rendered?: string };
  success?: boolean;
}

/** Every stdout line as JSON: a line that is not is a failure, as it would be for rust-analyzer. */
function messages(stdout: string): CargoMessage[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as CargoMessage;
      } catch {
        throw new assert.AssertionError({ message: `stdout has a line that is not JSON: ${l}` });
      }
    });
}

describe('machine output: --message-format=json through xcross', () => {
  let crate: string;
  before(async () => {
    await ensureTargetImages([T]);
    crate = fs.mkdtempSync(path.join(os.tmpdir(), 'ra-check-'));
    fs.writeFileSync(
      path.join(crate, 'Cargo.toml'),
      '[package]\nname = "broken"\nversion = "0.1.0"\nedition = "2021"\n',
    );
    fs.mkdirSync(path.join(crate, 'src'));
    // The error is on line 6: a string where a u32 is due (E0308).
    fs.writeFileSync(
      path.join(crate, 'src', 'lib.rs'),
      'pub fn fine() -> u32 {\n    1\n}\n\npub fn broken() -> u32 {\n    "not a number"\n}\n',
    );
  });
  after(() => fs.rmSync(crate, { recursive: true, force: true }));

  test(
    "rust-analyzer's override command: the error's file and line come back in cargo's JSON, stdout holds nothing else",
    { timeout: 600_000 },
    async () => {
      // What rust-analyzer runs, from the workspace root, with the settings the README gives.
      const r = await xcross(['check', '--workspace', '--all-targets', '--message-format=json', '--target', T], {
        cwd: crate,
        env: { CARGO_TERM_COLOR: undefined, NO_COLOR: undefined },
      });
      assert.equal(r.code, 101, tail(r.stderr));
      const msgs = messages(r.stdout);
      // One per checked target (the library, and the library's tests with --all-targets).
      const errors = msgs.filter(
        (m) => m.reason === 'compiler-message' && m.message?.level === 'error' && m.message.code?.code === 'E0308',
      );
      assert.ok(errors.length >= 1, r.stdout);
      for (const m of errors) {
        const span = m.message!.spans.find((s) => s.is_primary)!;
        // rust-analyzer joins file_name to the workspace root: the user's own file, at the user's own path.
        assert.deepEqual([span.file_name, span.line_start, span.column_start], ['src/lib.rs', 6, 5]);
        assert.ok(fs.existsSync(path.join(crate, span.file_name)));
        assert.equal(m.manifest_path, path.join(crate, 'Cargo.toml'));
        assert.equal(m.target?.src_path, path.join(crate, 'src', 'lib.rs'));
      }
      assert.deepEqual(msgs.at(-1), { reason: 'build-finished', success: false });
      assert.doesNotMatch(r.stdout, /^xcross/m);
      assert.doesNotMatch(r.stdout + r.stderr, SGR, 'no colour without a terminal');
    },
  );

  test(
    "json-render-diagnostics with -v: the diagnostic rendered on stderr beside xcross's lines, stdout still JSON only",
    { timeout: 600_000 },
    async () => {
      const r = await xcross(['check', '-v', '--message-format=json-render-diagnostics', '--target', T], {
        cwd: crate,
        env: { CARGO_TERM_COLOR: undefined, NO_COLOR: undefined },
      });
      assert.equal(r.code, 101, tail(r.stderr));
      const msgs = messages(r.stdout);
      assert.ok(
        msgs.every((m) => m.reason !== 'compiler-message'),
        'diagnostics are rendered, not JSON',
      );
      assert.ok(msgs.some((m) => m.reason === 'build-finished'));
      assert.match(r.stderr, /error\[E0308\]: mismatched types/);
      assert.match(r.stderr, /--> src\/lib\.rs:6:5/);
      assert.match(r.stderr, /^xcross: /m, "xcross's own -v lines are on stderr");
      assert.doesNotMatch(r.stdout, /^xcross/m);
    },
  );

  test('CARGO_TERM_COLOR=always colours cargo without a terminal', { timeout: 600_000 }, async () => {
    const r = await xcross(['check', '--message-format=json-render-diagnostics', '--target', T], {
      cwd: crate,
      env: { CARGO_TERM_COLOR: 'always', NO_COLOR: undefined },
    });
    assert.equal(r.code, 101, tail(r.stderr));
    assert.match(r.stderr, SGR);
    messages(r.stdout);
  });

  test(
    'on a terminal cargo colours, and with NO_COLOR=1 neither cargo nor xcross does',
    { timeout: 600_000 },
    async () => {
      // node-pty would pass an undefined value on as the word "undefined": an empty NO_COLOR is unset.
      const run = async (env: Record<string, string>) => {
        const t = new Terminal(['check', '-v', '--target', T], crate, env);
        try {
          assert.equal(await t.exited, 101, t.text.slice(-2000));
          return t.raw;
        } finally {
          t.kill();
        }
      };
      const colour = await run({ NO_COLOR: '' });
      assert.match(colour, /error\[E0308\]/);
      assert.match(colour, SGR);
      const plain = await run({ NO_COLOR: '1' });
      assert.match(plain, /error\[E0308\]/);
      assert.doesNotMatch(plain, SGR, plain.slice(-2000));
    },
  );
});
