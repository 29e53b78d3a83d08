// The attach stream without a TTY: frames of an 8-byte header (stream id; 3 zero bytes; big-endian
// payload length) and the payload. Headers and payloads arrive split across reads at any byte.

export type StreamId = 0 | 1 | 2;

export class FrameDemuxer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Header of the frame being read, once its 8 bytes are in. */
  private current: { stream: StreamId; remaining: number } | undefined;

  constructor(private readonly emit: (stream: StreamId, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    while (buf.length > 0) {
      if (this.current) {
        // Payload bytes go out as they come: a 10 MB frame never sits in memory whole.
        const n = Math.min(this.current.remaining, buf.length);
        this.emit(this.current.stream, buf.subarray(0, n));
        this.current.remaining -= n;
        buf = buf.subarray(n);
        if (this.current.remaining === 0) this.current = undefined;
        continue;
      }
      const need = 8 - this.pendingBytes;
      const take = buf.subarray(0, need);
      this.pending.push(take);
      this.pendingBytes += take.length;
      buf = buf.subarray(take.length);
      if (this.pendingBytes < 8) return;
      const header = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      const stream = header[0];
      if (stream > 2 || header[1] !== 0 || header[2] !== 0 || header[3] !== 0) {
        throw new Error(`attach stream: bad frame header ${header.toString('hex')}`);
      }
      const remaining = header.readUInt32BE(4);
      if (remaining > 0) this.current = { stream: stream as StreamId, remaining };
    }
  }

  /** True when the stream ended between frames, as it should. */
  get clean(): boolean {
    return this.current === undefined && this.pendingBytes === 0;
  }
}
