// The conformance suite: one set of checks that every runtime must pass against a real engine, run
// for each runtime by a file in test/e2e (as the non-root user of the end-to-end tests).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContainerSpec } from '../../runtimes/spec';
import type { RunResult } from '../../runtimes/runtime';

const DRIVER = path.join(__dirname, 'driver.js');
/** The offline Debian base (scripts/setup-host.sh makes its tarball): sh and coreutils, nothing more. */
export const BASE_IMAGE = 'localhost/xcross/debian-base:bookworm';
const BASE_TARBALL = '/var/cache/xcross/debian-bookworm-minbase.tar';

export interface SuiteOptions {
  /** What --runtime takes: a name, or a path to an engine binary. */
  runtime: string;
  /** Extra environment for the runtime (DOCKER_HOST, ...). */
  env?: Record<string, string>;
  /** Names of the engine's containers (running or not) that carry the label `key=value`. */
  containersWithLabel(label: string): string[];
  skip?: string | false;
}

interface Driven {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  result?: RunResult;
}

function drive(
  o: SuiteOptions,
  args: string[],
  extra: {
    stdin?: Buffer | string;
    onStart?: (child: ReturnType<typeof spawn>, stdout: () => string) => void;
    timeoutMs?: number;
  } = {},
): Promise<Driven> {
  const resultFile = path.join(
    os.tmpdir(),
    `xcross-conformance-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DRIVER, o.runtime, ...args], {
      env: { ...process.env, ...o.env, XCROSS_CONFORMANCE_RESULT: resultFile },
      stdio: [extra.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
    });
    if (extra.stdin !== undefined) child.stdin!.end(extra.stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), extra.timeoutMs ?? 120_000);
    extra.onStart?.(child, () => Buffer.concat(out).toString());
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let result: RunResult | undefined;
      try {
        result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as RunResult;
        fs.rmSync(resultFile);
      } catch {}
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, result });
    });
  });
}

function run(o: SuiteOptions, spec: Partial<ContainerSpec>, extra: Parameters<typeof drive>[2] = {}): Promise<Driven> {
  return drive(o, ['run', JSON.stringify({ image: BASE_IMAGE, ...spec })], extra);
}

export function conformanceSuite(title: string, o: SuiteOptions): void {
  describe(`runtime conformance: ${title}`, { skip: o.skip }, () => {
    let dir: string;
    const tag = `c${process.pid}${Date.now().toString(36)}`;
    const label = `io.xcross.conformance=${tag}`;
    const labels = { 'io.xcross.conformance': tag };

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-conformance-'));
      fs.chmodSync(dir, 0o755);
      const e = await drive(o, ['exists', BASE_IMAGE]);
      assert.equal(e.code, 0, e.stderr);
      if (e.stdout.toString().trim() !== 'true') {
        const i = await drive(o, ['import', BASE_TARBALL, BASE_IMAGE], { timeoutMs: 600_000 });
        assert.equal(i.code, 0, `importing the offline base: ${i.stderr}`);
      }
    });
    const built = `localhost/xcross/conformance:${tag}`;
    after(async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      await drive(o, ['rmi', built]);
    });

    test('exit codes 0, 1 and 101 come back as they are', async () => {
      for (const code of [0, 1, 101]) {
        const r = await run(o, { command: ['sh', '-c', `exit ${code}`], labels });
        assert.equal(r.code, code, r.stderr);
      }
    });

    test('a program killed by a signal gives 128 + its number', async () => {
      const r = await run(o, { command: ['sh', '-c', 'kill -KILL $$'], labels });
      assert.equal(r.code, 137, r.stderr);
    });

    test('stdout and stderr are kept apart', async () => {
      const r = await run(o, { command: ['sh', '-c', 'echo to-out; echo to-err >&2; echo more-out'], labels });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'to-out\nmore-out\n');
      assert.match(r.stderr, /^to-err$/m);
      assert.doesNotMatch(r.stderr, /out/);
    });

    test('10 MB of output and 1 MB of stderr arrive whole and in order', async () => {
      const r = await run(
        o,
        { command: ['sh', '-c', 'seq 1 1500000 | head -c 10485760; seq 1 200000 | head -c 1048576 >&2'], labels },
        { timeoutMs: 300_000 },
      );
      assert.equal(r.code, 0, r.stderr.slice(-500));
      assert.equal(r.stdout.length, 10485760);
      const expected = Buffer.from(Array.from({ length: 1500000 }, (_, i) => `${i + 1}\n`).join('')).subarray(
        0,
        10485760,
      );
      assert.equal(
        createHash('sha256').update(r.stdout).digest('hex'),
        createHash('sha256').update(expected).digest('hex'),
      );
      const err = Buffer.from(Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join(''))
        .subarray(0, 1048576)
        .toString();
      assert.equal(r.stderr.length, err.length);
      assert.ok(r.stderr === err, 'stderr differs from what the container wrote');
    });

    test('stdin is forwarded, and its end reaches the program', async () => {
      const input = Buffer.from(Array.from({ length: 50000 }, (_, i) => `line ${i}\n`).join(''));
      const r = await run(
        o,
        { command: ['sh', '-c', 'wc -c; echo done'], interactive: true, labels },
        { stdin: input },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), `${input.length}\ndone\n`);
    });

    test('environment variables arrive exactly, spaces and = included', async () => {
      const env = { XC_ONE: 'a b  c', XC_TWO: 'k=v=w', XC_EMPTY: '' };
      const r = await run(o, {
        command: ['sh', '-c', 'printf "%s|%s|%s|%s" "$XC_ONE" "$XC_TWO" "${XC_EMPTY-unset}" "$PWD"'],
        env,
        workdir: '/tmp',
        labels,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'a b  c|k=v=w||/tmp');
    });

    test('bind mounts: read-only refuses writes, read-write writes land on the host owned by the user', async () => {
      const ro = path.join(dir, 'ro');
      const rw = path.join(dir, 'rw');
      fs.mkdirSync(ro);
      fs.mkdirSync(rw);
      fs.writeFileSync(path.join(ro, 'given'), 'from host\n');
      const mounts = [
        { source: ro, target: '/ro', readOnly: true },
        { source: rw, target: '/rw', readOnly: false },
      ];
      const r = await run(o, {
        command: [
          'sh',
          '-c',
          'cat /ro/given; if echo x > /ro/new 2>/dev/null; then echo ro-writable; fi; mkdir -p /rw/sub && echo written > /rw/sub/file',
        ],
        mounts,
        labels,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'from host\n');
      assert.equal(fs.existsSync(path.join(ro, 'new')), false);
      assert.equal(fs.readFileSync(path.join(rw, 'sub', 'file'), 'utf8'), 'written\n');
      for (const p of [path.join(rw, 'sub'), path.join(rw, 'sub', 'file')]) {
        const st = fs.statSync(p);
        assert.equal(st.uid, process.getuid!(), `${p} belongs to uid ${st.uid}`);
        assert.equal(st.gid, process.getgid!(), `${p} belongs to gid ${st.gid}`);
      }
    });

    test('labels are set on the container, and it is gone after the run', async () => {
      const r = await run(
        o,
        { command: ['sh', '-c', 'echo running; sleep 30'], labels },
        {
          onStart: (child, stdout) => {
            const poll = setInterval(() => {
              if (!stdout().includes('running')) return;
              clearInterval(poll);
              seen = o.containersWithLabel(label);
              child.kill('SIGTERM');
            }, 50);
            child.once('close', () => clearInterval(poll));
          },
        },
      );
      assert.equal(seen.length, 1, `containers with ${label} while it ran: ${seen.join(', ')}`);
      assert.equal(r.code, 143, r.stderr);
      assert.deepEqual(o.containersWithLabel(label), []);
    });
    let seen: string[] = [];

    test('SIGINT ends the run with 130 and removes the container', async () => {
      const started = Date.now();
      const r = await run(
        o,
        { command: ['sh', '-c', 'echo running; exec sleep 60'], labels },
        {
          onStart: (child, stdout) => {
            const poll = setInterval(() => {
              if (stdout().includes('running')) {
                clearInterval(poll);
                child.kill('SIGINT');
              }
            }, 50);
            child.once('close', () => clearInterval(poll));
          },
        },
      );
      assert.equal(r.code, 130, r.stderr);
      assert.equal(r.result?.interrupted, 'SIGINT');
      assert.ok(Date.now() - started < 30_000, 'the interrupted run took as long as the program would have');
      assert.deepEqual(o.containersWithLabel(label), []);
    });

    test('no container is left after any of the runs above', () => {
      assert.deepEqual(o.containersWithLabel(label), []);
    });

    test('image exists / absent; running an absent image reports it, with nothing run', async () => {
      const yes = await drive(o, ['exists', BASE_IMAGE]);
      assert.equal(yes.stdout.toString().trim(), 'true', yes.stderr);
      const no = await drive(o, ['exists', 'localhost/xcross/no-such-image:0']);
      assert.equal(no.code, 0, no.stderr);
      assert.equal(no.stdout.toString().trim(), 'false');
      const r = await run(o, { image: 'localhost/xcross/no-such-image:0', command: ['true'], labels });
      assert.equal(r.result?.imageMissing, true, r.stderr);
      assert.deepEqual(o.containersWithLabel(label), []);
    });

    test('a build streams its progress and leaves a labelled image', { timeout: 600_000 }, async () => {
      const ctx = path.join(dir, 'ctx');
      fs.mkdirSync(path.join(ctx, 'target', 'debug'), { recursive: true });
      fs.writeFileSync(
        path.join(ctx, 'Containerfile'),
        `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nCOPY . /ctx/\nRUN echo "conformance step ${tag}" && ls -a /ctx | tr '\\n' ' ' && echo\n`,
      );
      fs.writeFileSync(path.join(ctx, 'kept.txt'), 'kept\n');
      fs.writeFileSync(path.join(ctx, 'target', 'debug', 'big'), Buffer.alloc(1024 * 1024));
      fs.writeFileSync(path.join(ctx, '.dockerignore'), 'ignored-*\n');
      fs.writeFileSync(path.join(ctx, 'ignored-by-file'), 'x\n');
      const ref = built;
      const req = {
        containerfile: path.join(ctx, 'Containerfile'),
        context: ctx,
        tag: ref,
        buildArgs: { BASE_IMAGE },
        labels: { 'io.xcross.managed': 'true', ...labels },
        excludes: ['/target'],
      };
      const b = await drive(o, ['build', JSON.stringify(req)], { timeoutMs: 600_000 });
      assert.equal(b.code, 0, b.stderr + b.stdout.toString().slice(-2000));
      const lines = b.stdout
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('line: '));
      assert.ok(lines.length >= 3, `only ${lines.length} progress lines`);
      const listing = lines.find((l) => l.includes('Containerfile') && l.includes('kept.txt'));
      assert.ok(
        lines.some((l) => l.includes(`conformance step ${tag}`)),
        `no RUN output among:\n${lines.join('\n')}`,
      );
      assert.ok(listing, `no context listing among:\n${lines.join('\n')}`);
      assert.doesNotMatch(listing!, /\btarget\b|ignored-by-file/);
      const e = await drive(o, ['exists', ref]);
      assert.equal(e.stdout.toString().trim(), 'true');
      const r = await run(o, { image: ref, command: ['cat', '/ctx/kept.txt'], labels });
      assert.equal(r.stdout.toString(), 'kept\n', r.stderr);
    });
  });
}
