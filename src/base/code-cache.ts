// Loading the bundled program with V8's code cache: compiling ~200 KB of JavaScript on every start
// costs a noticeable part of a no-op build, and Node 20 has no compile cache of its own. The cache
// lives in $XDG_CACHE_HOME/xcross/code-cache, keyed by the bundle's name, the package version, the
// bundle's size and time, and Node's version (npm gives every installed file the same date, so the
// time alone would not tell two releases apart; V8 itself rejects a cache whose source differs in
// length). Writing a new cache removes the old ones of that bundle. Any failure to read or write it
// only costs the compile. No hashing here: loading node:crypto alone costs more than it would save.
import * as fs from 'node:fs';
import Module = require('node:module');
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

export function requireWithCodeCache(file: string): unknown {
  // A bundle may start with a shebang, which is not valid inside the module wrapper.
  const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const cacheDir = path.join(
    process.env.XDG_CACHE_HOME || path.join(process.env.HOME || os.homedir(), '.cache'),
    'xcross',
    'code-cache',
  );
  const st = fs.statSync(file);
  const name = path.basename(file, '.js');
  const cacheFile = path.join(
    cacheDir,
    `${name}-${packageVersion(file)}-${process.version}-${process.arch}-${st.size}-${Math.round(st.mtimeMs)}.bin`,
  );
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = { exports: {} as unknown };
  const fn = script.runInThisContext() as (e: unknown, r: NodeRequire, m: unknown, f: string, d: string) => void;
  fn(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, when the lazily compiled functions that the command used are in the cache too.
    process.once('exit', () => {
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
        for (const old of fs.readdirSync(cacheDir)) {
          if (old.startsWith(`${name}-`) && old.endsWith('.bin') && path.join(cacheDir, old) !== cacheFile)
            fs.rmSync(path.join(cacheDir, old), { force: true });
        }
      } catch {}
    });
  }
  return mod.exports;
}

/** The version in the package.json above the bundle (dist/src/x.js → package.json), or '0'. */
function packageVersion(file: string): string {
  try {
    const v = (
      JSON.parse(fs.readFileSync(path.join(path.dirname(file), '..', '..', 'package.json'), 'utf8')) as {
        version?: unknown;
      }
    ).version;
    return typeof v === 'string' ? v.replace(/[^\w.+-]/g, '_') : '0';
  } catch {
    return '0';
  }
}
