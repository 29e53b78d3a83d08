// .dockerignore patterns as podman applies them to a build context.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IgnoreRules, contextIgnorePatterns } from '../../runtimes/podman-api/ignore';
import { tempDir, writeTree } from './helpers';

/** The paths of `paths` that `patterns` exclude. */
function excludedOf(patterns: string[], paths: string[]): string[] {
  const rules = new IgnoreRules(patterns);
  return paths.filter((p) => rules.excluded(p));
}

describe('IgnoreRules', () => {
  test('no patterns exclude nothing', () => {
    assert.deepEqual(excludedOf([], ['a', 'a/b', '.git']), []);
  });

  test("a leading slash is stripped: /target is the context's top-level target", () => {
    const rules = new IgnoreRules(['/target']);
    assert.equal(rules.excluded('target'), true);
    assert.equal(rules.excluded('target/debug/app'), true);
    assert.equal(rules.excluded('crates/a/target'), false, 'patterns are anchored at the context root');
    assert.equal(rules.excluded('targets'), false);
  });

  test('trailing slashes and ./ are normalized away', () => {
    assert.deepEqual(excludedOf(['build/', './out'], ['build', 'build/x', 'out/y', 'builder']), [
      'build',
      'build/x',
      'out/y',
    ]);
  });

  test('* matches within one path element only', () => {
    const rules = new IgnoreRules(['*.log', 'docs/*.md']);
    assert.equal(rules.excluded('a.log'), true);
    assert.equal(rules.excluded('.log'), true);
    assert.equal(rules.excluded('sub/a.log'), false, '* does not cross a slash');
    assert.equal(rules.excluded('docs/readme.md'), true);
    assert.equal(rules.excluded('docs/api/readme.md'), false);
    assert.equal(rules.excluded('a.log.txt'), false, 'patterns match whole path elements');
  });

  test('? matches exactly one character, never a slash', () => {
    const rules = new IgnoreRules(['file?.txt', 'a?b']);
    assert.equal(rules.excluded('file1.txt'), true);
    assert.equal(rules.excluded('file.txt'), false);
    assert.equal(rules.excluded('file12.txt'), false);
    assert.equal(rules.excluded('a/b'), false);
    assert.equal(rules.excluded('axb'), true);
  });

  test('** matches any number of directories, including none', () => {
    const rules = new IgnoreRules(['**/*.tmp', 'cache/**', 'a/**/z']);
    assert.equal(rules.excluded('x.tmp'), true, '**/ may match zero directories');
    assert.equal(rules.excluded('d/x.tmp'), true);
    assert.equal(rules.excluded('d/e/f/x.tmp'), true);
    assert.equal(rules.excluded('d/e/f/x.tmpl'), false);
    assert.equal(rules.excluded('cache/one'), true);
    assert.equal(rules.excluded('cache/one/two/three'), true);
    assert.equal(rules.excluded('a/z'), true);
    assert.equal(rules.excluded('a/b/c/z'), true);
    assert.equal(rules.excluded('a/b/c/zz'), false);
  });

  test('regex metacharacters in a pattern are literal', () => {
    const rules = new IgnoreRules(['a+b.(c)', 'x$']);
    assert.equal(rules.excluded('a+b.(c)'), true);
    assert.equal(rules.excluded('aab.(c)'), false);
    assert.equal(rules.excluded('a+bx(c)'), false);
    assert.equal(rules.excluded('x$'), true);
    assert.equal(rules.excluded('x'), false);
  });

  test('a pattern that matches a directory excludes everything under it', () => {
    const rules = new IgnoreRules(['node_modules', 'src/gen*']);
    assert.equal(rules.excluded('node_modules'), true);
    assert.equal(rules.excluded('node_modules/pkg/index.js'), true);
    assert.equal(rules.excluded('src/generated/deep/file.rs'), true);
    assert.equal(rules.excluded('src/main.rs'), false);
    assert.equal(rules.excluded('lib/node_modules'), false);
  });

  test('! takes a path back; the last matching pattern wins', () => {
    const rules = new IgnoreRules(['*.md', '!README.md']);
    assert.equal(rules.excluded('CHANGES.md'), true);
    assert.equal(rules.excluded('README.md'), false);

    // Order matters: a later exclusion beats an earlier negation.
    const later = new IgnoreRules(['!README.md', '*.md']);
    assert.equal(later.excluded('README.md'), true);

    // Exclude, take back, exclude again.
    const thrice = new IgnoreRules(['docs', '!docs/keep', 'docs/keep/secret.txt']);
    assert.equal(thrice.excluded('docs/other.md'), true);
    assert.equal(thrice.excluded('docs/keep/a.md'), false);
    assert.equal(thrice.excluded('docs/keep/secret.txt'), true);
  });

  test('a negation inside an excluded directory takes back just that path', () => {
    const rules = new IgnoreRules(['target', '!target/release/app']);
    assert.equal(rules.excluded('target'), true);
    assert.equal(rules.excluded('target/debug/app'), true);
    assert.equal(rules.excluded('target/release/app'), false);
    assert.equal(rules.excluded('target/release/other'), true);
  });

  test('comments and blank lines are ignored; surrounding whitespace is trimmed', () => {
    const rules = new IgnoreRules(['# target', '', '   ', '  *.o  ', '#!keep.o']);
    assert.equal(rules.excluded('target'), false);
    assert.equal(rules.excluded('# target'), false);
    assert.equal(rules.excluded('a.o'), true);
    assert.equal(rules.excluded('keep.o'), true, 'a commented-out negation does nothing');
    assert.equal(rules.hasNegations, false);
  });

  test('hasNegations: whether any pattern takes a path back', () => {
    assert.equal(new IgnoreRules([]).hasNegations, false);
    assert.equal(new IgnoreRules(['a', 'b/**']).hasNegations, false);
    assert.equal(new IgnoreRules(['a', '!a/b']).hasNegations, true);
    assert.equal(new IgnoreRules(['a', '! a/b']).hasNegations, true);
  });

  test('patterns that name the context itself exclude nothing', () => {
    assert.deepEqual(excludedOf(['/', '.', './'], ['a', 'b/c']), []);
  });
});

describe('contextIgnorePatterns', () => {
  test('reads .containerignore before .dockerignore, as lines; none gives no patterns', () => {
    const d = tempDir();
    assert.deepEqual(contextIgnorePatterns(d), []);
    writeTree(d, { '.dockerignore': 'target\n*.log\n' });
    assert.deepEqual(contextIgnorePatterns(d), ['target', '*.log', '']);
    writeTree(d, { '.containerignore': 'only-this' });
    assert.deepEqual(contextIgnorePatterns(d), ['only-this']);
  });
});
