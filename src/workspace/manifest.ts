// Finding the package's Cargo.toml the way cargo does, without cargo: --manifest-path, or the
// nearest Cargo.toml from the working directory upwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';

export function locateManifest(cwd: string, manifestPath: string | undefined): string {
  if (manifestPath !== undefined) {
    const file = path.resolve(cwd, manifestPath);
    if (path.basename(file) !== 'Cargo.toml') {
      throw new XcrossError(`--manifest-path must point to a Cargo.toml, not ${manifestPath}`);
    }
    if (!isFile(file)) throw new XcrossError(`manifest path \`${manifestPath}\` does not exist`);
    return file;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'Cargo.toml');
    if (isFile(file)) return file;
    if (path.dirname(dir) === dir) break;
  }
  throw new XcrossError(`could not find Cargo.toml in ${cwd} or any parent directory`, {
    fix: 'run xcross inside a Rust crate, or pass --manifest-path path/to/Cargo.toml',
  });
}

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
