// xcross doctor on the real machine, as the user CI runs the tests as.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTargetImages, tail, xcross } from './harness';

describe('xcross doctor on this machine', () => {
  // The aarch64 image whose check the first test reads: made here when missing.
  before(() => ensureTargetImages(['aarch64-unknown-linux-gnu']));
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

  test('in a crate whose Cross.toml says [xcross] runtime = "podman-api", doctor checks the podman API, as a build there would use', async () => {
    const crate = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-e2e-doctor-'));
    try {
      fs.writeFileSync(path.join(crate, 'Cargo.toml'), '[package]\nname = "d"\nversion = "0.1.0"\n');
      fs.writeFileSync(path.join(crate, 'Cross.toml'), '[xcross]\nruntime = "podman-api"\n');
      const r = await xcross(['doctor', '--json'], {
        cwd: crate,
        env: { XCROSS_RUNTIME: undefined, CROSS_CONTAINER_ENGINE: undefined },
      });
      const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; message: string }[] }).checks;
      const engine = checks.find((c) => c.id === 'engine')!;
      assert.equal(engine.status, 'ok', r.stdout + tail(r.stderr));
      assert.match(engine.message, /^podman \d+\.\d+\S* through its REST API: podman-api /);
      assert.match(checks.find((c) => c.id === 'rootless')!.message, /^rootless podman/);
      // Outside the crate the environment alone decides, as before.
      const outside = await xcross(['doctor', '--json'], {
        cwd: os.tmpdir(),
        env: { XCROSS_RUNTIME: undefined, CROSS_CONTAINER_ENGINE: undefined },
      });
      assert.doesNotMatch(
        (JSON.parse(outside.stdout) as { checks: { id: string; message: string }[] }).checks.find(
          (c) => c.id === 'engine',
        )!.message,
        /REST API/,
      );
    } finally {
      fs.rmSync(crate, { recursive: true, force: true });
    }
  });
});
