// Property-based fuzzing of everything a user types or sets: Cross.toml text, Cargo.toml metadata,
// CROSS_* and XCROSS_* variables, cargo's command line. Whatever comes in, xcross answers with
// success or one XcrossError sentence (never another exception, which main.ts would report as an
// internal error), and input that is invalid never succeeds. The seed is printed; set
// XCROSS_FUZZ_SEED to replay a run. The parsers are reached through fuzz-bindings.ts only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import {
  configPipeline,
  isXcrossError,
  mainOnRefused,
  parseCargoInvocation,
  parseCrossToml,
  TRIPLES,
  type Inputs,
} from './fuzz-bindings';
import { tempDir } from './helpers';

const SEED = process.env.XCROSS_FUZZ_SEED
  ? Number(process.env.XCROSS_FUZZ_SEED)
  : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
if (!Number.isSafeInteger(SEED))
  throw new Error(`XCROSS_FUZZ_SEED must be the integer a run printed, not '${process.env.XCROSS_FUZZ_SEED}'`);
/** Cases per property; their sum is the run's (at least 10,000). */
const RUNS = { tomlText: 2500, crossToml: 2500, metadata: 1500, env: 2000, target: 500, argv: 2500, app: 500 };
/** The whole run's time: a property still running at the deadline stops, and the last test counts the cases. */
const BUDGET_MS = 20_000;
const TOTAL = Object.values(RUNS).reduce((a, b) => a + b, 0);
const deadline = Date.now() + BUDGET_MS;
const T = 'x86_64-unknown-linux-gnu';
let ran = 0;
const dir = tempDir('xcross-fuzz-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function settings(name: keyof typeof RUNS): fc.Parameters<unknown> {
  return {
    seed: SEED,
    numRuns: RUNS[name],
    interruptAfterTimeLimit: Math.max(1, deadline - Date.now()),
    includeErrorInReport: true,
  };
}

/** What the user would see: one sentence, one line, no stack frame, of a sane length. */
function assertSentence(s: string, what: string): void {
  assert.ok(s.length > 0, `${what} is empty`);
  assert.ok(s.length <= 600, `${what} is ${s.length} characters long: ${s.slice(0, 200)}...`);
  assert.doesNotMatch(
    s,
    /[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u,
    `${what} has a line break, control or bidi character: ${JSON.stringify(s)}`,
  );
  assert.doesNotMatch(s, /\bat \S+ \(.*:\d+:\d+\)|node:internal/, `${what} has a stack frame: ${s}`);
  assert.match(s, /[^\s,:;]$/, `${what} ends mid-sentence: ${JSON.stringify(s)}`);
}

type Outcome = { ok: true; warnings: string[] } | { ok: false; message: string; warnings: string[] };

/** Runs f as main.ts would: an XcrossError is an answer, anything else a defect. */
function attempt(f: (warn: (w: string) => void) => unknown): Outcome {
  const warnings: string[] = [];
  const warn = (w: string) => {
    assertSentence(w, 'warning');
    warnings.push(w);
  };
  try {
    f(warn);
    return { ok: true, warnings };
  } catch (e) {
    if (!isXcrossError(e))
      throw new Error(
        `not an XcrossError (the user would get "internal error"): ${e instanceof Error ? e.stack : String(e)}`,
      );
    assertSentence(e.message, 'error');
    if (e.fix !== undefined) assertSentence(e.fix, 'fix');
    return { ok: false, message: e.message, warnings };
  }
}

function expect(o: Outcome, valid: boolean, why: unknown): void {
  if (valid && !o.ok) assert.fail(`valid input failed: ${o.message}\ninput: ${JSON.stringify(why)}`);
  if (!valid && o.ok) assert.fail(`invalid input succeeded\ninput: ${JSON.stringify(why)}`);
}

// ---- values, and TOML written from them ----

const odd = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => !/[\ud800-\udfff]/.test(s)),
  fc.constantFrom(
    '',
    ' ',
    '\n',
    '"',
    "'",
    '\\',
    '$HOME',
    '-dash',
    'ünï',
    '\u202e',
    '\u0000',
    '\u2028',
    'x'.repeat(5000),
    '__proto__',
    'constructor',
  ),
);
type V = string | number | boolean | Date | V[] | { [k: string]: V };
const anyValue: fc.Arbitrary<V> = fc.letrec<{ v: V }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    odd,
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(new Date(Date.UTC(1979, 4, 27))),
    // TOML 0.5 arrays hold one type.
    fc.array(odd, { maxLength: 3 }),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(odd, tie('v'), { maxKeys: 3 }),
  ),
})).v;

