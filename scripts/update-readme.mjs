#!/usr/bin/env node
// Writes the targets table (from images/targets.toml, through `xcross targets --markdown`) into
// README.md between its markers. test/unit/readme.test.ts fails when the README is stale.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const table = execFileSync(process.execPath, [path.join(root, 'dist/src/main.js'), 'targets', '--markdown']).toString();
const file = path.join(root, 'README.md');
const text = fs.readFileSync(file, 'utf8');
const next = text.replace(/(<!-- targets:begin -->\n)[\s\S]*?(<!-- targets:end -->)/, `$1${table}$2`);
fs.writeFileSync(file, next);
console.log(next === text ? 'README.md: targets table already up to date' : 'README.md: targets table updated');
