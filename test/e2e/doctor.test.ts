// xcross doctor on the real machine, as the user CI runs the tests as.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { tail, xcross } from './harness';

describe('xcross doctor on this machine', () => {
  test('the engine works, containers start, the aarch64 image is here; exit code 0', async () => {
    const r = await xcross(['doctor', '--json'], { cwd: os.tmpdir() });
    assert.equal(r.code, 0, r.stdout + tail(r.stderr));
    const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; message: string }[] }).checks;
    const get = (id: string) => checks.find((c) => c.id === id);
    assert.equal(get('engine')?.status, 'ok');
    assert.match(get('engine')!.message, /^podman \d+\.\d+/);
    assert.equal(get('containers')?.status, 'ok');
    assert.equal(get('image:aarch64-unknown-linux-gnu')?.status, 'ok');
    assert.equal(get('subuid')?.status, 'ok');
    assert.match(get('rootless')!.message, /^rootless podman/);
  });
});