function tomlString(s: string): string {
  return JSON.stringify(s)
    .replace(/\u007f/g, '\\u007F')
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
function tomlValue(v: V): string {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number')
    return Number.isInteger(v) && Math.abs(v) < 2 ** 53
      ? String(v)
      : v === Infinity
        ? 'inf'
        : v === -Infinity
          ? '-inf'
          : String(v).includes('.') || String(v).includes('e')
            ? String(v)
            : `${v}.0`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  return `{ ${Object.entries(v)
    .map(([k, x]) => `${tomlString(k)} = ${tomlValue(x)}`)
    .join(', ')} }`;
}
/** Sections as [a.b] headers with their plain keys; a nested table inline. */
function tomlText(sections: [string[], Record<string, V>][]): string {
  return sections
    .map(
      ([head, keys]) =>
        `[${head.map(tomlString).join('.')}]\n${Object.entries(keys)
          .map(([k, v]) => `${tomlString(k)} = ${tomlValue(v)}\n`)
          .join('')}`,
    )
    .join('\n');
}

// ---- Cross.toml's known keys, each with values it takes and values it refuses ----

/** bad: a type the parser refuses; late: the right type, refused once the value is used (only where it is used). */
type Pools = { good: fc.Arbitrary<V>; bad: fc.Arbitrary<V>; late?: fc.Arbitrary<V> };
const str = fc.string({ unit: 'grapheme', maxLength: 10 });
const strs = fc.array(str, { maxLength: 3 });
const notStr = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.array(fc.integer(), { minLength: 1, maxLength: 2 }),
  fc.constant({ a: 1 }),
);
const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
const notName = fc.oneof(
  fc.constantFrom('', '1X', '=v', 'A B', '-x', 'ü', '$HOME'),
  fc.stringMatching(/^[0-9-][^=]{0,5}$/),
);
const TARGET_KEYS: Record<string, Pools> = {
  xargo: { good: fc.boolean(), bad: fc.oneof(fc.integer(), str, strs) },
  'build-std': {
    good: fc.oneof(fc.boolean(), fc.array(fc.constantFrom('std', 'core', 'alloc'), { maxLength: 3 })),
    bad: fc.oneof(fc.integer(), str, fc.constant({ a: 1 })),
  },
  'pre-build': {
    good: fc.oneof(str, strs),
    bad: fc.oneof(fc.integer(), fc.boolean(), fc.constant<V>({ a: 'b' }), fc.constant<V>([1])),
  },
  env: {
    good: fc.record(
      {
        passthrough: fc.array(
          fc.oneof(
            envName,
            fc.tuple(envName, str).map(([n, v]) => `${n}=${v}`),
          ),
          { maxLength: 3 },
        ),
        volumes: fc.array(
          fc.tuple(envName, fc.constantFrom('/tmp', 'rel/dir', '/no/such')).map(([n, v]) => `${n}=${v}`),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
    bad: fc.oneof(
      str,
      fc.integer(),
      fc.record({ passthrough: fc.oneof(str, notStr) }),
      fc.record({ volumes: fc.oneof(str, notStr) }),
    ),
    late: fc.oneof(
      fc.record({ passthrough: fc.array(notName, { minLength: 1, maxLength: 2 }) }),
      fc.record({ volumes: fc.array(notName, { minLength: 1, maxLength: 2 }) }),
    ),
  },
  dockerfile: {
    good: fc.oneof(
      str,
      fc.record(
        { file: str, context: str, 'build-args': fc.dictionary(str, str, { maxKeys: 2 }) },
        { requiredKeys: ['file'] },
      ),
    ),
    bad: fc.oneof(
      fc.integer(),
      fc.boolean(),
      strs.filter((a) => a.length > 0),
      fc.record({ context: str }),
      fc.record({ file: notStr }),
      fc.record({ file: str, 'build-args': fc.constant({ A: 1 }) }),
    ),
  },
  image: {
    good: fc.oneof(str, fc.record({ name: str, toolchain: fc.oneof(str, strs) }, { requiredKeys: ['name'] })),
    bad: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant<V>(['a']),
      fc.record({ toolchain: str }),
      fc.record({ name: notStr }),
      fc.record({ name: str, toolchain: fc.constant<V>([1]) }),
    ),
  },
  runner: { good: str.filter((s) => s !== 'qemu-system'), bad: notStr },
  zig: {
    good: fc.oneof(
      fc.boolean(),
      str,
      fc.record({ enable: fc.boolean(), version: str, image: str }, { requiredKeys: [] }),
    ),
    bad: fc.oneof(fc.integer(), fc.constant<V>(['x']), fc.record({ enable: str.map((s) => `${s}x`) })),
  },
};
const BUILD_KEYS: Record<string, Pools> = { ...TARGET_KEYS, 'default-target': { good: str, bad: notStr } };
const floorBad = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('2', 'two', '2.x', ' 2.31', '2.31\n'),
  fc.boolean(),
);
const XCROSS_KEYS: Record<string, Pools> = {
  runtime: { good: str, bad: notStr },
  'toolchain-source': {
    good: fc.constantFrom('auto', 'host', 'image'),
    bad: notStr,
    late: str.filter((s) => !['auto', 'host', 'image'].includes(s)),
  },
  'read-only-source': { good: fc.boolean(), bad: fc.oneof(fc.integer(), fc.constantFrom('true', 'yes', '1')) },
  glibc: { good: fc.constant(undefined as unknown as V), bad: floorBad },
  'image-cache': {
    good: fc.constantFrom('ghcr.io/acme/xcross', 'localhost:5000/x', '127.0.0.1:5443/team/xcross'),
    bad: notStr,
    late: fc.constantFrom('nohost', 'ghcr.io', 'https://ghcr.io/a', 'ghcr.io/UPPER', 'ghcr.io/a:tag', '', 'a\nb'),
  },
  'compile-cache': {
    good: fc.constantFrom('off', 'local'),
    bad: notStr,
    late: fc.constantFrom('on', 'redis://', 'redis://h:1/x', 'rediss://h', 's4://b', '', 'a\nb'),
  },
  'compile-cache-size': {
    good: fc.constantFrom('500M', '10G', '2T'),
    bad: notStr,
    late: fc.constantFrom('0', '10', 'big', '5X', '', '-1G'),
  },
};
const KNOWN = new Set([...Object.keys(BUILD_KEYS), ...Object.keys(XCROSS_KEYS), 'target', 'build', 'xcross', 'env']);
const unknownKey = fc
  .oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Runner', 'passthru', ''), odd)
  .filter((k) => !KNOWN.has(k));

type Table = { table: Record<string, V>; bad: boolean; late: boolean; unknown: number };
/** A table of some known keys, each good, bad or late, and some unknown ones. */
function tableOf(pools: Record<string, Pools>): fc.Arbitrary<Table> {
  const entries = Object.entries(pools).map(([k, p]) =>
    fc.option(
      fc.oneof(
        { arbitrary: p.good.map((v) => ({ k, v, bad: false, late: false })), weight: 4 },
        { arbitrary: p.bad.map((v) => ({ k, v, bad: true, late: false })), weight: 1 },
        {
          arbitrary: (p.late ?? p.bad).map((v) => ({ k, v, bad: p.late === undefined, late: p.late !== undefined })),
          weight: 1,
        },
      ),
      { freq: 3 },
    ),
  );
  return fc.tuple(fc.tuple(...entries), fc.dictionary(unknownKey, anyValue, { maxKeys: 2 })).map(([known, extra]) => {
    const table: Record<string, V> = {};
    let bad = false;
    let late = false;
    for (const e of known) {
      if (e === null || e.v === undefined) continue;
      table[e.k] = e.v;
      bad ||= e.bad;
      late ||= e.late;
    }
    for (const [k, v] of Object.entries(extra))
      Object.defineProperty(table, k, { value: v, enumerable: true, writable: true, configurable: true });
    return { table, bad, late, unknown: Object.keys(extra).length };
  });
}

/** A whole cross configuration: [build], [target.<triple>] (a known one or not), [xcross]. */
const crossConfig = fc
  .record({
    build: fc.option(tableOf(BUILD_KEYS)),
    target: fc.option(
      fc.tuple(fc.oneof(fc.constant(T), fc.constant('aarch64-unknown-linux-gnu'), odd), tableOf(TARGET_KEYS)),
    ),
    xcross: fc.option(tableOf(XCROSS_KEYS)),
  })
  .map((c) => {
    const sections: [string[], Record<string, V>][] = [];
    if (c.build) sections.push([['build'], c.build.table]);
    if (c.target) sections.push([['target', c.target[0]], c.target[1].table]);
    if (c.xcross) sections.push([['xcross'], c.xcross.table]);
    const parts = [c.build, c.target?.[1], c.xcross].filter((x): x is Table => x !== null && x !== undefined);
    // A late value counts where it is used: [build], [xcross], and the target built.
    const late = [c.build, c.target?.[0] === T ? c.target[1] : null, c.xcross].some((p) => p?.late === true);
    // A table named like a JavaScript object's own property ([target.constructor]) is refused.
    const inherited = c.target !== null && c.target[0] in {};
    return {
      sections,
      bad: inherited || parts.some((p) => p.bad),
      late,
      unknown: parts.reduce((n, p) => n + p.unknown, 0),
    };
  });

test(`fuzz seed ${SEED} (replay: XCROSS_FUZZ_SEED=${SEED} node --test dist/test/unit/fuzz.test.js)`, (t) => {
  t.diagnostic(`seed ${SEED}, ${TOTAL} cases, budget ${BUDGET_MS} ms`);
});

test('Cross.toml: any text is parsed or refused in one sentence', () => {
  const word = fc.constantFrom(
    '[',
    ']',
    '[[',
    ']]',
    '=',
    '"',
    "'",
    '"""',
    "'''",
    '\n',
    ' ',
    '.',
    ',',
    '{',
    '}',
    '#',
    '\\',
    '\\u0000',
    'build',
    'target',
    'xcross',
    'env',
    'passthrough',
    'volumes',
    'image',
    'name',
    'pre-build',
    'runner',
    'glibc',
    T,
    '1',
    '-1',
    '1e999',
    'true',
    'nan',
    '1979-05-27',
    '__proto__',
    'x'.repeat(300),
  );
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(word, { maxLength: 40 }).map((w) => w.join('')),
    fc.array(fc.oneof(word, odd), { maxLength: 20 }).map((w) => w.join(' ')),
  );
  fc.assert(
    fc.property(text, (s) => {
      ran++;
      attempt((warn) => parseCrossToml(s, warn));
    }),
    settings('tomlText'),
  );
});

