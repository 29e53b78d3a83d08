// The image cache's pieces without an engine: where the cache is, what a copy must carry, whose
// credentials libpod gets, where each image came from, and the archive format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { cacheRef, parseCacheLocation, tagOf } from '../../src/cache/location';
import { resolveCache } from '../../src/cache/settings';
import { INPUTS_LABEL, labelMismatch } from '../../src/cache/verify';
import { describeOrigin, readOrigins, recordOrigin } from '../../src/cache/origins';
import { readArchive, writeArchive } from '../../src/cache/archive';
import { expectedImages } from '../../src/cache/expected';
import { archiveRefusal } from '../../src/commands/image-transfer';
import { credentialsFor, registryAuthHeader } from '../../runtimes/registry-auth';
import { loadRegistry } from '../../src/targets/registry';
import { tempDir } from './helpers';

test('a cache location is <registry>/<prefix>; anything else is one sentence with the right spelling', () => {
  assert.deepEqual(parseCacheLocation('ghcr.io/acme/xcross/', 'X'), {
    text: 'ghcr.io/acme/xcross',
    registry: 'ghcr.io',
    prefix: 'acme/xcross',
  });
  assert.equal(parseCacheLocation('127.0.0.1:5443/team/xcross', 'X').registry, '127.0.0.1:5443');
  assert.equal(parseCacheLocation('localhost/xc', 'X').registry, 'localhost');
  assert.throws(
    () => parseCacheLocation('https://ghcr.io/acme', 'XCROSS_IMAGE_CACHE'),
    /has a scheme.*fix|has a scheme/,
  );
  assert.throws(() => parseCacheLocation('team/xcross', 'XCROSS_IMAGE_CACHE'), /does not start with a registry host/);
  assert.throws(() => parseCacheLocation('ghcr.io', 'XCROSS_IMAGE_CACHE'), /without a prefix/);
  assert.throws(
    () => parseCacheLocation('ghcr.io/Acme/x', 'XCROSS_IMAGE_CACHE'),
    /'Acme' is not a repository path component/,
  );
  assert.throws(
    () => parseCacheLocation('ghcr.io/acme/x:v1', 'XCROSS_IMAGE_CACHE'),
    /'x:v1' is not a repository path component/,
  );
  assert.throws(() => parseCacheLocation('host:99999/x', 'XCROSS_IMAGE_CACHE'), /registry host/);
});

test('the cache name of a local image keeps its name and its content tag', () => {
  const loc = parseCacheLocation('ghcr.io/acme/xcross', 'X');
  assert.equal(
    cacheRef(loc, 'localhost/xcross', 'localhost/xcross/aarch64-unknown-linux-gnu:59276ba5920d'),
    'ghcr.io/acme/xcross/aarch64-unknown-linux-gnu:59276ba5920d',
  );
  assert.throws(() => cacheRef(loc, 'localhost/xcross', 'docker.io/library/debian:12'), /internal/);
  assert.equal(tagOf('127.0.0.1:5443/a/b:abc'), 'abc');
  assert.equal(tagOf('127.0.0.1:5443/a/b'), 'latest');
});

