// Which podman API socket to try, and whether what answers speaks libpod v4 or newer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkApiVersion, socketCandidates } from '../../runtimes/podman-api/socket';
import { containerHost } from '../../runtimes/podman-service';
import { podmanFlavor } from '../../runtimes/cli/flavor';
import { throwsXcross } from './helpers';

describe('socketCandidates', () => {
  test('CONTAINER_HOST=unix://… is the only candidate, whoever runs xcross', () => {
    assert.deepEqual(socketCandidates({ CONTAINER_HOST: 'unix:///x' }, 1000), [
      { path: '/x', source: 'CONTAINER_HOST' },
    ]);
    assert.deepEqual(
      socketCandidates({ CONTAINER_HOST: 'unix:///run/podman/podman.sock', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000),
      [{ path: '/run/podman/podman.sock', source: 'CONTAINER_HOST' }],
    );
    assert.deepEqual(socketCandidates({ CONTAINER_HOST: '  unix:///tmp/p.sock \n' }, 0), [
      { path: '/tmp/p.sock', source: 'CONTAINER_HOST' },
    ]);
  });

  test('CONTAINER_HOST that is not a Unix socket is refused', () => {
    const e = throwsXcross(
      () => socketCandidates({ CONTAINER_HOST: 'tcp://10.0.0.1:8080' }, 1000),
      /CONTAINER_HOST=tcp:\/\/10\.0\.0\.1:8080 is not a Unix socket/,
    );
    assert.match(e.fix ?? '', /unix:\/\//);
    throwsXcross(
      () => socketCandidates({ CONTAINER_HOST: 'ssh://core@host/run/podman/podman.sock' }, 1000),
      /is not a Unix socket/,
    );
  });

  test('an empty CONTAINER_HOST counts as unset', () => {
    assert.deepEqual(socketCandidates({ CONTAINER_HOST: '', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), [
      { path: '/run/user/1000/podman/podman.sock', source: 'rootless default' },
      { path: '/run/podman/podman.sock', source: 'rootful default' },
    ]);
  });

  test("one reading of CONTAINER_HOST, trimmed, for the API's sockets and the podman CLI as a client", () => {
    for (const value of ['unix:///tmp/p.sock', ' unix:///tmp/p.sock\n']) {
      assert.equal(containerHost({ CONTAINER_HOST: value }), 'unix:///tmp/p.sock');
      assert.equal(podmanFlavor.remote!({ CONTAINER_HOST: value }), 'unix:///tmp/p.sock');
    }
    for (const blank of [undefined, '', ' \t ']) {
      assert.equal(containerHost({ CONTAINER_HOST: blank }), undefined);
      assert.equal(podmanFlavor.remote!({ CONTAINER_HOST: blank }), undefined);
      assert.equal(socketCandidates({ CONTAINER_HOST: blank }, 1000)[0].source, 'rootful default');
    }
  });

  test('a user: the rootless socket under XDG_RUNTIME_DIR, then the system one', () => {
    assert.deepEqual(socketCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), [
      { path: '/run/user/1000/podman/podman.sock', source: 'rootless default' },
      { path: '/run/podman/podman.sock', source: 'rootful default' },
    ]);
  });

  test('a user without XDG_RUNTIME_DIR: only the system socket', () => {
    assert.deepEqual(socketCandidates({}, 1000), [{ path: '/run/podman/podman.sock', source: 'rootful default' }]);
  });

  test('root: the system socket, never a rootless one', () => {
    assert.deepEqual(socketCandidates({}, 0), [{ path: '/run/podman/podman.sock', source: 'rootful default' }]);
    assert.deepEqual(socketCandidates({ XDG_RUNTIME_DIR: '/run/user/0' }, 0), [
      { path: '/run/podman/podman.sock', source: 'rootful default' },
    ]);
  });
});

describe('checkApiVersion', () => {
  test('no Libpod-Api-Version header: not podman, perhaps Docker', () => {
    const e = throwsXcross(
      () => checkApiVersion(undefined, '/run/docker.sock'),
      /\/run\/docker\.sock is not podman.*Docker/,
    );
    assert.match(e.fix ?? '', /--runtime docker/);
    throwsXcross(() => checkApiVersion('', '/s'), /Docker/);
  });

  test('podman 3: too old, v4 is needed', () => {
    const e = throwsXcross(() => checkApiVersion('3.4.2', '/s'), /speaks libpod API 3\.4\.2, older than the v4/);
    assert.match(e.fix ?? '', /4\.0 or newer/);
  });

  test('a header that is not a version is refused too', () => {
    throwsXcross(() => checkApiVersion('garbage', '/s'), /v4/);
  });

  test('podman 4 and 5 pass, and the version comes back', () => {
    assert.equal(checkApiVersion('4.3.1', '/s'), '4.3.1');
    assert.equal(checkApiVersion('4.0.0', '/s'), '4.0.0');
    assert.equal(checkApiVersion('5.0.0', '/s'), '5.0.0');
    assert.equal(checkApiVersion('10.1.0', '/s'), '10.1.0');
  });
});
