// The image a build starts FROM, and a temporary name for it of this build's own. buildah's working
// containers record the image they start from (`podman ps --external`: Image), so with
// `--from <alias>` the containers of a killed build can be found and removed without touching other
// builds' (their names, `<image>-working-container`, are shared by every build of that base).
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { BuildRequest } from './runtime';

/** The first FROM's image with ARGs filled in (build args over ARG defaults); undefined for scratch or
 * what cannot be resolved here. */
export function firstFrom(req: Pick<BuildRequest, 'containerfile' | 'buildArgs'>, text?: string): string | undefined {
  let lines: string[];
  try {
    lines = (text ?? fs.readFileSync(req.containerfile, 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const args: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
    if (arg) {
      args[arg[1]] = req.buildArgs[arg[1]] ?? arg[2]?.replace(/^"(.*)"$/, '$1') ?? '';
      continue;
    }
    const from = /^FROM\s+(.*)$/i.exec(line);
    if (!from) continue;
    const image = from[1].split(/\s+/).find((w) => !w.startsWith('--'));
    if (!image) return undefined;
    const filled = image.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? '',
    );
    return filled && filled !== 'scratch' && !filled.includes('$') ? filled : undefined;
  }
  return undefined;
}

/** A fresh name for the base image, e.g. localhost/xcross-build-1234-9f3a1c:from. */
export function baseAlias(): string {
  return `localhost/xcross-build-${process.pid}-${randomBytes(3).toString('hex')}:from`;
}