test('cache settings: the environment over Cross.toml; --push needs a cache; the switch is 1 or 0', () => {
  const configured = { value: 'ghcr.io/from/config', file: 'Cross.toml' };
  assert.equal(
    resolveCache({ env: { XCROSS_IMAGE_CACHE: 'ghcr.io/from/env' }, configured }).location?.text,
    'ghcr.io/from/env',
  );
  assert.equal(resolveCache({ env: {}, configured }).location?.text, 'ghcr.io/from/config');
  assert.equal(resolveCache({ env: { XCROSS_IMAGE_CACHE: ' ' } }).location, undefined);
  assert.equal(resolveCache({ env: { XCROSS_IMAGE_CACHE: 'ghcr.io/a/b', XCROSS_IMAGE_CACHE_PUSH: '1' } }).push, true);
  assert.equal(resolveCache({ env: { XCROSS_IMAGE_CACHE: 'ghcr.io/a/b' }, pushFlag: true }).push, true);
  assert.throws(() => resolveCache({ env: {}, pushFlag: true }), /--push pushes to the image cache, and none is set/);
  assert.throws(() => resolveCache({ env: { XCROSS_IMAGE_CACHE_PUSH: '1' } }), /XCROSS_IMAGE_CACHE_PUSH=1 pushes/);
  assert.throws(
    () => resolveCache({ env: { XCROSS_IMAGE_CACHE: 'ghcr.io/a/b', XCROSS_IMAGE_CACHE_PUSH: 'maybe' } }),
    /XCROSS_IMAGE_CACHE_PUSH is 'maybe', which is neither 1 nor 0/,
  );
  assert.throws(
    () => resolveCache({ env: {}, configured: { value: 'nohost', file: '/w/Cross.toml' } }),
    /image-cache in \/w\/Cross\.toml is 'nohost'/,
  );
});

test('a copy is used only with every pinned label and its inputs digest; the first difference is said', () => {
  const expected = { 'io.xcross.gcc': '12.2.0', [INPUTS_LABEL]: 'abc' };
  assert.equal(labelMismatch({ ...expected, other: 'x' }, expected), undefined);
  assert.equal(
    labelMismatch({ [INPUTS_LABEL]: 'abc', 'io.xcross.gcc': '10.2.1' }, expected),
    'its io.xcross.gcc is 10.2.1, this xcross pins 12.2.0',
  );
  assert.equal(
    labelMismatch({ [INPUTS_LABEL]: 'abc' }, expected),
    'it has no io.xcross.gcc label, this xcross pins 12.2.0',
  );
  assert.match(
    labelMismatch({ 'io.xcross.gcc': '12.2.0' }, expected)!,
    /no io\.xcross\.inputs label \(an older xcross built it\)/,
  );
  assert.match(
    labelMismatch({ 'io.xcross.gcc': '12.2.0', [INPUTS_LABEL]: 'zzz' }, expected)!,
    /inputs digest is zzz, not abc/,
  );
});

test("libpod gets the credentials the engine stored: REGISTRY_AUTH_FILE first, the longest key, docker's file last", () => {
  const files: Record<string, string> = {
    '/auth/custom.json': JSON.stringify({
      auths: {
        'reg.example:5000/team': { auth: Buffer.from('team:pw1').toString('base64') },
        'reg.example:5000': { auth: Buffer.from('all:pw2').toString('base64') },
      },
    }),
    '/run/u/containers/auth.json': JSON.stringify({
      auths: { 'ghcr.io': { auth: Buffer.from('gh:tok:en').toString('base64') } },
    }),
    '/h/.docker/config.json': JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('d:pw').toString('base64') },
        'quay.io': { username: 'q', password: 'qp' },
      },
      credsStore: 'desktop',
    }),
  };
  const read = (f: string) => files[f];
  const env = { REGISTRY_AUTH_FILE: '/auth/custom.json', XDG_RUNTIME_DIR: '/run/u', HOME: '/h' };
  assert.deepEqual(credentialsFor('reg.example:5000/team/xcross/base:1', env, read), {
    username: 'team',
    password: 'pw1',
  });
  assert.deepEqual(credentialsFor('reg.example:5000/other/x:1', env, read), { username: 'all', password: 'pw2' });
  assert.deepEqual(credentialsFor('ghcr.io/acme/x:1', env, read), { username: 'gh', password: 'tok:en' });
  assert.deepEqual(credentialsFor('index.docker.io/library/x:1', env, read), { username: 'd', password: 'pw' });
  assert.deepEqual(credentialsFor('quay.io/a/b:c', env, read), { username: 'q', password: 'qp' });
  assert.equal(credentialsFor('reg.example:50001/x:1', env, read), undefined);
  assert.equal(credentialsFor('elsewhere.io/x:1', env, read), undefined);
  const header = JSON.parse(
    Buffer.from(registryAuthHeader({ username: 'u', password: 'p' }), 'base64').toString(),
  ) as unknown;
  assert.deepEqual(header, { username: 'u', password: 'p' });
});

