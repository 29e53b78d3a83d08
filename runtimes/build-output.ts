// What a build printed, kept for its failure: the last lines, and verify-pins.sh's "pin mismatch:"
// lines, which say exactly what differs (the engine's own error would repeat the whole RUN line).
import { XcrossError } from '../src/base/errors';
import { mirrorError, mirrorUnreachable, StorageFullError, storageFull } from './build-faults';

export class BuildOutput {
  private readonly tail: string[] = [];
  private readonly mismatches: string[] = [];
  private readonly all: string[] = [];

  constructor(
    private readonly tag: string,
    private readonly onLine: (line: string) => void,
  ) {}

  line(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 25) this.tail.shift();
    if (line.startsWith('pin mismatch:')) this.mismatches.push(line);
    this.all.push(line);
    this.onLine(line);
  }

  get text(): string {
    return this.all.join('\n');
  }

  /**
   * The error for a failed build: the pin mismatches when there are some, a full disk or an
   * unreachable mirror when the output says so, else `why` and the last lines.
   */
  failure(why: string, fix = 'run the same command with -v to see every line of the build'): XcrossError {
    const full = storageFull([...this.all, why]);
    if (full) return new StorageFullError(this.tag, full);
    const mirror = mirrorUnreachable(this.all);
    if (mirror) return mirrorError(this.tag, mirror);
    if (this.mismatches.length > 0) {
      return new XcrossError(
        `building ${this.tag} failed: what apt installed is not what images/targets.toml pins:\n  ${this.mismatches.join('\n  ')}`,
        {
          fix: 'the Debian mirror moved on: update the pins in images/targets.toml to the installed versions (or wait for the mirror to finish syncing)',
        },
      );
    }
    return new XcrossError(`building ${this.tag} failed${why}; its last lines:\n${this.tail.join('\n')}`, { fix });
  }
}
