// The attach stream's frames: 8-byte headers and payloads, split across reads at any byte, come out
// per stream in order; a header that is not one is refused; `clean` says whether it ended between frames.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDemuxer, type StreamId } from '../../runtimes/podman-api/frames';

function frame(stream: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A demuxer that records what it emits: per stream, and in the order of emission. */
function recorder() {
  const chunks: Record<StreamId, Buffer[]> = { 0: [], 1: [], 2: [] };
  const order: StreamId[] = [];
  const d = new FrameDemuxer((stream, payload) => {
    chunks[stream].push(Buffer.from(payload));
    if (order[order.length - 1] !== stream) order.push(stream);
  });
  const text = (s: StreamId) => Buffer.concat(chunks[s]).toString();
  const bytes = (s: StreamId) => Buffer.concat(chunks[s]);
  return { d, chunks, order, text, bytes };
}

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// stdout, stderr, an empty stdout frame, stdout, stdin (id 0), an empty stderr frame, stderr.
const FRAMES: [StreamId, string][] = [
  [1, 'hello '],
  [2, 'warn: x\n'],
  [1, ''],
  [1, 'world\n'],
  [0, 'in'],
  [2, ''],
  [2, 'done\n'],
];
const INPUT = Buffer.concat(FRAMES.map(([s, p]) => frame(s, p)));
/** Byte offsets where one frame ends and the next begins (and 0 and the end). */
const BOUNDARIES = new Set<number>([0]);
{
  let at = 0;
  for (const [, p] of FRAMES) BOUNDARIES.add((at += 8 + Buffer.byteLength(p)));
}

function assertWhole(r: ReturnType<typeof recorder>, where: string): void {
  assert.equal(r.text(1), 'hello world\n', where);
  assert.equal(r.text(2), 'warn: x\ndone\n', where);
  assert.equal(r.text(0), 'in', where);
  // Non-empty payloads come out in the order of their frames (stdout, stderr, stdout, stdin, stderr).
  assert.deepEqual(r.order, [1, 2, 1, 0, 2], where);
  assert.equal(r.d.clean, true, where);
}

describe('FrameDemuxer', () => {
  test('the whole input in one push', () => {
    const r = recorder();
    r.d.push(INPUT);
    assertWhole(r, 'one push');
  });

  test('split in two at every byte position: same bytes per stream, same order; clean only between frames', () => {
    for (let i = 0; i <= INPUT.length; i++) {
      const r = recorder();
      r.d.push(INPUT.subarray(0, i));
      assert.equal(r.d.clean, BOUNDARIES.has(i), `clean after the first ${i} bytes`);
      r.d.push(INPUT.subarray(i));
      assertWhole(r, `split at ${i}`);
    }
  });

  test('split in three at every pair of positions', () => {
    for (let i = 0; i <= INPUT.length; i++) {
      for (let j = i; j <= INPUT.length; j++) {
        const r = recorder();
        r.d.push(INPUT.subarray(0, i));
        r.d.push(INPUT.subarray(i, j));
        r.d.push(INPUT.subarray(j));
        assertWhole(r, `split at ${i} and ${j}`);
      }
    }
  });

  test('one byte at a time', () => {
    const r = recorder();
    for (let i = 0; i < INPUT.length; i++) r.d.push(INPUT.subarray(i, i + 1));
    assertWhole(r, 'byte by byte');
  });

  test('an empty push changes nothing', () => {
    const r = recorder();
    r.d.push(Buffer.alloc(0));
    assert.equal(r.d.clean, true);
    r.d.push(INPUT.subarray(0, 3));
    r.d.push(Buffer.alloc(0));
    r.d.push(INPUT.subarray(3));
    assertWhole(r, 'with empty pushes');
  });

  test('zero-length frames emit nothing and leave the demuxer clean', () => {
    const r = recorder();
    r.d.push(Buffer.concat([frame(1, ''), frame(2, ''), frame(0, '')]));
    assert.equal(r.chunks[0].length + r.chunks[1].length + r.chunks[2].length, 0);
    assert.equal(r.d.clean, true);
    // A zero-length frame between payload frames does not join or split their bytes wrongly.
    r.d.push(Buffer.concat([frame(1, 'a'), frame(1, ''), frame(1, 'b')]));
    assert.equal(r.text(1), 'ab');
    assert.equal(r.d.clean, true);
  });

  test('a 3 MB frame pushed in random-sized chunks arrives intact, streamed rather than held whole', () => {
    const rand = prng(0x5eed);
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rand() * 256);
    const input = Buffer.concat([frame(2, 'before\n'), frame(1, big), frame(2, 'after\n')]);
    const r = recorder();
    let at = 0;
    let seenHalfway = -1;
    while (at < input.length) {
      const n = 1 + Math.floor(rand() * 100_000);
      r.d.push(input.subarray(at, at + n));
      at += n;
      if (seenHalfway < 0 && at >= input.length / 2) seenHalfway = r.bytes(1).length;
    }
    assert.ok(r.bytes(1).equals(big), "stdout bytes differ from the frame's payload");
    assert.equal(r.text(2), 'before\nafter\n');
    assert.deepEqual(r.order, [2, 1, 2]);
    assert.ok(seenHalfway > 0, 'payload bytes should be emitted as they arrive, before the frame is complete');
    assert.ok(r.chunks[1].length > 1, 'a large frame pushed in pieces is emitted in pieces');
    assert.equal(r.d.clean, true);
  });

  test('a bad header throws: a stream id above 2, or non-zero padding bytes', () => {
    const bad = (mutate: (h: Buffer) => void) => {
      const f = frame(1, 'x');
      mutate(f);
      return f;
    };
    assert.throws(
      () =>
        new FrameDemuxer(() => {}).push(
          bad((h) => {
            h[0] = 3;
          }),
        ),
      /bad frame header/,
    );
    assert.throws(
      () =>
        new FrameDemuxer(() => {}).push(
          bad((h) => {
            h[1] = 1;
          }),
        ),
      /bad frame header/,
    );
    assert.throws(
      () =>
        new FrameDemuxer(() => {}).push(
          bad((h) => {
            h[3] = 0xff;
          }),
        ),
      /bad frame header/,
    );
    // Plain text where a header should be (e.g. a TTY stream read as frames).
    assert.throws(() => new FrameDemuxer(() => {}).push(Buffer.from('hello, world\n')), /bad frame header/);
  });

  test('a bad header split across pushes throws once it is complete; frames before it were delivered', () => {
    const r = recorder();
    const input = Buffer.concat([frame(1, 'ok'), Buffer.from([7, 0, 0, 0, 0, 0, 0, 1, 0x41])]);
    r.d.push(input.subarray(0, 13));
    assert.equal(r.text(1), 'ok');
    assert.throws(() => r.d.push(input.subarray(13)), /bad frame header 07000000/);
  });

  test('clean: true when empty and between frames; false inside a header or a payload', () => {
    const r = recorder();
    assert.equal(r.d.clean, true);
    const f = frame(1, 'abc');
    r.d.push(f.subarray(0, 3));
    assert.equal(r.d.clean, false, 'inside a header');
    r.d.push(f.subarray(3, 8));
    assert.equal(r.d.clean, false, 'header read, payload pending');
    r.d.push(f.subarray(8, 10));
    assert.equal(r.d.clean, false, 'inside a payload');
    r.d.push(f.subarray(10));
    assert.equal(r.d.clean, true, 'frame complete');
    assert.equal(r.text(1), 'abc');
  });
});
