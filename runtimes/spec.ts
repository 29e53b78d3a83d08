// The seam between planning and engines: what to run, as plain data. A runtime turns it into engine
// calls; nothing here knows of Cargo, and nothing in a runtime knows of Cargo either.

export interface Mount {
  /** Absolute host path; with `volume`, the name of an engine volume instead. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
  /** `source` names an engine volume (the engine's side of a synced mount, see src/sync/). */
  volume?: boolean;
  /** A mount the run can do without (the compile cache's directory): what it is, for the warning
   * when an engine cannot reach it and the run goes on without it. */
  optional?: string;
}

/** Whose files the container writes: the runtime maps this onto the engine (userns, --user). */
export interface Owner {
  uid: number;
  gid: number;
}

export interface ContainerSpec {
  image: string;
  /** Unique name, so the container can be found and removed whatever happens to the engine process. */
  name: string;
  command: string[];
  /** What the user knows this run as, when command[0] is a wrapper around it (the compile cache's). */
  program?: string;
  workdir: string;
  env: Record<string, string>;
  mounts: Mount[];
  owner: Owner;
  labels: Record<string, string>;
  /** Forward our stdin to the container. */
  interactive: boolean;
  /** Give the container a terminal (only when ours is one). */
  tty: boolean;
  /** TCP ports to reach on the host at the same number (e.g. qemu's gdb stub). */
  ports?: number[];
}

/** The label every container and image that xcross makes carries. */
export const MANAGED_LABEL = 'io.xcross.managed';
