// The whole output of an image build that failed, kept in a file the error names: the terminal shows
// its last lines only, and a build of the Rust std or of OpenSSL says what went wrong far above them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';

/** $XDG_CACHE_HOME/xcross/logs/<image name>-<tag>.log, written whole; its path. */
export function saveBuildLog(cacheDir: string, tag: string, lines: string[]): string | undefined {
  const file = path.join(cacheDir, 'logs', `${tag.replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]/g, '-')}.log`);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, lines.join('\n') + '\n');
    return file;
  } catch {
    return undefined;
  }
}

/** The build's own error, saying what failed in the std build when it was that, and where the log is. */
export function failedBuildError(e: XcrossError, lines: string[], log: string | undefined): XcrossError {
  const std = lines
    .map((l) => /build-std\.sh: the Rust std for (\S+) did not build(?:: the crate (\S+) failed)?/.exec(l))
    .find((m) => m !== null);
  const where = log ? `the whole build log is ${log}` : undefined;
  if (std) {
    return new XcrossError(
      `building the Rust std for ${std[1]} failed${std[2] ? `: the crate ${std[2]} did not compile` : ''} (no image was tagged)`,
      { fix: [where, 'a std that Debian does not build for this target may not build at all: say so in an issue'].filter(Boolean).join('; '), cause: e },
    );
  }
  return new XcrossError(e.message, { fix: [e.fix, where].filter(Boolean).join('; '), exitCode: e.exitCode, cause: e });
}
