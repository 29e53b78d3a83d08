// User input inside messages stays one line (the fuzzer's counterexamples, minimal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCrossTable } from '../../src/config/cross-parse';
import { parseTomlText } from '../../src/config/toml';
import { parseCargoInvocation } from '../../src/cli/cargo-args';
import { quoted, tomlKey } from '../../src/ui/quote';
import { throwsXcross } from './helpers';

test('a key with a control character is shown escaped in the unknown-key warning', () => {
  const text = '[build]\n"\\u0000" = ""\n';
  const warnings: string[] = [];
  parseCrossTable(parseTomlText(text, 'Cross.toml'), {
    file: 'Cross.toml',
    text,
    base: [],
    knownTargets: [],
    warn: (w) => warnings.push(w),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /unknown key build\."\\u\{0\}" \(ignored\)/);
});

test('--glibc with a line separator, or 5000 characters, is one short line', () => {
  const e = throwsXcross(() => parseCargoInvocation(['build', '--glibc', '\u2028']), /--glibc needs a glibc version/);
  assert.match(e.message, /not '\\u\{2028\}'$/);
  const long = throwsXcross(
    () => parseCargoInvocation(['build', '--glibc', 'x'.repeat(5000)]),
    /\(5000 characters\)'$/,
  );
  assert.ok(long.message.length < 200, long.message);
});

test('--gdb takes digits only (Number() would read 0x50 and 8e1 as port 80)', () => {
  for (const v of ['0x50', '8e1', ' 80', '80 '])
    throwsXcross(() => parseCargoInvocation(['run', '--gdb', v]), /--gdb needs a TCP port number/);
  assert.equal(parseCargoInvocation(['run', '--gdb', '80'])?.xcross.gdb, 80);
});

test('quoted and tomlKey: plain input unchanged, bidi and line breaks escaped', () => {
  assert.equal(quoted('aarch64'), "'aarch64'");
  assert.equal(quoted('a\u202eb\nc'), "'a\\u{202e}b\\u{a}c'");
  assert.equal(tomlKey(['target', 'x86_64-unknown-linux-gnu', 'runner']), 'target.x86_64-unknown-linux-gnu.runner');
  assert.equal(tomlKey(['build', 'a b', 'q"']), 'build."a b"."q\\""');
});

test('xcross shell names a flag it does not take on one line', async () => {
  const { shellCommand } = await import('../../src/commands/shell');
  const inv = parseCargoInvocation(['shell', '--target', 'x', '--bad\nflag'])!;
  assert.throws(() => shellCommand(inv, {} as never), /^XcrossError: xcross shell does not take '--bad\\u\{a\}flag'$/);
});
