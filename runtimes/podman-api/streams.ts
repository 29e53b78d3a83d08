// The JSON-lines bodies of libpod's build and pull: one object per line, split across chunks anywhere.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface ProgressObject {
  stream?: string;
  error?: string;
  /** pull: the image IDs once done. */
  images?: string[];
  id?: string;
}

/** Feeds each object of the body to `onObject`; a line that is not JSON is passed on as text. */
export async function readJsonLines(
  body: Readable & AsyncIterable<Buffer>,
  onObject: (o: ProgressObject) => void,
): Promise<void> {
  let rest = '';
  // A chunk may end inside a multi-byte character: the decoder keeps the partial bytes for the next.
  const decoder = new StringDecoder('utf8');
  const handle = (line: string) => {
    if (!line.trim()) return;
    try {
      onObject(JSON.parse(line) as ProgressObject);
    } catch {
      onObject({ stream: `${line}\n` });
    }
  };
  for await (const chunk of body) {
    rest += decoder.write(chunk);
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      handle(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  }
  handle(rest + decoder.end());
}

/** Build output arrives in pieces of lines: this turns `stream` texts into whole lines. */
export function lineSplitter(onLine: (line: string) => void): { push(text: string): void; flush(): void } {
  let rest = '';
  return {
    push(text) {
      rest += text;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl).replace(/\r$/, ''));
        rest = rest.slice(nl + 1);
      }
    },
    flush() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}
