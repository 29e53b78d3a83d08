// `[target.constructor]`: @iarna/toml would walk into Object itself (a fuzzer counterexample).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTomlText } from '../../src/config/toml';
import { throwsXcross } from './helpers';

test('a table named constructor is refused with its position, and Object is left alone', () => {
  throwsXcross(
    () => parseTomlText('[target.constructor]\nfuzzed = 1\n', 'Cross.toml'),
    /^Cross\.toml:1:9: a table named constructor is not supported$/,
  );
  assert.equal((Object as unknown as Record<string, unknown>).fuzzed, undefined);
  throwsXcross(() => parseTomlText('a."toString".b = 1\n', 'Cross.toml'), /a table named toString/);
  throwsXcross(
    () => parseTomlText('x = { constructor.y = 1 }\n', 'Cross.toml'),
    /named like a JavaScript object's own property/,
  );
});

test('the same names as plain keys or in strings parse', () => {
  assert.deepEqual(parseTomlText('[target]\nconstructor = 1\nrunner = "a.constructor.b"\n', 'Cross.toml'), {
    target: { constructor: 1, runner: 'a.constructor.b' },
  });
});