test('Cross.toml: a wrong type anywhere is an error, unknown keys are warnings, the rest parses', () => {
  fc.assert(
    fc.property(crossConfig, (c) => {
      ran++;
      const text = tomlText(c.sections);
      const o = attempt((warn) => parseCrossToml(text, warn));
      expect(o, !c.bad, text);
      if (o.ok)
        assert.ok(o.warnings.length >= c.unknown, `${c.unknown} unknown keys, ${o.warnings.length} warnings\n${text}`);
    }),
    settings('crossToml'),
  );
});

test('Cargo.toml metadata and Cross.toml through the whole configuration: invalid never succeeds', () => {
  const where = fc.constantFrom('Cross.toml', 'package', 'workspace');
  fc.assert(
    fc.property(crossConfig, where, (c, at) => {
      ran++;
      const i: Inputs = { argv: ['build', '--target', T], env: {} };
      if (at === 'Cross.toml') i.crossToml = tomlText(c.sections);
      else {
        const base = [at, 'metadata', 'cross'];
        i.cargoToml = `${at === 'workspace' ? '[workspace]\n' : ''}[package]\nname = "p"\nversion = "0.1.0"\n\n${tomlText(c.sections.map(([h, k]) => [[...base, ...h], k]))}`;
      }
      expect(
        attempt((warn) => configPipeline(dir, i, warn)),
        !c.bad && !c.late,
        i,
      );
    }),
    settings('metadata'),
  );
});

