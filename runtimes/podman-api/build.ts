// `podman build` through the API: the context goes up as a tar stream made on the fly, the build's
// output comes back as JSON lines, shown as they come. Ctrl-C drops the connection, which cancels
// the build in the service; a service that dies mid-build ends it with an error, not a hang.
import { XcrossError } from '../../src/base/errors';
import type { Adaptation } from '../adaptation/probe';
import { Interrupted, NEVER_STOP, onAbort, stopReason, type Stopping } from '../stop';
import type { BuildRequest } from '../runtime';
import { BuildOutput } from '../build-output';
import { errorMessage } from './client';
import type { Connection } from './connect';
import { contextTar } from './build-tar';
import { lineSplitter, readJsonLines } from './streams';

export interface BuildContext {
  stop?: Stopping;
  /** Removes what the build left running when the service died under it (orphans.ts). */
  sweep?: () => Promise<void>;
}

export async function buildImage(
  c: Connection,
  req: BuildRequest,
  adapt: Adaptation,
  onLine: (line: string) => void,
  bc: BuildContext = {},
): Promise<void> {
  const stop = bc.stop ?? NEVER_STOP;
  if (stop.signal.aborted) throw new Interrupted(stopReason(stop)!);
  const tar = contextTar(req.context, req.containerfile, req.excludes);
  const ulimits = adapt.run.filter((f) => f.startsWith('--ulimit=')).map((f) => f.slice('--ulimit='.length));
  const query = {
    dockerfile: tar.containerfile,
    t: req.tag,
    buildargs: JSON.stringify(req.buildArgs),
    labels: JSON.stringify(req.labels),
    // As the CLI runtime builds: RUN steps on the host network (apt reaches the mirror, rootless
    // too), layers cached, intermediate containers removed even when a step fails. The step cache
    // stays on even when the request asks for none (BuildRequest.layers): without it, a build that
    // filled the image storage left its working container behind in 1 of 4 runs (podman 4.3), and
    // what a killed service leaves is found with it on (build-leftovers.ts).
    nsoptions: JSON.stringify([{ Name: 'network', Host: true }]),
    ulimits: ulimits.length ? JSON.stringify(ulimits) : undefined,
    layers: true,
    rm: true,
    forcerm: true,
  };
  const output = new BuildOutput(req.tag, onLine);
  const lines = lineSplitter((line) => output.line(line));
  let failure: string | undefined;
  let body: (NodeJS.ReadableStream & { destroy(): void }) | undefined;
  // Dropping the connection cancels the build in the service.
  const undo = onAbort(stop.signal, () => {
    tar.stream.destroy();
    body?.destroy();
  });
  try {
    const r = await c.api.stream('POST', '/build', {
      query,
      body: tar.stream as unknown as NodeJS.ReadableStream,
      contentType: 'application/x-tar',
    });
    body = r.body;
    if (r.status >= 400) {
      throw new XcrossError(
        `building ${req.tag} failed: the podman service refused the build: ${errorMessage(await r.body.text())}`,
      );
    }
    await readJsonLines(r.body, (o) => {
      if (o.stream) lines.push(o.stream);
      if (o.error) failure = o.error.trim();
    });
    lines.flush();
    await tar.done;
  } catch (e) {
    if (stop.signal.aborted) throw new Interrupted(stopReason(stop)!);
    if (e instanceof XcrossError) throw e;
    // The body broke off: the service went away under us. Its RUN step and working container live
    // on without it (conmon-less, in the user's storage): the local podman removes them now.
    await bc.sweep?.();
    const words = c.own?.dead ? ` (it said: ${c.own.lastWords})` : '';
    const swept = bc.sweep ? '; its build containers were removed' : '';
    throw new XcrossError(
      `building ${req.tag} failed: the podman service on ${c.socket} went away during the build${words}${swept}`,
      {
        cause: e,
        fix: 'check the service (`podman info`), and run the build again; `--runtime podman` does not need the service',
      },
    );
  } finally {
    undo();
  }
  if (stop.signal.aborted) throw new Interrupted(stopReason(stop)!);
  if (!failure) return;
  throw output.failure(`: ${failure}`);
}
