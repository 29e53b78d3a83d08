// The README's targets table is generated from images/targets.toml; this fails when it is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderTargets } from '../../src/commands/targets';
import { loadRegistry } from '../../src/targets/registry';

const ROOT = path.resolve(__dirname, '..', '..', '..');

test('README targets table matches images/targets.toml (run `node scripts/update-readme.mjs`)', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- targets:begin -->\n([\s\S]*?)<!-- targets:end -->/.exec(readme);
  assert.ok(m, 'README.md has no targets markers');
  assert.equal(m[1], renderTargets('markdown'));
  for (const t of loadRegistry().targets) assert.ok(m[1].includes(`\`${t.triple}\``), t.triple);
});

test("the README's first screen tells a Fedora user and a Debian user what to type", () => {
  const firstScreen = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').slice(0, 50).join('\n');
  const example =
    'node dist/src/main.js run --target aarch64-unknown-linux-gnu --manifest-path test/fixtures/hello-xcross/Cargo.toml';
  assert.match(firstScreen, /\*\*Fedora\*\*/);
  assert.ok(firstScreen.includes(`sudo dnf install podman nodejs npm\nnpm ci && ${example}`), 'the Fedora commands');
  assert.ok(firstScreen.includes(`scripts/setup-host.sh && npm ci && ${example}`), 'the Debian command');
  assert.ok(fs.existsSync(path.join(ROOT, 'test/fixtures/hello-xcross/Cargo.toml')));
});

test("the README's rust-analyzer setting is the command test/e2e/machine-output.test.ts runs", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(
    readme.includes(
      '"rust-analyzer.check.overrideCommand": ["xcross", "check", "--workspace", "--all-targets", "--message-format=json", "--target", "aarch64-unknown-linux-gnu"]',
    ),
  );
  const e2e = fs.readFileSync(path.join(ROOT, 'test/e2e/machine-output.test.ts'), 'utf8');
  assert.ok(e2e.includes("['check', '--workspace', '--all-targets', '--message-format=json', '--target', T]"));
});

test("CI runs the README's two Debian commands as the README writes them, in the README's order", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].trim());
  const first = blocks.find((b) => b.startsWith('scripts/setup-host.sh && '));
  const second = blocks.find((b) => b.startsWith('scripts/setup-host.sh --e2e-user '));
  assert.ok(first && second, "the README's Debian command and test command");
  assert.ok(readme.indexOf(first) < readme.indexOf(second), 'the README shows the example before the tests');
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  const at = (command: string) => ci.indexOf(`{ ${command}`);
  assert.ok(at(first) > 0, `.ci/run does not run: ${first}`);
  assert.ok(at(second) > 0, `.ci/run does not run: ${second}`);
  assert.ok(at(first) < at(second), '.ci/run runs the tests before the example');
});

test("the README's CI in containers section names the job image, the tests and the switch that exist", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^## CI in containers\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  assert.ok(section, 'README.md has no "CI in containers" section');
  for (const f of ['images/job/Containerfile', 'test/e2e/job-containers.test.ts', 'test/podman5/podman5.test.ts'])
    assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  assert.match(section, /test\/e2e\/job-containers\.test\.ts/);
  assert.match(section, /npm run test:podman5/);
  assert.match(section, /CROSS_CONTAINER_IN_CONTAINER/);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.match(pkg.scripts['test:podman5'], /run-e2e\.mjs --dir podman5/);
  // What the section says the job image does, it does.
  const containerfile = fs.readFileSync(path.join(ROOT, 'images/job/Containerfile'), 'utf8');
  assert.match(containerfile, /setcap cap_setuid=ep \/usr\/bin\/newuidmap/);
  assert.match(containerfile, /^VOLUME \/var\/lib\/containers$/m);
  assert.match(containerfile, /^USER 1000$/m);
});
