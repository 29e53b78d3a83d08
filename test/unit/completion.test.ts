// `xcross completion bash|zsh|fish`: the bash script run through its completion function as bash
// would call it; zsh and fish scripts checked by those shells where they are installed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRegistry } from '../../src/targets/registry';
import { completionWords } from '../../src/completion/words';
import { tempDir } from './helpers';

const BIN = path.resolve(__dirname, '..', '..', 'src', 'main.js');
const TRIPLES = loadRegistry().targets.map((t) => t.triple);

function script(shell: string): string {
  const r = spawnSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

function has(shell: string): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0;
}

/** Each case is the words on the command line, the last one being completed; returns COMPREPLY sorted. */
function bashComplete(cases: string[][]): string[][] {
  const file = path.join(tempDir(), 'xcross.bash');
  fs.writeFileSync(file, script('bash'));
  const calls = cases.map((words) => `comp ${words.map((w) => `'${w}'`).join(' ')}; echo '@@'`).join('\n');
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      `source '${file}'
complete -p xcross
comp() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _xcross; printf '%s\\n' "\${COMPREPLY[@]}"; }
cd '${tempDir()}'
${calls}`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const [registration, ...rest] = r.stdout.split('\n');
  assert.equal(registration, 'complete -o default -F _xcross xcross');
  return rest
    .join('\n')
    .split('@@\n')
    .slice(0, cases.length)
    .map((s) => s.split('\n').filter(Boolean).sort());
}

describe('bash', () => {
  test('commands, flags, --target triples, values, actions', () => {
    const [commands, aarch, afterEq, all, format, release, image, shells, toolchain, top, afterDashDash] = bashComplete(
      [
        ['xcross', ''],
        ['xcross', 'build', '--target', 'aarch'],
        ['xcross', 'test', '--target', '=', 'x86'],
        ['xcross', 'shell', '--target', ''],
        ['xcross', 'check', '--message-format', 'json-r'],
        ['xcross', 'build', '--rel'],
        ['xcross', 'image', 'b'],
        ['xcross', 'completion', ''],
        ['xcross', '+nightly', 'bu'],
        ['xcross', '--vers'],
        ['xcross', 'run', '--target', 'aarch64-unknown-linux-gnu', '--', '--ta'],
      ],
    );
    for (const c of ['build', 'check', 'test', 'run', 'clippy', 'shell', 'targets', 'image', 'doctor', 'completion'])
      assert.ok(commands.includes(c), c);
    assert.deepEqual(aarch, ['aarch64-unknown-linux-gnu', 'aarch64-unknown-linux-musl']);
    assert.deepEqual(afterEq, TRIPLES.filter((t) => t.startsWith('x86')).sort());
    assert.deepEqual(all, [...TRIPLES].sort());
    assert.deepEqual(format, ['json-render-diagnostics']);
    assert.deepEqual(release, ['--release']);
    assert.deepEqual(image, ['build']);
    assert.deepEqual(shells, ['bash', 'fish', 'zsh']);
    assert.deepEqual(toolchain, ['build']);
    assert.deepEqual(top, ['--version']);
    assert.deepEqual(afterDashDash, []);
  });
});

describe(
  'zsh',
  { skip: !has('zsh') && 'zsh is not installed (apt-get install zsh): its script is not checked here' },
  () => {
    test('the script parses, and compinit takes it as the completion of xcross', () => {
      const file = path.join(tempDir(), '_xcross');
      fs.writeFileSync(file, script('zsh'));
      assert.equal(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).status, 0);
      const r = spawnSync(
        'zsh',
        ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source '${file}' && print -r -- $_comps[xcross]`],
        { encoding: 'utf8', env: { HOME: tempDir(), PATH: process.env.PATH } },
      );
      assert.equal(r.stdout.trim(), '_xcross', r.stderr);
    });
  },
);

describe(
  'fish',
  { skip: !has('fish') && 'fish is not installed (apt-get install fish): its script is not checked here' },
  () => {
    test('the script parses, and fish completes commands, flags and triples with descriptions', () => {
      const file = path.join(tempDir(), 'xcross.fish');
      fs.writeFileSync(file, script('fish'));
      assert.equal(spawnSync('fish', ['-n', file]).status, 0);
      const complete = (line: string) => {
        const r = spawnSync('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], {
          encoding: 'utf8',
          env: { HOME: tempDir(), PATH: process.env.PATH },
        });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.split('\n').filter(Boolean);
      };
      assert.deepEqual(complete('xcross build --target aarch'), [
        'aarch64-unknown-linux-gnu\ttarget triple',
        'aarch64-unknown-linux-musl\ttarget triple',
      ]);
      assert.ok(complete('xcross ').includes('check\tcheck the crate for errors without linking'));
      assert.deepEqual(complete('xcross build --rel'), ['--release\tbuild with the release profile']);
      assert.deepEqual(complete('xcross image l'), [
        'list\tlist the images xcross has and their origin',
        'load\tload an archive file',
      ]);
    });
  },
);

test("every flag that an xcross command's --help shows is completed", () => {
  const words = completionWords(loadRegistry());
  for (const cmd of ['build', 'shell', 'targets', 'doctor', 'image', 'completion']) {
    const r = spawnSync(process.execPath, [BIN, cmd, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '200' },
    });
    const shown = [...r.stdout.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)/gm)]
      .map((m) => m[1])
      .filter((f) => f !== 'version');
    assert.ok(shown.length > 0, `${cmd} --help shows no flags:\n${r.stdout}`);
    const known = words.commands.find((c) => c.name === cmd)!.flags.map((f) => f.long);
    assert.deepEqual(
      shown.filter((f) => !known.includes(f)),
      [],
      `${cmd}: flags its --help shows but completion does not offer`,
    );
  }
});
