// Where a key sits in a TOML text, for errors that say file:line:col. @iarna/toml reports positions
// for syntax errors only; this finds a key by walking table headers and `key =` lines, and answers
// the nearest ancestor it can find when the exact key is inside an inline table or array.

export interface Position {
  line: number;
  col: number;
}

export function locateKey(text: string, keyPath: string[]): Position | undefined {
  const lines = text.split('\n');
  let table: string[] = [];
  let best: Position | undefined;
  let bestDepth = -1;
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      table = splitDotted(header[1]);
      const depth = matchDepth(table, keyPath);
      if (depth === table.length && depth > bestDepth) {
        best = { line: i + 1, col: raw.indexOf('[') + 1 };
        bestDepth = depth;
      }
      return;
    }
    const assign = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=/.exec(
      line,
    );
    if (!assign) return;
    const full = [...table, ...splitDotted(assign[1])];
    const depth = matchDepth(full, keyPath);
    if (depth === full.length && depth > bestDepth) {
      best = { line: i + 1, col: raw.length - line.length + 1 };
      bestDepth = depth;
    }
  });
  return best;
}

function splitDotted(s: string): string[] {
  const out: string[] = [];
  const re = /\s*("([^"]*)"|'([^']*)'|[^.\s]+)\s*(\.|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null && m[0] !== '') out.push(m[2] ?? m[3] ?? m[1]);
  return out;
}

/** How many leading parts of `path` equal `key`'s; `path.length` when `path` is a prefix of `key`. */
function matchDepth(path: string[], key: string[]): number {
  let i = 0;
  while (i < path.length && i < key.length && path[i] === key[i]) i++;
  return i === path.length ? i : -1;
}
