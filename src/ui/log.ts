// Everything xcross itself says goes to stderr, so that stdout stays the program's and cargo's.
import kleur from 'kleur';
import type { Logger } from '../base/log';

export function createLogger(verbose: number, stream: NodeJS.WriteStream = process.stderr, color = Boolean(stream.isTTY)): Logger {
  kleur.enabled = color && !process.env.NO_COLOR;
  const write = (s: string) => stream.write(s + '\n');
  return {
    verbose,
    info: (msg) => write(`${kleur.bold('xcross')}: ${msg}`),
    warn: (msg) => write(`${kleur.yellow().bold('xcross warning')}: ${msg}`),
    debug: (msg) => { if (verbose > 0) write(kleur.dim(`xcross: ${msg}${since()}`)); },
    command: (argv) => { if (verbose > 0) write(kleur.cyan(`+ ${shellQuote(argv)}`) + kleur.dim(since())); },
  };
}

/** Time since xcross started, so that -v shows where the time goes. */
function since(): string {
  return ` [${Math.round(performance.now())} ms]`;
}

export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