// ---- variables ----

type EnvPool = { name: string; good: fc.Arbitrary<string>; bad: fc.Arbitrary<string> };
const TV = 'CROSS_TARGET_X86_64_UNKNOWN_LINUX_GNU_';
const yes = fc.constantFrom('1', '0', 'true', 'false', 'TRUE', 'no', 'yes', 'on', 'off', '');
const notYes = fc
  .oneof(fc.constantFrom('2', 'maybe', 'y', ' 1', '1\n', '\u0000', 'x'.repeat(5000)), str)
  .filter((s) => !/^(1|0|true|false|yes|no|on|off|)$/i.test(s));
const list = (item: fc.Arbitrary<string>) => fc.array(item, { minLength: 1, maxLength: 3 }).map((a) => a.join(' '));
const ENV: EnvPool[] = [
  { name: 'CROSS_BUILD_XARGO', good: yes, bad: notYes },
  { name: `${TV}XARGO`, good: yes, bad: notYes },
  { name: 'XCROSS_READ_ONLY_SOURCE', good: yes, bad: notYes },
  { name: 'XCROSS_GLIBC_CHECK', good: yes, bad: notYes },
  { name: 'XCROSS_IMAGE_CACHE_PUSH', good: fc.constantFrom('0', 'false', 'no', 'off', ''), bad: notYes },
  {
    name: 'XCROSS_TOOLCHAIN_SOURCE',
    good: fc.constantFrom('auto', 'host', 'image', ''),
    bad: str.filter((s) => !['auto', 'host', 'image', ''].includes(s)),
  },
  { name: 'XCROSS_GLIBC', good: fc.constant(''), bad: fc.constantFrom('2', 'two', '9.99', '2.31 ', 'x'.repeat(5000)) },
  {
    name: 'XCROSS_IMAGE_CACHE',
    good: fc.constantFrom('ghcr.io/acme/xcross', '', ' localhost:5000/x '),
    bad: fc.constantFrom('nohost', 'ghcr.io', 'http://ghcr.io/a', 'ghcr.io/A', 'ghcr.io/a b', 'ghcr.io/a\nb'),
  },
  {
    name: 'XCROSS_COMPILE_CACHE',
    good: fc.constantFrom('off', 'local', '', ' local '),
    bad: fc.constantFrom('on', 'redis://h:1/db', 'rediss://h:1', 'memcached://h', 'x'.repeat(5000)),
  },
  { name: 'XCROSS_COMPILE_CACHE_SIZE', good: fc.constantFrom('1G', '', '750M'), bad: fc.constantFrom('1', 'G', '1Q') },
  {
    name: 'CROSS_BUILD_ENV_PASSTHROUGH',
    good: list(envName),
    bad: list(notName.filter((s) => s.trim() !== '' && !/\s/.test(s))),
  },
  {
    name: `${TV}ENV_VOLUMES`,
    good: list(envName.map((n) => `${n}=/tmp`)),
    bad: list(notName.filter((s) => s.trim() !== '' && !/\s/.test(s))),
  },
  {
    name: 'CROSS_BUILD_RUNNER',
    good: fc.constantFrom('native', 'qemu-user', 'my-runner', ''),
    bad: fc.constant('qemu-system'),
  },
];
const FREE = [
  'CROSS_BUILD_IMAGE',
  'CROSS_BUILD_PRE_BUILD',
  'CROSS_BUILD_DOCKERFILE',
  'CROSS_BUILD_STD',
  'CROSS_BUILD_ZIG',
  'CROSS_CONTAINER_ENGINE',
  'XCROSS_RUNTIME',
  'CROSS_DEBUG',
  'XCROSS_DEBUG',
  'CROSS_NO_WARNINGS',
  'CROSS_CONTAINER_OPTS',
  'CROSS_BUILD_DEFAULT_TARGET',
  'CROSS_UNKNOWN',
  'XCROSS_UNKNOWN',
];

