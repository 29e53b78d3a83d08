// What both podman runtimes (the CLI, when it is a client of a service, and the REST runtime) know
// of a podman service: which one CONTAINER_HOST names, whose it is, and that only its owner can give
// it global flags.
import * as fs from 'node:fs';

/** CONTAINER_HOST as every engine path reads it: trimmed, and blank is unset. */
export function containerHost(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env.CONTAINER_HOST?.trim() || undefined;
}

/** Set by detection when CONTAINER_HOST was rewritten to the local end of an ssh tunnel: the engine's
 * own address, which names the service in caches (the tunnel's socket is new every run). */
export const ENGINE_URI = 'XCROSS_ENGINE_URI';

/** The service's lasting name: the ssh URI behind a tunnel, else CONTAINER_HOST. */
export function serviceName(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env[ENGINE_URI] || containerHost(env);
}

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
