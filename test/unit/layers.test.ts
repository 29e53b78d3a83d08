// Layers point one way: runtimes/ (the engines) may use only runtimes/ and src/base/, and src/base/
// only itself; the rest of src/ (the app) may use anything. A runtime that needs something from the
// app is a sign that the thing belongs in src/base/. Read from the sources, so no build can hide it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../src/base/package-root';

type Layer = 'base' | 'runtimes' | 'app' | 'elsewhere';

const MAY_USE: Record<Exclude<Layer, 'elsewhere'>, Layer[]> = {
  base: ['base'],
  runtimes: ['runtimes', 'base'],
  app: ['app', 'runtimes', 'base', 'elsewhere'],
};

function layerOf(file: string): Layer {
  const rel = path.relative(PACKAGE_ROOT, file).split(path.sep);
  if (rel[0] === 'runtimes') return 'runtimes';
  if (rel[0] === 'src') return rel[1] === 'base' ? 'base' : 'app';
  return 'elsewhere';
}

/** Every module a source file names: import/export ... from, import x = require, require(), import(). */
export function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;
  return [...text.matchAll(re)].map((m) => m[2]);
}

/** The imports of `file` (with `text`) that point the wrong way, as "file: import". */
export function upwardImports(file: string, text: string): string[] {
  const from = layerOf(file);
  if (from === 'elsewhere') return [];
  return specifiers(text)
    .filter((s) => s.startsWith('.') && !MAY_USE[from].includes(layerOf(path.resolve(path.dirname(file), s))))
    .map((s) => `${path.relative(PACKAGE_ROOT, file)}: ${s}`);
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no file in runtimes/ or src/base/ imports from a layer above it', () => {
  const files = ['src', 'runtimes'].flatMap((d) => sources(path.join(PACKAGE_ROOT, d)));
  assert.ok(files.length > 50, `found only ${files.length} source files under ${PACKAGE_ROOT}`);
  assert.deepEqual(
    files.flatMap((f) => upwardImports(f, fs.readFileSync(f, 'utf8'))),
    [],
  );
});

test('the check sees each way of importing, and each wrong direction', () => {
  const at = (p: string) => path.join(PACKAGE_ROOT, p);
  const text = [
    "import { a } from '../src/commands/x';",
    'import type { B } from "../src/base/errors";',
    "export { c } from './spec';",
    "import fs = require('../src/ui/log');",
    "const d = require('../images/y');",
    "const e = await import('../src/plan/z');",
    "import 'kleur';",
  ].join('\n');
  assert.deepEqual(upwardImports(at('runtimes/engine.ts'), text), [
    'runtimes/engine.ts: ../src/commands/x',
    'runtimes/engine.ts: ../src/ui/log',
    'runtimes/engine.ts: ../images/y',
    'runtimes/engine.ts: ../src/plan/z',
  ]);
  assert.deepEqual(
    upwardImports(at('src/base/hash.ts'), "import { x } from '../../runtimes/spec';\nimport { y } from './errors';"),
    ['src/base/hash.ts: ../../runtimes/spec'],
  );
  assert.deepEqual(
    upwardImports(
      at('src/commands/build.ts'),
      "import { x } from '../../runtimes/spec';\nimport { y } from '../ui/log';",
    ),
    [],
  );
});
