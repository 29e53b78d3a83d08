// Cross.toml, as far as the build needs it now: `build.default-target`. The file is found where cross
// finds it (CROSS_CONFIG, else beside the workspace's Cargo.toml) and every read is typed.
import * as path from 'node:path';
import type { Env } from '../host';
import { isFile } from '../workspace/manifest';
import { parseTomlFile, TomlReader } from './toml';

export interface CrossConfig {
  file?: string;
  defaultTarget?: string;
}

export function loadCrossConfig(workspaceRoot: string, env: Env, cwd: string): CrossConfig {
  const file = env.CROSS_CONFIG ? path.resolve(cwd, env.CROSS_CONFIG) : path.join(workspaceRoot, 'Cross.toml');
  if (!env.CROSS_CONFIG && !isFile(file)) return {};
  const root = new TomlReader(parseTomlFile(file), file);
  const build = root.optTable('build');
  return { file, defaultTarget: build?.optString('default-target') };
}
