// The environment is read at the edge only: src/host.ts reads it once (readHost) and everything else
// receives it (Host.env, the settings, a runtime's env). A `process.env` anywhere else in src/ or
// runtimes/ fails here, with the place; scripts/ and test/ may read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EDGE = new Set([
  'src/host.ts',
  // Boot, before the program (and so readHost) is loaded: where V8's code cache of the bundles lives.
  'src/base/code-cache.ts',
]);
const READ = /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/;

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? sources(rel) : e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** `file:line: text` of every read outside the edge, comments left out. */
function envReads(files: string[], read: (rel: string) => string): string[] {
  return files
    .filter((f) => !EDGE.has(f))
    .flatMap((f) =>
      read(f)
        .split('\n')
        .flatMap((line, i) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          return READ.test(code) ? [`${f}:${i + 1}: ${line.trim()}`] : [];
        }),
    );
}

test('no process.env outside the edge (src/host.ts): values are passed down', () => {
  const files = [...sources('src'), ...sources('runtimes')];
  assert.ok(files.length > 50, `only ${files.length} source files found under ${ROOT}`);
  assert.deepEqual(
    envReads(files, (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')),
    [],
  );
});

test('the rule sees the spellings of a read, and not a comment about one', () => {
  const text: Record<string, string> = {
    'src/a.ts': 'const x = process.env.HOME;\n// process.env in a comment\n',
    'src/b.ts': "const y = process['env'];\nconst { env } = process;\n",
    'src/host.ts': 'const env = process.env;\n',
  };
  assert.deepEqual(
    envReads(Object.keys(text), (f) => text[f]),
    [
      'src/a.ts:1: const x = process.env.HOME;',
      "src/b.ts:1: const y = process['env'];",
      'src/b.ts:2: const { env } = process;',
    ],
  );
});
