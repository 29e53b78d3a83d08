// The JSON-lines bodies of build and pull, split across chunks anywhere; build text turned into lines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { lineSplitter, readJsonLines, type ProgressObject } from '../../runtimes/podman-api/streams';

/** A body that yields `text` cut at the given offsets. */
function body(text: string, cuts: number[]): Readable {
  const buf = Buffer.from(text);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, buf.length]) {
    pieces.push(buf.subarray(at, c));
    at = c;
  }
  return Readable.from(pieces);
}

async function objects(b: Readable): Promise<ProgressObject[]> {
  const out: ProgressObject[] = [];
  await readJsonLines(b, (o) => out.push(o));
  return out;
}

const BUILD = [
  { stream: 'STEP 1/2: FROM scratch\n' },
  { stream: 'STEP 2/2: RUN true\n' },
  { error: 'something failed' },
  { images: ['sha256:abc'], id: 'abc' },
];
const TEXT = BUILD.map((o) => JSON.stringify(o)).join('\n') + '\n';

describe('readJsonLines', () => {
  test('one object per line, in one chunk', async () => {
    assert.deepEqual(await objects(body(TEXT, [])), BUILD);
  });

  test('objects split across chunks at every position', async () => {
    for (let i = 0; i <= TEXT.length; i++) {
      assert.deepEqual(await objects(body(TEXT, [i])), BUILD, `cut at ${i}`);
    }
  });

  test('one byte per chunk', async () => {
    const cuts = Array.from({ length: TEXT.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(await objects(body(TEXT, cuts)), BUILD);
  });

  test('non-ASCII text survives chunks cut at every character boundary', async () => {
    const text = `${JSON.stringify({ stream: 'Compiling café ✓\n' })}\n${JSON.stringify({ stream: 'ok' })}\n`;
    const want = [{ stream: 'Compiling café ✓\n' }, { stream: 'ok' }];
    let at = 0;
    for (const ch of text) {
      assert.deepEqual(await objects(body(text, [at])), want, `cut at byte ${at}`);
      at += Buffer.byteLength(ch);
    }
  });

  test('a last line without a newline still counts; blank lines are skipped', async () => {
    assert.deepEqual(await objects(body('\n{"stream":"a"}\n\n  \n{"stream":"b"}', [3])), [
      { stream: 'a' },
      { stream: 'b' },
    ]);
    assert.deepEqual(await objects(body('', [])), []);
  });

  test('a line that is not JSON is passed on as text, with its newline', async () => {
    const got = await objects(body('{"stream":"x\\n"}\nError: not json at all\n{"stream":"y"}\n', [20, 25]));
    assert.deepEqual(got, [{ stream: 'x\n' }, { stream: 'Error: not json at all\n' }, { stream: 'y' }]);
  });
});

describe('lineSplitter', () => {
  function collect() {
    const lines: string[] = [];
    return { lines, s: lineSplitter((l) => lines.push(l)) };
  }

  test('partial texts are joined into whole lines', () => {
    const { lines, s } = collect();
    s.push('Compi');
    assert.deepEqual(lines, []);
    s.push('ling foo\nCompiling b');
    assert.deepEqual(lines, ['Compiling foo']);
    s.push('ar\n\nFinished\n');
    assert.deepEqual(lines, ['Compiling foo', 'Compiling bar', '', 'Finished']);
  });

  test('CRLF endings lose their CR', () => {
    const { lines, s } = collect();
    s.push('a\r\nb\r');
    s.push('\n');
    assert.deepEqual(lines, ['a', 'b']);
  });

  test('flush hands over the unterminated rest once; nothing when empty', () => {
    const { lines, s } = collect();
    s.push('done\ntail');
    s.flush();
    assert.deepEqual(lines, ['done', 'tail']);
    s.flush();
    assert.deepEqual(lines, ['done', 'tail'], 'a second flush adds nothing');
    s.push('next\n');
    assert.deepEqual(lines, ['done', 'tail', 'next'], 'the rest does not come back after a flush');
  });
});
