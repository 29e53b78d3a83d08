// What the user typed, shown inside a one-line message: line breaks, control and bidi characters
// escaped and a long value cut, so an error stays one readable sentence whatever came in.
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const MAX = 60;

function escaped(v: string): string {
  const chars = Array.from(v);
  const cut = chars.length > MAX ? `${chars.slice(0, MAX).join('')}... (${chars.length} characters)` : v;
  return cut.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** A value in single quotes: `'aarch64-linux'`. */
export function quoted(v: string): string {
  return `'${escaped(v)}'`;
}

/** A value in double quotes, as TOML and JSON write a string: `"A"`. */
export function doubleQuoted(v: string): string {
  return `"${escaped(v.replace(/["\\]/g, '\\$&'))}"`;
}

/** A dotted TOML key as TOML writes it: bare parts plain, others in double quotes. */
export function tomlKey(parts: string[]): string {
  return parts.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? escaped(p) : doubleQuoted(p))).join('.');
}
