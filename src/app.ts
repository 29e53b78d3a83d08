// The program behind the tiny entry point (main.ts): read the host, run the command, and print
// errors meant for users as one sentence and a fix, without a stack trace.
import { readHost } from './host';
import { run } from './cli/main';
import { isXcrossError } from './base/errors';
import { closeRuntimes } from '../runtimes/detect';

export async function main(argv: string[]): Promise<number> {
  const host = readHost();
  const debug = host.env.XCROSS_DEBUG === '1' || host.env.CROSS_DEBUG === '1' || argv.includes('-vv');
  try {
    return await run(argv, host);
  } catch (e) {
    if (isXcrossError(e)) {
      process.stderr.write(`xcross: error: ${e.message}\n`);
      if (e.fix) process.stderr.write(`xcross: fix: ${e.fix}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    process.stderr.write(`xcross: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.stderr.write(debug && e instanceof Error ? `${e.stack}\n` : 'xcross: run again with XCROSS_DEBUG=1 for the stack trace, and please report it\n');
    return 70;
  } finally {
    await closeRuntimes();
  }
}
