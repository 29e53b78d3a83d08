// One way to stop (issue 14): the app's StopController alone listens to signals; runtimes see its
// Stopping; the exit code is 128 + the signal's number; cleanups run however the command ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopController } from '../../src/stop';

test('first signal: the work is told (reason = the signal); the grace period ends in the hard stop', async () => {
  const s = new StopController(50, 1_000);
  let told: unknown;
  s.signal.addEventListener('abort', () => {
    told = s.signal.reason;
  });
  s.stop('SIGTERM');
  assert.equal(told, 'SIGTERM');
  assert.equal(s.hard.aborted, false);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(s.hard.aborted, true, 'the grace period did not end in the hard stop');
  assert.equal(s.exitCode(0), 143);
  await s.finish();
});

test('a second signal ends the grace period at once; the codes are 130, 143 and 129', async () => {
  const s = new StopController(60_000, 60_000);
  s.signal.addEventListener('abort', () => {});
  s.stop('SIGINT');
  assert.equal(s.hard.aborted, false);
  s.stop('SIGINT');
  assert.equal(s.hard.aborted, true);
  assert.equal(s.exitCode(0), 130);
  await s.finish();
  const hup = new StopController();
  hup.stop('SIGHUP');
  assert.equal(hup.exitCode(7), 129);
  assert.equal(new StopController().exitCode(7), 7);
});

test('a signal while nothing can stop gracefully (no runtime listens): the app stops waiting at once', async () => {
  const s = new StopController(60_000, 60_000);
  let abandoned = false;
  void s.abandoned.then(() => {
    abandoned = true;
  });
  s.stop('SIGINT');
  await new Promise((r) => setImmediate(r));
  assert.equal(abandoned, true);
  assert.equal(s.hard.aborted, true);
});

test('cleanups run once each, the last registered first, even when one fails; listeners go', async () => {
  const before = process.listenerCount('SIGINT');
  const s = new StopController().listen();
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  const ran: string[] = [];
  s.defer(() => {
    ran.push('service');
  });
  s.defer(() => {
    throw new Error('no');
  });
  s.defer(async () => {
    ran.push('container');
  });
  await s.finish();
  await s.finish();
  assert.deepEqual(ran, ['container', 'service']);
  assert.equal(process.listenerCount('SIGINT'), before);
});
