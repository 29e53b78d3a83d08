// node-pty that cannot load is a warning and a fallback, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNodePty } from '../../runtimes/cli/pty-session';
import { recordingLogger } from './helpers';

test('a native module that fails to load: warned once, null returned', () => {
  const log = recordingLogger();
  const r = loadNodePty(log, {}, () => {
    throw new Error('pty.node: invalid ELF header\nmore');
  });
  assert.equal(r, null);
  assert.deepEqual(log.lines, [
    'warn: node-pty cannot load (pty.node: invalid ELF header): the session uses your terminal through the engine directly',
  ]);
});

test('XCROSS_NO_PTY=1 chooses the fallback without a warning', () => {
  const log = recordingLogger(1);
  assert.equal(
    loadNodePty(log, { XCROSS_NO_PTY: '1' }, () => {
      throw new Error('not called');
    }),
    null,
  );
  assert.equal(log.lines.filter((l) => l.startsWith('warn')).length, 0);
});