test('CROSS_* and XCROSS_* variables: a value a variable does not take is an error, never ignored', () => {
  const pools = ENV.map((p) =>
    fc.option(
      fc.oneof(
        { arbitrary: p.good.map((v) => ({ n: p.name, v, bad: false })), weight: 3 },
        { arbitrary: p.bad.map((v) => ({ n: p.name, v, bad: true })), weight: 1 },
      ),
      { freq: 2 },
    ),
  );
  const free = fc.dictionary(fc.constantFrom(...FREE), odd, { maxKeys: 3 });
  fc.assert(
    fc.property(fc.tuple(...pools), free, (picked, extra) => {
      ran++;
      const env: Record<string, string> = { ...extra };
      let bad = false;
      for (const p of picked) {
        if (p === null) continue;
        env[p.n] = p.v;
        bad ||= p.bad;
      }
      expect(
        attempt((warn) => configPipeline(dir, { argv: ['build', '--target', T], env }, warn)),
        !bad,
        env,
      );
    }),
    settings('env'),
  );
});

test('the target from CARGO_BUILD_TARGET or default-target: a triple without an image is an error', () => {
  const triple = fc.oneof(
    fc.constantFrom(...TRIPLES),
    fc.constantFrom('', 'aarch64-linux-gnu', 'x86_64-unknown-linux-gnu.', 'X86_64-UNKNOWN-LINUX-GNU'),
    odd,
  );
  fc.assert(
    fc.property(triple, fc.boolean(), (t, fromEnv) => {
      ran++;
      const i: Inputs = fromEnv
        ? { argv: ['build'], env: { CARGO_BUILD_TARGET: t } }
        : { argv: ['build'], env: {}, crossToml: `[build]\ndefault-target = ${tomlString(t)}\n` };
      // An empty CARGO_BUILD_TARGET is unset (the host's triple, x86_64 here); an empty default-target is an error.
      expect(
        attempt((warn) => configPipeline(dir, i, warn)),
        (fromEnv && t === '') || TRIPLES.includes(t),
        i,
      );
    }),
    settings('target'),
  );
});

