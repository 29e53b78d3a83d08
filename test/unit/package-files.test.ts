// What `npm pack` puts in the published package: everything an installed xcross reads at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../../src/base/package-root';

test('the package holds the bundles, the precomputed image tags, the images and the host setup script', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
  for (const f of [
    'dist/src/main.js',
    'dist/src/app.bundle.js',
    'dist/src/undici.bundle.js',
    'dist/image-tags.json',
    'images/targets.toml',
    'images/Containerfile.base',
    'images/Containerfile.rust',
    'images/steps/build-std.sh',
    'images/steps/verify-pins.sh',
    'images/xcross-runner',
    'scripts/setup-host.sh',
  ]) {
    assert.ok(files.has(f), `${f} is not in the package`);
  }
  assert.ok(
    ![...files].some((f) => f.startsWith('dist/test/') || f.startsWith('node_modules/')),
    'tests and node_modules stay out',
  );
});
