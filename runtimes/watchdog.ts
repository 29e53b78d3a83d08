// SIGKILL (issue 15). A killed xcross runs no code, so whatever must remove its container has to live
// outside it. The design: a watchdog, a detached `sh` started beside each container run and each image
// build. It holds the read end of a pipe whose write end only xcross has; it blocks in `read`. When
// the work ends normally xcross writes "done" and the watchdog exits. When xcross dies, by SIGKILL
// too, the kernel closes the pipe: `read` sees the end without "done", and the watchdog runs the
// cleanup command (remove the container; kill the build and remove its working containers).
// When the engine's own process (podman run, podman build) is killed under a live xcross, xcross
// says "now" and waits for the same cleanup. Why this design:
// - it meets "nothing running 10 s later" (a label swept by the next run would wait for a next run);
// - it works for every engine and image: nothing is added inside the container or the image;
// - `sh` starts in about a millisecond and xcross never waits for it (no handshake): the hot path
//   pays one fork, not a process start it waits for; a Node watchdog would cost ~40 ms of CPU;
// - detached (its own session): a Ctrl-C on the terminal or a kill of xcross's process group (CI
//   cancelling a job) does not take it down with xcross.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcEnv } from './process';

/** Blocks until xcross says "done" (then exits) or goes away / says "now" (then runs "$@"). */
const WATCH = 'read -r word; [ "$word" = done ] && exit 0; "$@"';

export interface Watchdog {
  /** The work ended as it should: nothing to clean up. */
  done(): void;
  /** Clean up now (the engine's process died under us), and wait until it is done. */
  now(): Promise<void>;
}

const idle: Watchdog = { done() {}, now: async () => {} };

/**
 * Starts a watchdog that runs `cleanup` (a command and its arguments, no shell quoting involved)
 * unless done() is called first. Never throws: without /bin/sh there is simply no watchdog.
 */
export function startWatchdog(cleanup: string[], env: ProcEnv, shell = '/bin/sh'): Watchdog {
  let child: ChildProcess;
  try {
    child = spawn(shell, ['-c', WATCH, 'xcross-watchdog', ...cleanup], {
      env: env as NodeJS.ProcessEnv, detached: true, stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    return idle;
  }
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.once('error', () => { exited = true; });
  child.stdin!.on('error', () => {});
  // Neither the process nor its pipe may keep xcross alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let said = false;
  const say = (word: string) => {
    if (said || exited) return;
    said = true;
    child.stdin!.end(`${word}\n`);
  };
  return {
    done: () => say('done'),
    now: async () => {
      if (exited) return;
      child.ref();
      say('now');
      await gone;
    },
  };
}

/** A shell script (for startWatchdog's "$@": `sh -c SCRIPT`) that ends a podman build killed with xcross or
 * under it: the build's process group (podman build and the helper about to start a step), the RUN
 * steps still running in its working containers (their image is the alias, or their name starts with it; they carry HOSTNAME=<container id>; looked for
 * twice, in case a step was starting), those containers, and the temporary name of its base. */
export const BUILD_SWEEP = `engine=$1 pid=$2 prefix=$3 alias=$4
[ "$pid" -gt 0 ] && { kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null; }
ids=
[ -n "$alias" ] && ids=$("$engine" ps -a --external --format '{{.ID}} {{.Image}} {{.Names}}' | while read -r id image name; do
  [ "$image" = "$alias" ] || case "$name" in "$prefix"-working-container*) ;; *) continue ;; esac
  echo "$id"
done)
steps() { for id in $ids; do for p in /proc/[0-9]*; do grep -qsxz "HOSTNAME=$id" "$p/environ" && kill -s KILL "\${p#/proc/}"; done; done; }
steps
for id in $ids; do "$engine" rm --force "$id"; done
[ -n "$ids" ] && sleep 1 && steps
[ -n "$alias" ] && "$engine" untag "$alias" "$alias"
exit 0`;
