// The sweep a killed build leaves to its watchdog (watchdog.ts's BUILD_SWEEP), with real processes and
// a fake podman: it ends what was the build's and nothing of the other xcross runs beside it. A CI
// machine reuses process IDs within seconds, and its job containers (on the host's network) carry the
// CI container's hostname: 12 hex digits, like a working container's ID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_SWEEP, bootTicks } from '../../runtimes/watchdog';
import { processStart } from '../../runtimes/process-table';
import { tempDir, writeTree } from './helpers';

const WORKING = '0123456789ab';
const JOB = 'abcdefabcdef';

/** A podman whose `ps -a --external` lists one working container beside a podman container. */
function fakePodman(): { binary: string; removed: () => string[] } {
  const dir = tempDir('xcross-fake-sweep-');
  writeTree(dir, {
    podman: [
      '#!/bin/sh',
      'case "$*" in',
      `  "ps -a --external --format {{.ID}}") printf '%s\\n' ${WORKING} ffffffffffff ;;`,
      '  "ps -a --format {{.ID}}") echo ffffffffffff ;;',
      `  "rm --force "*) echo "$3" >> "${dir}/removed" ;;`,
      'esac',
    ].join('\n'),
  });
  fs.chmodSync(path.join(dir, 'podman'), 0o755);
  const log = path.join(dir, 'removed');
  return {
    binary: path.join(dir, 'podman'),
    removed: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

function sweep(engine: string, pid: number, since: number, pidstart: string): void {
  const r = spawnSync('sh', [
    '-c',
    BUILD_SWEEP,
    'xcross-build-sweep',
    engine,
    String(pid),
    '',
    String(since),
    pidstart,
  ]);
  assert.equal(r.status, 0, r.stderr.toString());
}

/** Running (not ended, nor a zombie waiting for its parent). */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** A `sleep` whose parent has ended (an orphan, as a RUN step is once its build is gone), with HOSTNAME. */
function orphan(hostname: string): number {
  const r = spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], {
    env: { ...process.env, HOSTNAME: hostname },
  });
  return Number(r.stdout.toString().trim());
}

const ppid = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1];

test("a process that took the build's ID after it ended is left alone; the build itself is ended", () => {
  const podman = fakePodman();
  const since = bootTicks();
  const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  try {
    // Another start time than the build's: the ID was reused.
    sweep(podman.binary, other.pid!, since, String(Number(processStart(other.pid)) - 1));
    assert.ok(alive(other.pid!), 'the sweep killed a process that was not the build');
    sweep(podman.binary, other.pid!, since, processStart(other.pid));
    assert.ok(!alive(other.pid!), 'the build (its ID and start time match) lives on');
  } finally {
    other.kill('SIGKILL');
  }
});

test("an orphan whose HOSTNAME is no working container's ID (a job container on the host's network) is left alone", (t) => {
  const podman = fakePodman();
  const since = bootTicks();
  const job = orphan(JOB);
  const step = orphan(WORKING);
  try {
    if (ppid(step) !== '1') {
      t.skip(`orphans here go to a subreaper (parent ${ppid(step)}), not init: the sweep looks for init's`);
      return;
    }
    sweep(podman.binary, 0, since, '');
    assert.ok(alive(job), 'the sweep killed a job container process');
    assert.ok(!alive(step), "the RUN step (a working container's HOSTNAME) lives on");
    assert.deepEqual(podman.removed(), [WORKING]);
  } finally {
    for (const p of [job, step]) spawnSync('kill', ['-KILL', String(p)]);
  }
});
