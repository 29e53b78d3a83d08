// The engine interface: what the rest of xcross may ask of podman, docker or nerdctl.
import type { ContainerSpec } from './spec';
import type { StorageUsage } from './storage-usage';
import type { RemoteEngine } from './ssh/tunnel';

export interface RunResult {
  /** The container's exit code (the engine's own when it failed before the container ran). */
  code: number;
  /** Set when xcross was interrupted: the container was stopped and removed. */
  interrupted?: NodeJS.Signals;
  /** The image is not on this machine: nothing ran (the caller may build or pull it and run again). */
  imageMissing?: boolean;
}

export interface BuildRequest {
  containerfile: string;
  context: string;
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** .dockerignore-style patterns left out of the context (target/, .git), on top of the context's own. */
  excludes?: string[];
  /**
   * false: no step cache, one working container from the base, one commit at the end (the podman
   * CLI; the REST runtime keeps its cache, see podman-api/build.ts). A cache hit makes a working
   * container named after the cached step, which no sweep can tell from another build's, so a killed
   * build would leave it behind. Default: steps cached.
   */
  layers?: boolean;
}

export interface ImageInfo {
  id: string;
  /** Repository:tag names (may be empty for an untagged image). */
  names: string[];
  /** Creation time, seconds since the epoch. */
  created: number;
  size: number;
  labels: Record<string, string>;
}

export interface Runtime {
  readonly name: string;
  /** Set when the engine is on another machine, reached over ssh (detect.ts opens the tunnel). */
  remote?: RemoteEngine;
  /** One line for -v: the binary, its mode (rootless or not) and what was adapted. */
  describe(): string;
  imageExists(ref: string): Promise<boolean>;
  imageLabels(ref: string): Promise<Record<string, string>>;
  /** The image's full ID, or undefined when it is not here. */
  imageId(ref: string): Promise<string | undefined>;
  /** Images carrying the label (`key=value`). */
  listImages(label: string): Promise<ImageInfo[]>;
  /** Removes an image by name or ID; throws XcrossError when the engine refuses (e.g. in use). */
  removeImage(ref: string): Promise<void>;
  /** Tries to pull; false when the registry cannot be reached or has no such image. */
  pull(ref: string, onLine: (line: string) => void): Promise<boolean>;
  importTarball(file: string, ref: string): Promise<void>;
  /** Gives the image `ref` another name. */
  tag(ref: string, newRef: string): Promise<void>;
  /** Pushes the local image `ref` to the registry as `dest`, with the engine's own credentials;
   * throws XcrossError with the engine's sentence. */
  push(ref: string, dest: string, onLine: (line: string) => void): Promise<void>;
  /** Streams one docker-archive tar of the images (shared layers once) to `sink`; throws when the
   * engine fails, and stops the engine when the sink fails (a full disk). */
  save(refs: string[], sink: (tar: NodeJS.ReadableStream) => Promise<void>): Promise<void>;
  /** Loads a docker-archive file (its layers may be gzip-compressed); throws on failure. */
  load(file: string, onLine: (line: string) => void): Promise<void>;
  /** Builds an image; streams the engine's output lines; throws XcrossError on failure. `onProcess`
   * learns the pid of the engine process that builds, where there is one of ours (the CLI engines). */
  build(req: BuildRequest, onLine: (line: string) => void, onProcess?: (pid: number) => void): Promise<void>;
  /** A container this engine knows by that ID (or prefix) or name, with its mounts; undefined when it
   * knows none (xcross looks itself up this way when it runs in a container: src/placement/). */
  inspectContainer?(ref: string): Promise<import('./container-inspect').KnownContainer | undefined>;
  /** Whether the engine starts its containers from this very machine (or container): podman without
   * a service, or a service xcross started. Its containers then see xcross's paths as they are. */
  runsHere?(): Promise<boolean>;
  /** Where the engine stores images and how full that disk is (for a full-disk error), when it can say. */
  storageUsage?(): Promise<StorageUsage | undefined>;
  /** Runs a container to completion with our stdio; removes it afterwards, also on SIGINT/SIGTERM.
   * Never pulls: a missing image is reported as `imageMissing`, so that the hot path asks nothing first. */
  run(spec: ContainerSpec): Promise<RunResult>;
  /** Lets go of what the runtime holds (connections, a service it started); called once at the end. */
  close?(): Promise<void>;
}

/** The command a user types for this runtime's engine, for fixes to name (the REST runtime's is podman). */
export function engineCommand(runtime: Pick<Runtime, 'name'>): string {
  return runtime.name === 'podman-api' ? 'podman' : runtime.name;
}
