// Loading the bundled program with V8's code cache: compiling ~200 KB of JavaScript on every start
// costs a noticeable part of a no-op build, and Node 20 has no compile cache of its own. The cache
// lives in $XDG_CACHE_HOME/xcross/code-cache, keyed by the bundle file's size and time and Node's
// version (V8 itself rejects a cache that does not fit the source); any failure to read or write it
// only costs the compile. No hashing here: loading node:crypto alone costs more than it would save.
import * as fs from 'node:fs';
import Module = require('node:module');
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

export function requireWithCodeCache(file: string): unknown {
  // A bundle may start with a shebang, which is not valid inside the module wrapper.
  const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME || os.homedir(), '.cache'), 'xcross', 'code-cache');
  const st = fs.statSync(file);
  const key = `${process.version}-${process.arch}-${st.size}-${Math.round(st.mtimeMs)}`;
  const cacheFile = path.join(cacheDir, `${key}.bin`);
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
      } catch {}
    });
  }
  return mod.exports;
}
