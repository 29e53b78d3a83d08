// .dockerignore / .containerignore patterns, as podman applies them to a build context: paths
// relative to the context, `*` and `?` within one path element, `**` across any number, `!` to take
// a path back, the last matching pattern wins, and a pattern that matches a directory takes all of it.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Rule {
  re: RegExp;
  negate: boolean;
}

export class IgnoreRules {
  private readonly rules: Rule[];

  constructor(patterns: string[]) {
    this.rules = [];
    for (const raw of patterns) {
      let p = raw.trim();
      if (!p || p.startsWith('#')) continue;
      const negate = p.startsWith('!');
      if (negate) p = p.slice(1).trim();
      p = path.posix.normalize(p.replace(/^\/+/, '')).replace(/\/+$/, '');
      if (p === '.' || p === '') continue;
      this.rules.push({ re: compile(p), negate });
    }
  }

  /** Whether any rule takes a path back: then an excluded directory must still be walked. */
  get hasNegations(): boolean {
    return this.rules.some((r) => r.negate);
  }

  /** `rel` is a context-relative path with forward slashes. */
  excluded(rel: string): boolean {
    let out = false;
    const parents = ancestry(rel);
    for (const r of this.rules) {
      if (parents.some((p) => r.re.test(p))) out = !r.negate;
    }
    return out;
  }
}

/** The path and each of its parents: a pattern matching `a/b` excludes `a/b/c` too. */
function ancestry(rel: string): string[] {
  const parts = rel.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function compile(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more whole directories; a trailing `**` anything at all.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]);
    else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

function escape(c: string): string {
  return /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

/** The context's own ignore file (.containerignore first, as podman reads it), as lines. */
export function contextIgnorePatterns(context: string): string[] {
  for (const name of ['.containerignore', '.dockerignore']) {
    try {
      return fs.readFileSync(path.join(context, name), 'utf8').split('\n');
    } catch {}
  }
  return [];
}
