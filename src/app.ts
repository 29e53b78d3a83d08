// The program behind the tiny entry point (main.ts): read the host, run the command, and print
// errors meant for users as one sentence and a fix, without a stack trace. The app owns the stop
// (src/stop.ts): it alone picks the exit code of a stopped command and runs its cleanups.
import { readHost } from './host';
import { run } from './cli/main';
import { isXcrossError } from './base/errors';
import { closeRuntimes } from '../runtimes/detect';
import { StopController } from './stop';

export async function main(argv: string[]): Promise<number> {
  const host = readHost();
  const debug = host.env.XCROSS_DEBUG === '1' || host.env.CROSS_DEBUG === '1' || argv.includes('-vv');
  const stop = new StopController().listen();
  // Every runtime the command made is closed (a podman service of our own is stopped).
  stop.defer(closeRuntimes);
  try {
    const command = run(argv, host, stop);
    const ended = await Promise.race([command.then((code) => ({ code })), stop.abandoned.then(() => undefined)]);
    // Stopped and no longer waited for: the cleanups run, then the process ends, whatever still pends.
    if (!ended) {
      command.catch(() => {});
      await stop.finish();
      process.exit(stop.exitCode(1));
    }
    return stop.exitCode(ended.code);
  } catch (e) {
    // A stopped command may end in an error that only says so (a build's Interrupted): the code says it.
    if (stop.stoppedBy) return stop.exitCode(1);
    if (isXcrossError(e)) {
      process.stderr.write(`xcross: error: ${e.message}\n`);
      if (e.fix) process.stderr.write(`xcross: fix: ${e.fix}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    process.stderr.write(`xcross: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.stderr.write(
      debug && e instanceof Error
        ? `${e.stack}\n`
        : 'xcross: run again with XCROSS_DEBUG=1 for the stack trace, and please report it\n',
    );
    return 70;
  } finally {
    await stop.finish();
  }
}
