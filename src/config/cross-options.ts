// The options cross reads (build.* and target.<triple>.*), typed, from any of their sources.

export interface ImageOption {
  name: string;
  /** Platforms the image provides toolchains for (cross's `toolchain = [...]`); informational here. */
  toolchain: string[];
}

export type PreBuild = { kind: 'lines'; lines: string[] } | { kind: 'script'; path: string };

export interface DockerfileOption {
  file: string;
  context?: string;
  buildArgs: Record<string, string>;
}

export type ZigOption = boolean | string | { enable?: boolean; version?: string; image?: string };

/** Which key gives a target table an image of the user's, if any (image wins, as it does for the base). */
export function imageSource(o: Partial<TargetOptions>): 'image' | 'dockerfile' | 'pre-build' | undefined {
  return o.image ? 'image' : o.dockerfile ? 'dockerfile' : o.preBuild ? 'pre-build' : undefined;
}

/** What build.* and target.<triple>.* may set (build.* also has default-target). */
export interface TargetOptions {
  image?: ImageOption;
  preBuild?: PreBuild;
  dockerfile?: DockerfileOption;
  passthrough: string[];
  volumes: string[];
  buildStd?: boolean | string[];
  zig?: ZigOption;
  runner?: string;
  xargo?: boolean;
}

export interface XcrossOptions {
  runtime?: string;
  toolchainSource?: string;
  readOnlySource?: boolean;
  /** The glibc floor for every target ([xcross] glibc), and per target ([xcross.target.<triple>] glibc). */
  glibc?: string;
  targetGlibc?: Record<string, string>;
  /** [xcross.target.<triple>] machine: the board a bare-metal target's programs run on. */
  targetMachine?: Record<string, string>;
  /** [xcross] image-cache: `<registry>/<prefix>` of a team's image cache. */
  imageCache?: string;
  /** [xcross] compile-cache (off, local, redis://..., s3://..., gha) and compile-cache-size (10G). */
  compileCache?: string;
  compileCacheSize?: string;
}

/** One source's view (a file, Cargo metadata, the environment), before merging. */
export interface CrossLayer {
  /** Where it came from, for messages. */
  origin: string;
  build: Partial<TargetOptions> & { defaultTarget?: string };
  targets: Record<string, Partial<TargetOptions>>;
  xcross: XcrossOptions;
}

export function emptyLayer(origin: string): CrossLayer {
  return { origin, build: {}, targets: {}, xcross: {} };
}
