// Path relations shared by the planner, the workspace loader and the build context.
import * as path from 'node:path';

/** Whether `child` is `parent` or below it; `..` or `../x` is outside, a name like `..x` is not. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
