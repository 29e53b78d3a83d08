// Cross.toml options in container terms: passthrough, volumes, runner, build-std.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTargetOptions, refuseMissingVolumes } from '../../src/plan/target-options';

const T = 'aarch64-unknown-linux-gnu';
const none = { passthrough: [], volumes: [] };

test('passthrough: a host value, a fixed value, and an unset variable (absent, not empty)', () => {
  const a = applyTargetOptions(
    { ...none, passthrough: ['FROM_HOST', 'FIXED=a=b c', 'UNSET'] },
    T,
    { FROM_HOST: 'h', OTHER: 'o' },
    '/w',
  );
  assert.deepEqual(a.env, { FROM_HOST: 'h', FIXED: 'a=b c' });
});

test('volumes: mounted read-write at the same path and exported; relative paths from cwd; unset ones noted', () => {
  const a = applyTargetOptions(
    { ...none, volumes: ['DATA', 'REL=./sub', 'GONE'] },
    T,
    { DATA: '/srv/data' },
    '/work/crate',
  );
  assert.deepEqual(a.mounts, [
    { source: '/srv/data', target: '/srv/data', readOnly: false },
    { source: '/work/crate/sub', target: '/work/crate/sub', readOnly: false },
  ]);
  assert.deepEqual(a.env, { DATA: '/srv/data', REL: '/work/crate/sub' });
  assert.deepEqual(a.notes, ['env.volumes names GONE, which is not set: nothing mounted for it']);
});

test("runner: qemu-user is the default, native runs without qemu, anything else becomes cargo's runner", () => {
  assert.deepEqual(applyTargetOptions({ ...none, runner: 'qemu-user' }, T, {}, '/').env, {});
  assert.deepEqual(applyTargetOptions({ ...none, runner: 'native' }, T, {}, '/').env, { XCROSS_QEMU: '' });
  assert.deepEqual(applyTargetOptions({ ...none, runner: 'valgrind' }, T, {}, '/').env, {
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER: 'valgrind',
  });
  assert.throws(
    () => applyTargetOptions({ ...none, runner: 'qemu-system' }, T, {}, '/'),
    /qemu-system" is not supported/,
  );
});

test('build-std: the std crates to build (true: the default list), none when false', () => {
  assert.deepEqual(applyTargetOptions({ ...none, buildStd: true }, T, {}, '/').buildStd, []);
  assert.deepEqual(applyTargetOptions({ ...none, buildStd: ['core', 'alloc'] }, T, {}, '/').buildStd, [
    'core',
    'alloc',
  ]);
  assert.equal(applyTargetOptions({ ...none, buildStd: false }, T, {}, '/').buildStd, undefined);
});

test('an entry that is not NAME or NAME=VALUE is an error', () => {
  assert.throws(
    () => applyTargetOptions({ ...none, passthrough: ['=x'] }, T, {}, '/'),
    /env\.passthrough entry '=x' does not start with a variable name/,
  );
  assert.throws(() => applyTargetOptions({ ...none, volumes: ['1BAD'] }, T, {}, '/'), /env\.volumes entry '1BAD'/);
});

test("volumes: / and the image's system directories are refused in one sentence (runc would fail on /)", () => {
  assert.throws(
    () => applyTargetOptions({ ...none, volumes: ['XC_VOL=/'] }, T, {}, '/work/crate'),
    /^XcrossError: env\.volumes would mount \/ \(XC_VOL\) over the image's own \/$/,
  );
  assert.throws(
    () => applyTargetOptions({ ...none, volumes: ['USR'] }, T, { USR: '/usr/' }, '/work/crate'),
    /over the image's own \/usr$/,
  );
  assert.equal(applyTargetOptions({ ...none, volumes: ['H=/home/u'] }, T, {}, '/work/crate').mounts.length, 1);
});

test('volumes: a missing directory is one sentence naming the variable, before the engine says statfs', () => {
  const a = applyTargetOptions({ ...none, volumes: ['XC_VOL=/no/such/dir', 'OK=/srv'] }, T, {}, '/work/crate');
  assert.throws(
    () => refuseMissingVolumes(a, (p) => p === '/srv'),
    /^XcrossError: env\.volumes names XC_VOL='\/no\/such\/dir', which does not exist$/,
  );
  refuseMissingVolumes(a, () => true);
});