// ---- the command line ----

type Tok = { words: string[]; bad: boolean; target?: string; floor?: string };
const VALUE_FLAGS = [
  '--runtime',
  '--manifest-path',
  '--target-dir',
  '--target',
  '--glibc',
  '--gdb',
  '--toolchain-source',
  '--compile-cache',
];
const tok: fc.Arbitrary<Tok> = fc.oneof(
  fc
    .constantFrom(
      '-v',
      '-vv',
      '--verbose',
      '--release',
      '--push',
      '--strace',
      '--read-only-source',
      '-p',
      'x',
      '',
      ' ',
      '-',
      '---',
    )
    .map((w) => ({ words: [w], bad: false })),
  fc
    .tuple(fc.constantFrom('--runtime', '--manifest-path', '--target-dir', '--features'), odd, fc.boolean())
    .map(([f, v, inline]) => ({ words: inline ? [`${f}=${v}`] : [f, v], bad: !inline && v === '--' })),
  fc
    .tuple(fc.constantFrom(T, 'aarch64-unknown-linux-gnu', `${T}.2.31`, `${T}.2.17`), fc.boolean())
    .map(([t, inline]) => ({
      words: inline ? [`--target=${t}`] : ['--target', t],
      bad: false,
      target: t.replace(/\.\d.*$/, ''),
      floor: /\.(\d.*)$/.exec(t)?.[1],
    })),
  fc.tuple(fc.oneof(fc.constantFrom('2.31', '2.17'), odd), fc.boolean()).map(([v, inline]) => ({
    words: inline ? [`--glibc=${v}`] : ['--glibc', v],
    bad: !/^\d+(\.\d+)+$/.test(v),
    floor: v,
  })),
  fc
    .oneof(fc.integer({ min: -5, max: 70000 }).map(String), odd)
    .map((v) => ({ words: ['--gdb', v], bad: !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535 })),
  fc
    .oneof(fc.constantFrom('auto', 'host', 'image'), odd)
    .map((v) => ({ words: [`--toolchain-source=${v}`], bad: !['auto', 'host', 'image'].includes(v) })),
);
/** A flag that wants a value, last (or just before `--`): it has none. */
const bare = fc.constantFrom(...VALUE_FLAGS).map((f): Tok => ({ words: [f], bad: true }));

