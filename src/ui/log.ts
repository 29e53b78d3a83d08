// Everything xcross itself says goes to stderr, so that stdout stays the program's and cargo's.
import { paint } from './colour';
import type { Logger } from '../base/log';

/** `color`: the settings' decision for stderr (ui/colour.ts); plain when not told. */
export function createLogger(verbose: number, stream: NodeJS.WriteStream = process.stderr, color = false): Logger {
  const c = paint(color);
  const write = (s: string) => stream.write(s + '\n');
  return {
    verbose,
    info: (msg) => write(`${c.bold('xcross')}: ${msg}`),
    warn: (msg) => write(`${c.yellow(c.bold('xcross warning'))}: ${msg}`),
    debug: (msg) => {
      if (verbose > 0) write(c.dim(`xcross: ${msg}${since()}`));
    },
    command: (argv) => {
      if (verbose > 0) write(c.cyan(`+ ${shellQuote(argv)}`) + c.dim(since()));
    },
  };
}

/** Time since xcross started, so that -v shows where the time goes. */
function since(): string {
  return ` [${Math.round(performance.now())} ms]`;
}

export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
