// The pure pieces of the API client: query strings and the engine's sentence from an error body.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage, queryString } from '../../runtimes/podman-api/client';

describe('queryString', () => {
  test('nothing, or only undefined values, gives no query at all', () => {
    assert.equal(queryString(), '');
    assert.equal(queryString({}), '');
    assert.equal(queryString({ a: undefined }), '');
  });

  test('scalars in order; undefined skipped; numbers and booleans as text', () => {
    assert.equal(
      queryString({ t: 'x:1', skip: undefined, timeout: 10, force: true, v: false }),
      '?t=x%3A1&timeout=10&force=true&v=false',
    );
  });

  test('an array repeats the key, once per value', () => {
    assert.equal(queryString({ label: ['a=1', 'b=2'], q: 'z' }), '?label=a%3D1&label=b%3D2&q=z');
    assert.equal(queryString({ label: [] }), '', 'an empty array adds nothing');
  });

  test('keys and values are URL-encoded', () => {
    assert.equal(queryString({ 'a b': 'c&d=e/f?g#h', u: 'ü €' }), '?a%20b=c%26d%3De%2Ff%3Fg%23h&u=%C3%BC%20%E2%82%AC');
    assert.equal(
      queryString({ buildargs: JSON.stringify({ A: '1' }) }),
      `?buildargs=${encodeURIComponent('{"A":"1"}')}`,
    );
  });
});

describe('errorMessage', () => {
  test('a libpod error body: its message', () => {
    const body = JSON.stringify({
      cause: 'no such container',
      message: 'no container with name or ID "x" found: no such container',
      response: 404,
    });
    assert.equal(errorMessage(body), 'no container with name or ID "x" found: no such container');
  });

  test('a body with only a cause: the cause', () => {
    assert.equal(errorMessage(JSON.stringify({ cause: 'image not known', response: 404 })), 'image not known');
  });

  test('text that is not JSON: its first line, trimmed', () => {
    assert.equal(errorMessage('  502 Bad Gateway\nmore detail\n'), '502 Bad Gateway');
    assert.equal(errorMessage('plain'), 'plain');
    assert.equal(errorMessage(''), '');
  });

  test('JSON without a usable message or cause falls back to the text', () => {
    assert.equal(errorMessage('{"response":500}'), '{"response":500}');
    assert.equal(errorMessage('{"message":42}'), '{"message":42}');
    assert.equal(errorMessage('null'), 'null');
  });
});
