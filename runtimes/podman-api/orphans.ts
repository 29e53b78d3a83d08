// After the podman service died in the middle of a build: its RUN step lives on (runc put it in a
// session of its own, the service was its parent) in a working container the service will never
// remove. A service's build names its working container after the base image's ID, which other
// builds share, so the container is found through the step instead: a process of this user, started
// after this build began, orphaned (its parent is gone), whose HOSTNAME is a container ID (buildah
// sets it so). Those are killed and their containers removed with the local podman.
import * as fs from 'node:fs';

/** Seconds since boot, the clock of /proc/<pid>/stat's start times. */
export function uptime(): number {
  try {
    return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

/** Process ids and container ids of orphaned build steps started at `since` (uptime) or later. */
export function orphanedSteps(since: number, uid: number, proc = '/proc', ticks = 100): { pids: number[]; containers: string[] } {
  const pids: number[] = [];
  const containers = new Set<string>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(proc).filter((e) => /^\d+$/.test(e));
  } catch {}
  for (const e of entries) {
    try {
      if (fs.statSync(`${proc}/${e}`).uid !== uid) continue;
      // After "(comm)": state, ppid, ..., field 22 is the start time in clock ticks.
      const stat = fs.readFileSync(`${proc}/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) !== 1 || Number(f[19]) / ticks < since) continue;
      const host = /(?:^|\0)HOSTNAME=([0-9a-f]{12})(?:\0|$)/.exec(fs.readFileSync(`${proc}/${e}/environ`, 'latin1'));
      if (!host) continue;
      pids.push(Number(e));
      containers.add(host[1]);
    } catch {}
  }
  return { pids, containers: [...containers] };
}
