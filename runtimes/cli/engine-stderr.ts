// The engine's stderr on its way to ours.
import type { CliFlavor } from './flavor';

/**
 * The engine's stderr passes through as it comes, except its own errors from before the container
 * started that xcross answers better: "image not known" (xcross builds the image) and a command
 * that is not in the image (xcross says so in one sentence).
 */
export function holdEngineErrors(
  stream: NodeJS.ReadableStream,
  flavor: CliFlavor,
): { held: string; kind?: 'image' | 'command'; ended: Promise<void>; flush(): void } {
  const state: { held: string; kind?: 'image' | 'command'; ended: Promise<void>; flush(): void } = {
    held: '',
    ended: Promise.resolve(),
    flush: () => {},
  };
  // Decided on the first complete line: a short write can arrive in pieces.
  let first: string | undefined = '';
  const decide = () => {
    const line = first ?? '';
    first = undefined;
    state.kind = flavor.imageUnknown.test(line) ? 'image' : flavor.commandNotFound.test(line) ? 'command' : undefined;
    if (state.kind) state.held = line;
    else process.stderr.write(line);
  };
  state.flush = () => {
    if (state.held) process.stderr.write(state.held);
    state.held = '';
  };
  state.ended = new Promise((resolve) =>
    stream.on('end', () => {
      if (first !== undefined) decide();
      resolve();
    }),
  );
  stream.on('data', (d: Buffer) => {
    if (first === undefined) {
      if (state.kind) state.held += d.toString();
      else process.stderr.write(d);
      return;
    }
    first += d.toString();
    if (first.includes('\n')) decide();
  });
  return state;
}
