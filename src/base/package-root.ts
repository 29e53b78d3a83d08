import * as path from 'node:path';

// This file runs from dist/src/base/ (compiled) or inside dist/src/app.bundle.js (bundled); images/
// and scripts/ ship beside dist/ at the package root.
const DIST_SRC = path.basename(__dirname) === 'base' ? path.dirname(__dirname) : __dirname;
export const PACKAGE_ROOT = path.resolve(DIST_SRC, '..', '..');
export const IMAGES_DIR = path.join(PACKAGE_ROOT, 'images');
export const SCRIPTS_DIR = path.join(PACKAGE_ROOT, 'scripts');
export const REGISTRY_FILE = path.join(IMAGES_DIR, 'targets.toml');
