// What both podman runtimes (the CLI, when it is a client of a service, and the REST runtime) know
// of a podman service: whose it is, and that only its owner can give it global flags.
import * as fs from 'node:fs';

/** The uid that owns a socket file (undefined when there is none): 0 is a rootful service. */
export function socketOwner(file: string): number | undefined {
  try {
    return fs.statSync(file).uid;
  } catch {
    return undefined;
  }
}

/** The fix for a service that needs global flags: only whoever runs it can add them. */
export function restartServiceWith(global: string[]): string {
  return `restart that service as \`podman ${global.join(' ')} system service\``;
}
