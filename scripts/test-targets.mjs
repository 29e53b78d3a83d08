#!/usr/bin/env node
// `npm run test:targets`: the end-to-end targets tests for every target of images/targets.toml (CI
// proves one per family: [tests] ci), then one table of what each took here: the std layer's build
// time and size, the target layer's build time and size, the example's first `xcross test`. That
// table is the README's "every target" table; paste the new one there after a run.
//
//   node scripts/test-targets.mjs [TRIPLE,TRIPLE...]      (default: all)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { root } from './bench-lib.mjs';

const which = process.argv[2] ?? 'all';
const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-test-targets-')), 'report.json');
fs.chmodSync(path.dirname(reportFile), 0o777); // the e2e user writes it when root runs this
const started = Date.now();
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-e2e.mjs'), 'targets'], {
  stdio: 'inherit',
  env: { ...process.env, XCROSS_E2E_TARGETS: which, XCROSS_E2E_REPORT: reportFile },
});

const s = (ms) => (ms === undefined || ms === null ? 'here already' : `${Math.round(ms / 1000)} s`);
const mb = (b) => (b === undefined || b === null ? '' : `${Math.round(b / 1e6)} MB`);
if (fs.existsSync(reportFile)) {
  const { rows } = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  console.log(
    `\nEvery target, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, ${Math.round((Date.now() - started) / 60000)} min in all:\n`,
  );
  console.log(
    '| target | family | std | std build | std layer | image build | target layers | first `xcross test` | tests run under |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const x of rows)
    console.log(
      `| \`${x.target}\` | ${x.family} | ${x.std} | ${x.std === 'build' ? s(x.stdBuild) : ''} | ${mb(x.stdBytes)} | ${s(x.imageBuild)} | ${mb(x.ownBytes)} | ${x.test === undefined ? '' : s(x.test)} | ${x.runner} |`,
    );
} else {
  console.error('test-targets: the tests wrote no report (they did not get as far as a target)');
}
process.exit(r.status ?? 1);
