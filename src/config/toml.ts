// Typed reading of TOML: parse errors and wrong types name the file, the key and, where the text is
// known, the line and column.
import * as fs from 'node:fs';
import { XcrossError } from '../base/errors';
import { locateKey } from './toml-locate';
import { doubleQuoted, tomlKey } from '../ui/quote';

export type TomlTable = { [key: string]: unknown };

export function parseTomlFile(file: string): TomlTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new XcrossError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  return parseTomlText(text, file);
}

export function parseTomlText(text: string, file: string): TomlTable {
  refuseInheritedTables(text, file);
  // Loaded here, not at start-up: the parser is the heaviest thing a plain build needs.
  const toml = require('@iarna/toml') as { parse(s: string): TomlTable };
  let table: TomlTable;
  try {
    table = toml.parse(text);
  } catch (e) {
    const err = e as { line?: number; col?: number; message?: string };
    const where = err.line !== undefined ? `${file}:${err.line + 1}:${(err.col ?? 0) + 1}` : file;
    const reason = String(err.message ?? e)
      .split('\n')[0]
      .replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    throw new XcrossError(`${where}: invalid TOML: ${reason}`, { fix: `fix the syntax of ${file} at that line` });
  }
  // What the line scan above cannot see (an inline table's dotted key): a JavaScript function as a value.
  if (holdsFunction(table))
    throw new XcrossError(
      `${file}: a table is named like a JavaScript object's own property (constructor, toString, ...)`,
      { fix: `rename that key in ${file}` },
    );
  return table;
}

function holdsFunction(v: unknown, depth = 0): boolean {
  if (typeof v === 'function') return true;
  if (depth > 100 || typeof v !== 'object' || v === null) return false;
  return Object.values(v).some((x) => holdsFunction(x, depth + 1));
}

// @iarna/toml walks a table path with plain property reads, so `[target.constructor]` descends into
// Object itself (and `a = 1` under it sets Object.a for the whole process). A table path through a
// name every JavaScript object inherits is refused before parsing.
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));
const SEGMENT = /\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.?)/y;

function refuseInheritedTables(text: string, file: string): void {
  if (![...INHERITED].some((n) => text.includes(n))) return;
  text.split('\n').forEach((line, i) => {
    const header = /^\s*\[\[?/.exec(line);
    const eq = line.indexOf('=');
    if (!header && eq < 0) return;
    SEGMENT.lastIndex = header ? header[0].length : 0;
    let m: RegExpExecArray | null;
    while ((m = SEGMENT.exec(line)) !== null) {
      // The last part of `a.b.c = 1` is a plain key (an own property); every header part is a table.
      if (!header && m[2] !== '.') break;
      const part = m[1].startsWith('"') ? unquote(m[1]) : m[1].replace(/^'|'$/g, '');
      if (INHERITED.has(part)) {
        throw new XcrossError(`${file}:${i + 1}:${line.indexOf(m[1]) + 1}: a table named ${part} is not supported`, {
          fix: `write it as one key with an inline table, ${part} = { ... }, in ${file}`,
        });
      }
      if (m[2] !== '.') break;
    }
  });
}

function unquote(s: string): string {
  try {
    return JSON.parse(s) as string;
  } catch {
    return s.slice(1, -1);
  }
}

/** Where a table came from: the file, and (to say line:col) its text and where the table sits in it. */
export interface TomlOrigin {
  file: string;
  text?: string;
  /** The keys above what is read ([] for a whole file; ['package','metadata','cross'] in Cargo.toml). */
  base?: string[];
}

/**
 * The one typed reader of TOML (targets.toml, Cross.toml, Cargo metadata): a view on one table that
 * knows where it came from, so that a wrong type says `file[:line:col]: full.key must be ..., not ...`.
 */
export class TomlReader {
  readonly origin: TomlOrigin;

  constructor(
    readonly table: TomlTable,
    origin: TomlOrigin | string,
    readonly path: string[] = [],
  ) {
    this.origin = typeof origin === 'string' ? { file: origin } : origin;
  }

  /** file:line:col of the key (or of this table) when the text is known, else the file. */
  where(key?: string): string {
    const { file, text, base = [] } = this.origin;
    const pos =
      text === undefined ? undefined : locateKey(text, [...base, ...this.path, ...(key === undefined ? [] : [key])]);
    return pos ? `${file}:${pos.line}:${pos.col}` : file;
  }

  /** The key's full dotted name, from the file's root. */
  name(key?: string): string {
    return tomlKey([...(this.origin.base ?? []), ...this.path, ...(key === undefined ? [] : [key])]);
  }

  has(key: string): boolean {
    return this.table[key] !== undefined;
  }

  keys(): string[] {
    return Object.keys(this.table);
  }

  /** The value as it is, for keys that take more than one type. */
  raw(key: string): unknown {
    return this.table[key];
  }

  optString(key: string): string | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(key, 'a string', v);
    return v;
  }

  string(key: string): string {
    const v = this.optString(key);
    if (v === undefined)
      throw new XcrossError(`${this.where(key)}: ${this.name(key)} is missing`, { fix: `add ${key} = "..."` });
    return v;
  }

  optBool(key: string): boolean | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  optStringArray(key: string): string[] | undefined {
    return this.table[key] === undefined ? undefined : this.stringArray(key);
  }

  stringArray(key: string): string[] {
    const v = this.table[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(key, 'an array of strings', v);
    return v as string[];
  }

  optTable(key: string): TomlReader | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (!isTable(v)) this.fail(key, 'a table', v);
    return new TomlReader(v, this.origin, [...this.path, key]);
  }

  /** A wrong (or missing) value: the error names the place, the key, what it must be and what it is. */
  fail(key: string, want: string, got: unknown): never {
    throw new XcrossError(`${this.where(key)}: ${this.name(key)} must be ${want}, not ${describe(got)}`, {
      fix: `correct that value in ${this.origin.file}`,
    });
  }
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return typeof v === 'string' ? `string ${doubleQuoted(v)}` : `${typeof v} ${JSON.stringify(v)}`;
}