test('the cargo command line: a bad xcross flag value is an error, cargo flags pass untouched', () => {
  const head = fc.oneof(
    fc.constantFrom(
      ['build'],
      ['test'],
      ['t'],
      ['run'],
      ['shell'],
      ['+nightly', 'build'],
      ['+', 'build'],
      ['+stable', 'test'],
    ),
    fc.array(odd, { maxLength: 1 }),
  );
  fc.assert(
    fc.property(
      head,
      fc.array(tok, { maxLength: 6 }),
      fc.option(bare, { freq: 4 }),
      fc.array(odd, { maxLength: 3 }),
      (h, some, end, tail) => {
        ran++;
        const toks = end ? [...some, end] : some;
        // The model: each token's own verdict; floors must agree; one target.
        let bad = h[0] === '+' || toks.some((x) => x.bad);
        const targets = toks.flatMap((x) => (x.target ? [x.target] : []));
        const floors = new Set(toks.flatMap((x) => (x.floor && !x.bad ? [x.floor] : [])));
        bad ||= targets.length > 1 || floors.size > 1;
        const argv = [...h, ...toks.flatMap((x) => x.words), ...(tail.length ? ['--', ...tail] : [])];
        const o = attempt(() => parseCargoInvocation(argv));
        const parsed = ['build', 'test', 't', 'run', 'shell'].includes(h[h.length - 1] ?? '') || h[0] === '+';
        if (parsed) expect(o, !bad, argv);
      },
    ),
    settings('argv'),
  );
});

test('the program: a refused command line exits non-zero with one error line (and its fix), no internal error', async () => {
  const head = fc.constantFrom(['build'], ['test'], ['run'], ['shell'], ['+', 'build']);
  const badTok = tok.filter((x) => x.bad);
  await fc.assert(
    fc.asyncProperty(head, fc.array(tok, { maxLength: 3 }), badTok, (h, some, bad) => {
      ran++;
      const argv = [...h, ...some.flatMap((x) => x.words), ...bad.words];
      // The debug switches ask for a stack trace; this checks what everyone else sees.
      if (argv.includes('-vv') || process.env.XCROSS_DEBUG === '1' || process.env.CROSS_DEBUG === '1')
        return Promise.resolve();
      return mainOnRefused(argv).then(({ code, stderr }) => {
        assert.notEqual(code, 0, `exit 0 for ${JSON.stringify(argv)}`);
        const lines = stderr.split('\n').filter(Boolean);
        assert.equal(lines.filter((l) => l.startsWith('xcross: error: ')).length, 1, stderr);
        for (const l of lines) assert.match(l, /^xcross: (error|fix): /, `an unexpected line: ${JSON.stringify(l)}`);
        for (const l of lines) assertSentence(l, 'printed line');
      });
    }),
    settings('app'),
  );
});

test(`at least 10,000 cases ran within ${BUDGET_MS / 1000} s`, (t) => {
  t.diagnostic(`${ran} cases in ${((BUDGET_MS - (deadline - Date.now())) / 1000).toFixed(1)} s`);
  assert.ok(
    ran >= 10_000,
    `only ${ran} of ${TOTAL} cases ran in ${BUDGET_MS / 1000} s (seed ${SEED}): the machine is too slow or a case hangs`,
  );
});