test('origins: recorded per image ID, read back, unknown ones are "here"; a broken file is no record', () => {
  const dir = tempDir();
  recordOrigin(dir, 'sha256:aaa', { how: 'built' });
  recordOrigin(dir, 'bbb', { how: 'pulled', from: 'ghcr.io/acme/xcross' });
  recordOrigin(dir, 'ccc', { how: 'loaded', from: '/tmp/x.tar' });
  const o = readOrigins(dir);
  assert.equal(describeOrigin(o.get('aaa')), 'built here');
  assert.equal(describeOrigin(o.get('bbb')), 'pulled from ghcr.io/acme/xcross');
  assert.equal(describeOrigin(o.get('ccc')), 'loaded from /tmp/x.tar');
  assert.equal(describeOrigin(o.get('ddd')), 'here');
  fs.writeFileSync(path.join(dir, 'image-origins.json'), '{not json');
  assert.equal(readOrigins(dir).size, 0);
});

/** A docker-archive as an engine's save writes it: layers uncompressed, a config, manifest.json last. */
async function engineArchive(names: string[], labels: Record<string, string>): Promise<Buffer> {
  const pack = (require('tar-stream') as typeof import('tar-stream')).pack();
  const layer = Buffer.alloc(300_000, 7);
  pack.entry({ name: 'aaa.tar', size: layer.length }, layer);
  const config = JSON.stringify({ config: { Labels: labels }, rootfs: { type: 'layers', diff_ids: ['sha256:aaa'] } });
  pack.entry({ name: 'cafe.json' }, config);
  pack.entry(
    { name: 'manifest.json' },
    JSON.stringify([{ Config: 'cafe.json', RepoTags: names, Layers: ['aaa.tar'] }]),
  );
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('an archive: layers gzip-compressed inside the tar, read back whole; truncated or incomplete ones are refused', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'images.tar');
  let layers = 0;
  const bytes = await writeArchive(Readable.from([await engineArchive(['localhost/xcross/x:1'], { a: 'b' })]), file, {
    layer: () => {
      layers++;
    },
  });
  assert.equal(layers, 1);
  assert.equal(bytes, fs.statSync(file).size);
  assert.ok(bytes < 300_000, `the layer was not compressed (${bytes} bytes)`);
  assert.deepEqual(fs.readdirSync(dir), ['images.tar'], 'a temporary file was left');
  const images = await readArchive(file);
  assert.deepEqual(images, [{ id: 'cafe', names: ['localhost/xcross/x:1'], labels: { a: 'b' } }]);
  // The layer inside is a gzip stream.
  const extract = (require('tar-stream') as typeof import('tar-stream')).extract();
  Readable.from([fs.readFileSync(file)]).pipe(extract);
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    if (e.header.name === 'aaa.tar') assert.equal(zlib.gunzipSync(Buffer.concat(chunks)).length, 300_000);
  }
  const cut = path.join(dir, 'cut.tar');
  fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 700));
  await assert.rejects(readArchive(cut), /cut\.tar is damaged or truncated/);
  const plain = path.join(dir, 'plain.tar');
  fs.writeFileSync(plain, await engineArchive(['n:1'], {}));
  assert.equal((await readArchive(plain)).length, 1, "an engine's own uncompressed archive is read too");
  await assert.rejects(readArchive(path.join(dir, 'missing.tar')), /cannot read/);
  await assert.rejects(
    writeArchive(Readable.from([await engineArchive(['n:1'], {})]), path.join(dir, 'no', 'such', 'dir.tar'), {
      layer: () => {},
    }),
    /cannot write/,
  );
  await assert.rejects(
    writeArchive(Readable.from([Buffer.from('x')]), path.join(dir, 'short.tar'), { layer: () => {} }),
    /the engine's archive stream broke off/,
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('short')),
    [],
  );
});

