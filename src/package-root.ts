import * as path from 'node:path';

// Compiled files live in dist/src/; images/ and scripts/ ship beside dist/ at the package root.
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const IMAGES_DIR = path.join(PACKAGE_ROOT, 'images');
export const SCRIPTS_DIR = path.join(PACKAGE_ROOT, 'scripts');
export const REGISTRY_FILE = path.join(IMAGES_DIR, 'targets.toml');
