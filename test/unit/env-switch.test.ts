// Yes/no variables: a value they do not take is an error, never the default (a fuzzer counterexample).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/resolve';
import { parseCargoInvocation } from '../../src/cli/cargo-args';
import { throwsXcross } from './helpers';

const inv = parseCargoInvocation(['build'])!;
const resolve = (env: Record<string, string>) => resolveConfig(inv, {}, env, 'x86_64-unknown-linux-gnu');

test('XCROSS_READ_ONLY_SOURCE=2 is an error, not a writable source', () => {
  throwsXcross(
    () => resolve({ XCROSS_READ_ONLY_SOURCE: '2' }),
    /^XCROSS_READ_ONLY_SOURCE is '2', which is neither 1 nor 0$/,
  );
});

test('XCROSS_READ_ONLY_SOURCE=true and XCROSS_GLIBC_CHECK=false mean what they say', () => {
  assert.equal(resolve({ XCROSS_READ_ONLY_SOURCE: 'true' }).readOnlySource, true);
  assert.equal(resolve({ XCROSS_GLIBC_CHECK: 'false' }).glibcCheck, false);
  assert.equal(resolve({ XCROSS_GLIBC_CHECK: '' }).glibcCheck, true);
  throwsXcross(() => resolve({ XCROSS_GLIBC_CHECK: 'maybe' }), /XCROSS_GLIBC_CHECK is 'maybe'/);
});
