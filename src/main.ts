#!/usr/bin/env node
// Entry point. Kept tiny: `xcross --version` answers before anything heavy is loaded, and errors
// meant for users are printed as one sentence and a fix, without a stack trace.

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${require('../../package.json').version}\n`);
} else {
  void main();
}

async function main(): Promise<void> {
  const { readHost } = await import('./host');
  const { run } = await import('./cli/main');
  const { isXcrossError } = await import('./errors');
  const host = readHost();
  const debug = host.env.XCROSS_DEBUG === '1' || host.env.CROSS_DEBUG === '1' || argv.includes('-vv');
  try {
    process.exitCode = await run(argv, host);
  } catch (e) {
    if (isXcrossError(e)) {
      process.stderr.write(`xcross: error: ${e.message}\n`);
      if (e.fix) process.stderr.write(`xcross: fix: ${e.fix}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`xcross: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.stderr.write(debug && e instanceof Error ? `${e.stack}\n` : 'xcross: run again with XCROSS_DEBUG=1 for the stack trace, and please report it\n');
      process.exitCode = 70;
    }
  }
}
