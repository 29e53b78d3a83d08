#!/usr/bin/env node
// Entry point, kept tiny: `xcross --version` answers before anything else is loaded, and the program
// comes from the bundle that `npm run build` makes (loaded with V8's code cache), or from the
// compiled modules when there is no bundle.
import fs = require('node:fs');
import path = require('node:path');

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${require('../../package.json').version}\n`);
} else {
  const bundle = path.join(__dirname, 'app.bundle.js');
  const app = (
    fs.existsSync(bundle) ? require('./base/code-cache').requireWithCodeCache(bundle) : require('./app')
  ) as typeof import('./app');
  app.main(argv).then((code) => {
    process.exitCode = code;
  });
}
