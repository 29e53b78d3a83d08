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
import * as fs from 'node:fs';
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
      env: env as NodeJS.ProcessEnv,
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    return idle;
  }
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', () => {
    exited = true;
  });
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

/** Now, in the clock of /proc/<pid>/stat start times (ticks since boot, USER_HZ = 100). */
export function bootTicks(): number {
  try {
    return Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
  } catch {
    return 0;
  }
}

/**
 * A shell script (for startWatchdog's "$@": `sh -c SCRIPT sweep ENGINE PID ALIAS SINCE PIDSTART`) that
 * ends a build killed with xcross or under it, or whose podman service died: the build's process group
 * (podman build and the helper that starts RUN steps; PID 0: none), then its RUN steps. runc puts
 * a step in a session of its own, so once the build is gone the step is an orphan: a process of this
 * user, its parent init, started since the build began (SINCE, in ticks), whose HOSTNAME is the ID
 * of the working container it runs in (buildah sets it so). Those are killed and their containers
 * removed, with the working containers that record the base alias (ALIAS) as their image, and the alias.
 *
 * Only what provably was the build's is touched, since other xcross runs go on beside it:
 * - PID is signalled only while it is still the build (its start time is PIDSTART), or as a group
 *   once the build has ended (the kernel gives no new process the ID of a group that still exists);
 * - a HOSTNAME counts only when it is a working container's ID (listed by `ps --external`, not by
 *   `ps`): a job container on the host's network carries the host's name, which in a CI container is
 *   12 hex digits too.
 */
export const BUILD_SWEEP = `engine=$1 pid=$2 alias=$3 since=$4 pidstart=\${5:-}
started() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; set -- \${s##*) }; echo "\${20}"; }
if [ "$pid" -gt 0 ]; then
  now=$(started "$pid")
  if [ -z "$now" ]; then kill -s KILL -- "-$pid" 2>/dev/null
  elif [ "$now" = "$pidstart" ]; then kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null; fi
fi
working() {
  all=$("$engine" ps -a --external --format '{{.ID}}' 2>/dev/null) || return 0
  own=" $("$engine" ps -a --format '{{.ID}}' 2>/dev/null | tr '\\n' ' ') "
  for id in $all; do case "$own" in *" $id "*) ;; *) echo "$id" ;; esac; done
}
orphans() {
  known=" $(working | tr '\\n' ' ') "
  for p in /proc/[0-9]*; do
    [ -O "$p" ] || continue
    s=$(cat "$p/stat" 2>/dev/null) || continue
    set -- \${s##*) }
    [ "$2" = 1 ] && [ "\${20:-0}" -ge "$since" ] || continue
    h=$(tr '\\0' '\\n' < "$p/environ" 2>/dev/null | sed -n 's/^HOSTNAME=\\([0-9a-f]\\{12\\}\\)$/\\1/p')
    [ -n "$h" ] || continue
    case "$known" in *" $h "*) kill -s KILL "\${p#/proc/}" && echo "$h" ;; esac
  done | sort -u
}
sleep 0.2
ids=$(orphans)
if [ -n "$alias" ]; then
  known=" $(working | tr '\\n' ' ') "
  ids="$ids $("$engine" ps -a --external --format '{{.ID}} {{.Image}}' | while read -r id image; do
    [ "$image" = "$alias" ] && case "$known" in *" $id "*) echo "$id" ;; esac
  done)"
fi
for id in $ids; do "$engine" rm --force "$id"; done
sleep 1
for id in $(orphans); do "$engine" rm --force "$id"; done
[ -n "$alias" ] && "$engine" untag "$alias" "$alias"
exit 0`;
