import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boardEnv } from '../../src/plan/board';
import { findTarget, loadRegistry } from '../../src/targets/registry';
import { XcrossError } from '../../src/base/errors';
import { parseCrossToml } from '../../src/config/cross-parse';

const registry = loadRegistry();
const v8 = findTarget(registry, 'thumbv8m.main-none-eabihf');
const m3 = findTarget(registry, 'thumbv7m-none-eabi');

test("bare metal: the image's board and time limit unless the user says otherwise", () => {
  assert.deepEqual(boardEnv(m3, { env: {} }), {});
  assert.deepEqual(boardEnv(m3, { env: {}, configuredMachine: { 'thumbv7m-none-eabi': 'mps2-an385' } }), {
    XCROSS_MACHINE: 'mps2-an385',
  });
  // The variable wins over Cross.toml; the triple's dot and dashes are underscores, as for CROSS_TARGET_<T>_*.
  assert.deepEqual(
    boardEnv(v8, {
      env: { XCROSS_TARGET_THUMBV8M_MAIN_NONE_EABIHF_MACHINE: 'mps2-an521', XCROSS_TIMEOUT: '5' },
      configuredMachine: { 'thumbv8m.main-none-eabihf': 'musca-b1' },
    }),
    { XCROSS_MACHINE: 'mps2-an521', XCROSS_TIMEOUT: '5' },
  );
  assert.deepEqual(boardEnv(m3, { flagTimeout: '0', env: { XCROSS_TIMEOUT: '9' } }), { XCROSS_TIMEOUT: '0' });
});

test('a board or time limit that cannot be: one sentence that names where it was set', () => {
  const fails = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof XcrossError && re.test(e.message) && !!e.fix);
  fails(() => boardEnv(m3, { flagTimeout: '1m', env: {} }), /^--timeout is '1m', not a number of seconds$/);
  fails(
    () => boardEnv(m3, { env: { XCROSS_TARGET_THUMBV7M_NONE_EABI_MACHINE: 'lm3s -S' } }),
    /^XCROSS_TARGET_THUMBV7M_NONE_EABI_MACHINE is 'lm3s -S', which is not a qemu board name$/,
  );
  const gnu = findTarget(registry, 'aarch64-unknown-linux-gnu');
  fails(() => boardEnv(gnu, { flagTimeout: '5', env: {} }), /^--timeout is for bare-metal targets/);
  fails(
    () => boardEnv(gnu, { env: {}, configuredMachine: { 'aarch64-unknown-linux-gnu': 'virt' } }),
    /^xcross\.target\.aarch64-unknown-linux-gnu\.machine is for bare-metal targets/,
  );
});

test('Cross.toml: [xcross.target.<triple>] machine is read, and an unknown key there is warned about', () => {
  const warnings: string[] = [];
  const layer = parseCrossToml(
    '[xcross.target.thumbv7m-none-eabi]\nmachine = "mps2-an385"\nboard = "x"\n',
    'Cross.toml',
    {
      knownTargets: ['thumbv7m-none-eabi'],
      warn: (m) => warnings.push(m),
    },
  );
  assert.deepEqual(layer.xcross.targetMachine, { 'thumbv7m-none-eabi': 'mps2-an385' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /unknown key xcross\.target\.thumbv7m-none-eabi\.board/);
});
