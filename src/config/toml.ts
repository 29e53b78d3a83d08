// Typed reading of TOML: parse errors and wrong types name the file, the key and (for syntax) the line.
import * as fs from 'node:fs';
import { XcrossError } from '../base/errors';

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
    const reason = String(err.message ?? e).split('\n')[0].replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    throw new XcrossError(`${where}: invalid TOML: ${reason}`, { fix: `fix the syntax of ${file} at that line` });
  }
  // What the line scan above cannot see (an inline table's dotted key): a JavaScript function as a value.
  if (holdsFunction(table)) throw new XcrossError(`${file}: a table is named like a JavaScript object's own property (constructor, toString, ...)`, { fix: `rename that key in ${file}` });
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

/** A view on one table that knows where it came from, so type errors say `file: key`. */
export class TomlReader {
  constructor(readonly table: TomlTable, readonly file: string, readonly prefix = '') {}

  private where(key: string): string {
    return `${this.file}: ${this.prefix}${key}`;
  }

  has(key: string): boolean {
    return this.table[key] !== undefined;
  }

  keys(): string[] {
    return Object.keys(this.table);
  }

  optString(key: string): string | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.typeError(key, 'a string', v);
    return v;
  }

  string(key: string): string {
    const v = this.optString(key);
    if (v === undefined) throw new XcrossError(`${this.where(key)} is missing`, { fix: `add ${key} = "..."` });
    return v;
  }

  optBool(key: string): boolean | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.typeError(key, 'true or false', v);
    return v;
  }

  optStringArray(key: string): string[] | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.typeError(key, 'an array of strings', v);
    return v as string[];
  }

  optTable(key: string): TomlReader | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (!isTable(v)) throw this.typeError(key, 'a table', v);
    return new TomlReader(v, this.file, `${this.prefix}${key}.`);
  }

  private typeError(key: string, want: string, got: unknown): XcrossError {
    return new XcrossError(`${this.where(key)} must be ${want}, not ${describe(got)}`);
  }
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return `${typeof v} ${JSON.stringify(v)}`;
}
