// One file that carries toolchain images to a machine with no registry: the engine's docker-archive
// (manifest.json, one config per image, one tar per layer, shared layers once), with every layer
// gzip-compressed inside it. podman, docker and nerdctl load that as it is (`podman load -i FILE`),
// which a gzip of the whole archive is not for podman 4. Written to a temporary name and renamed,
// so a full disk or an interrupted save never leaves a file that looks whole.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import type { Header, Pack } from 'tar-stream';
import { XcrossError } from '../base/errors';

const tarStream = () => require('tar-stream') as typeof import('tar-stream');

export interface SaveProgress {
  layer(index: number, bytes: number): void;
}

/** Re-packs the engine's archive from `input` into `file`, compressing each layer. Returns the bytes written. */
export async function writeArchive(
  input: NodeJS.ReadableStream,
  file: string,
  progress: SaveProgress,
): Promise<number> {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.partial-${process.pid}`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-save-'));
  const pack = tarStream().pack();
  const out = fs.createWriteStream(partial);
  const written = pipeline(pack, out);
  // A write that fails (a full disk) ends every wait below at once, not only the last one.
  const failed = new Promise<never>((_, reject) => {
    written.catch(reject);
  });
  failed.catch(() => undefined);
  const step = <T>(p: Promise<T>) => Promise.race([p, failed]);
  try {
    const extract = tarStream().extract();
    const reading = pipeline(input as Readable, extract);
    reading.catch(() => undefined);
    let layers = 0;
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type === 'file' && /\.tar$/.test(h.name)) {
        // A layer: compressed to a scratch file first, since a tar entry's size comes before its bytes.
        const tmp = path.join(scratch, 'layer.gz');
        await step(pipeline(entry, zlib.createGzip({ level: 6 }), fs.createWriteStream(tmp)));
        const size = fs.statSync(tmp).size;
        progress.layer(++layers, size);
        await step(addFile(pack, { ...h, size }, tmp));
        fs.rmSync(tmp);
      } else if (h.type === 'file') {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        await step(
          new Promise<void>((resolve, reject) =>
            pack.entry({ ...h, size: undefined }, Buffer.concat(chunks), (e) => (e ? reject(e) : resolve())),
          ),
        );
      } else {
        entry.resume();
        pack.entry({ ...h, size: 0 });
      }
    }
    await step(reading);
    pack.finalize();
    await written;
    fs.renameSync(partial, file);
    return fs.statSync(file).size;
  } catch (e) {
    pack.destroy();
    // The file may still be opening: remove it only once the stream has closed, or it comes back.
    await new Promise<void>((resolve) => {
      if (out.closed) return resolve();
      out.once('close', () => resolve());
      out.destroy();
    });
    fs.rmSync(partial, { force: true });
    throw archiveWriteError(e, file);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function addFile(pack: Pack, header: Header, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    sink.on('error', reject);
    fs.createReadStream(file).on('error', reject).pipe(sink);
  });
}

function archiveWriteError(e: unknown, file: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') {
    return new XcrossError(
      `the disk that holds ${file} (or the temporary folder ${os.tmpdir()}) is full: the archive was not written`,
      {
        fix: 'free some space there, or save to a roomier place with -o',
      },
    );
  }
  if (code === 'EACCES' || code === 'ENOENT' || code === 'EROFS') {
    return new XcrossError(`cannot write ${file}: ${(e as Error).message}`, {
      fix: 'choose a file in a folder you can write with -o',
    });
  }
  if (e instanceof XcrossError) return e;
  // The engine's stream itself ended early or was not a tar: the engine's own error follows, if any.
  return new XcrossError(
    `the images could not be written to ${file}: the engine's archive stream broke off (${(e as Error)?.message ?? e})`,
  );
}

export interface ArchivedImage {
  /** The config's digest: the image ID the engine will give it. */
  id: string;
  names: string[];
  labels: Record<string, string>;
}

/**
 * Reads an archive whole, before anything is loaded: its images (names and labels), and every layer
 * decompressed to the end, so that a truncated or damaged file is reported here and not half loaded.
 */
export async function readArchive(file: string): Promise<ArchivedImage[]> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new XcrossError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new XcrossError(`${file} is not a file`);
  const files = new Map<string, Buffer>();
  const present = new Set<string>();
  try {
    const extract = tarStream().extract();
    const reading = pipeline(fs.createReadStream(file), extract);
    reading.catch(() => undefined);
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      present.add(name);
      if (/\.tar$/.test(name)) {
        await drainLayer(entry as unknown as AsyncIterable<Buffer>);
      } else if (name.endsWith('.json') && (entry.header.size ?? 0) < 16 << 20) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        files.set(name, Buffer.concat(chunks));
      } else entry.resume();
    }
    await reading;
  } catch (e) {
    throw new XcrossError(`${file} is damaged or truncated: ${(e as Error).message}`, {
      fix: 'copy or save the archive again (`xcross image save -o FILE`)',
    });
  }
  return parseArchive(file, files, present);
}

/** Reads a layer to its end; a gzip layer is decompressed, which checks its length and CRC. */
async function drainLayer(entry: AsyncIterable<Buffer>): Promise<void> {
  const it = entry[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest = { [Symbol.asyncIterator]: () => it };
  if (!(first.value[0] === 0x1f && first.value[1] === 0x8b)) {
    for await (const _ of rest) void _;
    return;
  }
  const all = async function* () {
    yield first.value;
    yield* rest;
  };
  await pipeline(Readable.from(all()), zlib.createGunzip(), new Writable({ write: (_c, _e, cb) => cb() }));
}

function parseArchive(file: string, files: Map<string, Buffer>, present: Set<string>): ArchivedImage[] {
  const bad = (why: string) =>
    new XcrossError(`${file} is not an image archive xcross can read: ${why}`, {
      fix: "make one with `xcross image save -o FILE` (or the engine's own `save` of several images)",
    });
  const manifest = files.get('manifest.json');
  if (!manifest) throw bad('it has no manifest.json');
  let entries: unknown;
  try {
    entries = JSON.parse(manifest.toString('utf8'));
  } catch {
    throw bad('its manifest.json is not JSON');
  }
  if (!Array.isArray(entries)) throw bad('its manifest.json is not a list');
  return entries.map((raw: unknown, i) => {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as {
      Config?: unknown;
      RepoTags?: unknown;
      Layers?: unknown;
    };
    if (typeof e.Config !== 'string') throw bad(`image ${i + 1} names no config`);
    const config = files.get(e.Config);
    if (!config) throw bad(`the config ${e.Config} of image ${i + 1} is missing`);
    const layers = Array.isArray(e.Layers) ? e.Layers.filter((l): l is string => typeof l === 'string') : [];
    const missing = layers.find((l) => !present.has(l));
    if (missing) throw bad(`the layer ${missing} of image ${i + 1} is missing`);
    let labels: Record<string, string> = {};
    try {
      const c = JSON.parse(config.toString('utf8')) as { config?: { Labels?: Record<string, unknown> | null } };
      labels = Object.fromEntries(
        Object.entries(c.config?.Labels ?? {}).filter(([, v]) => typeof v === 'string'),
      ) as Record<string, string>;
    } catch {
      throw bad(`the config ${e.Config} is not JSON`);
    }
    return {
      id: e.Config.replace(/\.json$/, '').replace(/^sha256:/, ''),
      names: Array.isArray(e.RepoTags) ? e.RepoTags.filter((n): n is string => typeof n === 'string') : [],
      labels,
    };
  });
}