test('an archived image loads only when it is an image this xcross builds, labels and all', () => {
  const registry = loadRegistry();
  const expected = expectedImages(registry);
  const target = [...expected.values()].find((e) => e.kind === 'target')!;
  assert.equal(archiveRefusal({ id: '1', names: [target.ref], labels: target.labels }, expected), undefined);
  assert.match(
    archiveRefusal({ id: '1', names: [target.ref], labels: { ...target.labels, 'io.xcross.gcc': '1.0' } }, expected)!,
    /its io\.xcross\.gcc is 1\.0/,
  );
  assert.match(
    archiveRefusal(
      { id: '1', names: [`${target.ref.replace(/:.*/, '')}:000000000000`], labels: target.labels },
      expected,
    )!,
    /this xcross builds .* instead/,
  );
  assert.match(
    archiveRefusal({ id: '1', names: ['docker.io/library/debian:12'], labels: {} }, expected)!,
    /not one of the images this xcross builds/,
  );
  assert.equal(
    archiveRefusal(
      {
        id: '1',
        names: ['localhost/xcross/custom-t:abc'],
        labels: { 'io.xcross.custom': 'true', [INPUTS_LABEL]: 'abc' },
      },
      expected,
    ),
    undefined,
  );
  assert.match(archiveRefusal({ id: '1', names: [], labels: {} }, expected)!, /no name/);
});

test('the engine\'s sentence: its last complaint, without "Error: " or logrus dressing; none when it did not complain', async () => {
  const { engineSentence } = await import('../../runtimes/engine-sentence');
  assert.equal(
    engineSentence([
      'Trying to pull r/x:1...',
      'Error: initializing source docker://r/x:1: reading manifest 1 in r/x: manifest unknown: manifest unknown',
    ]),
    'initializing source docker://r/x:1: reading manifest 1 in r/x: manifest unknown: manifest unknown',
  );
  assert.equal(
    engineSentence(['time="2026-12-01T19:00:00Z" level=error msg="x509: certificate signed by unknown authority"']),
    'x509: certificate signed by unknown authority',
  );
  assert.equal(engineSentence(['Getting image source signatures', 'Writing manifest to image destination']), undefined);
});

test('image push --all: every current image that carries its inputs digest; the others are named with the rebuild that fixes them', async () => {
  const { pushImages } = await import('../../src/commands/image-transfer');
  const registry = loadRegistry();
  const expected = [...expectedImages(registry).values()];
  const good = expected.filter((e) => e.kind !== 'target' || e.target?.triple === 'x86_64-unknown-linux-gnu');
  const stale = expected.find((e) => e.target?.triple === 'aarch64-unknown-linux-gnu')!;
  const { [INPUTS_LABEL]: _inputs, ...staleLabels } = stale.labels;
  const here = new Map<string, Record<string, string>>([
    ...good.map((e) => [e.ref, e.labels] as const),
    [stale.ref, staleLabels],
  ]);
  const pushed: string[] = [];
  const said: string[] = [];
  const runtime = {
    imageExists: async (ref: string) => here.has(ref),
    imageLabels: async (ref: string) => here.get(ref)!,
    push: async (_ref: string, dest: string) => {
      pushed.push(dest);
    },
  } as unknown as import('../../runtimes/runtime').Runtime;
  const log = {
    info: (m: string) => said.push(m),
    warn: () => {},
    debug: () => {},
    command: () => {},
    verbose: 0,
  } as unknown as import('../../src/base/log').Logger;
  const settings = { location: parseCacheLocation('127.0.0.1:5443/team/xcross', 'X'), push: false };
  const out = await pushImages(
    { runtime, log, tty: false, cacheDir: tempDir(), settings, localPrefix: registry.base.imagePrefix },
    registry,
    [],
    true,
  );
  assert.deepEqual(out.sort(), good.map((e) => cacheRef(settings.location, registry.base.imagePrefix, e.ref)).sort());
  assert.deepEqual(said, [
    `not pushing ${stale.ref}: it has no io.xcross.inputs label (an older xcross built it) (\`xcross image build --force --target aarch64-unknown-linux-gnu\` rebuilds it)`,
  ]);
});
