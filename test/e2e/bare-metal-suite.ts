// The bare-metal part of targets.test.ts: for a thumb target, test/fixtures/thumb-semihosting (no
// crates.io: its own vector table, reset handler, link.x/memory.x linked with -Tlink.x by rustc's own
// default linker, C through CC_<t> with newlib) built, and run on the target's board under qemu-system
// with semihosting: its output on stdout, a panic a failure, a hang ended by --timeout, Ctrl-C 130.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TargetSpec } from '../../src/targets/registry';
import { expectedBinary, factsLike, binaryFacts } from './binary-facts';
import { containersWithLabel, copyFixture, interruptWhen, tail, xcross } from './harness';
import { Terminal } from './pty-driver';

const MIN = 60_000;

export function bareMetalSuite(t: TargetSpec, imageBuild: (t: TargetSpec, crate: string) => Promise<unknown>): void {
  if (t.runner.kind !== 'qemu-system') throw new Error(`${t.triple} does not run on a board`);
  const board = t.runner.machine;
  describe(`${t.triple}: a no_std program built and run on ${board} (${t.runner.binary}, semihosting)`, () => {
    let dir: string;
    let crate: string;
    before(() => ({ dir, crate } = copyFixture('thumb-semihosting')));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const run = (args: string[], env?: Record<string, string>) =>
      xcross(['run', '--target', t.triple, ...args], { cwd: crate, env, timeoutMs: 10 * MIN });

    test('the image: built by xcross, labelled with its pins', { timeout: 60 * MIN }, async () => {
      await imageBuild(t, crate);
    });

    test(
      "build: rustc links it with its own default (rust-lld) and the crate's -Tlink.x; an ELF for Arm",
      { timeout: 10 * MIN },
      async () => {
        const r = await xcross(['build', '--target', t.triple], { cwd: crate, timeoutMs: 10 * MIN });
        assert.equal(r.code, 0, tail(r.stderr));
        const bin = path.join(crate, 'target', t.triple, 'debug', 'thumb-semihosting');
        assert.deepEqual(factsLike(bin, expectedBinary(t)), expectedBinary(t), bin);
        assert.equal(binaryFacts(bin)?.dynamic, false);
      },
    );

    test(
      'run: its semihosting output on stdout, its arguments its command line, exit 0',
      { timeout: 10 * MIN },
      async () => {
        const r = await run(['--', 'one,two', 'three']);
        assert.equal(r.code, 0, tail(r.stdout + r.stderr));
        assert.match(
          r.stdout,
          new RegExp(`^hello from ${t.triple.replace('.', '\\.')} \\(bare metal, semihosting\\)$`, 'm'),
        );
        assert.match(r.stdout, /^alloc: sum\(1\.\.=100\)=5050 data=42$/m);
        assert.match(r.stdout, /^float: 1\.5\*3\.0=4\.5$/m);
        assert.match(r.stdout, /^c: c_mul_len\(6, "seven!!"\)=42$/m);
        assert.match(r.stdout, /^args: \S*thumb-semihosting one,two three$/m);
        assert.doesNotMatch(r.stderr, /hello from/);
      },
    );

    test('a panic ends the program with a failure, its message on stdout', { timeout: 10 * MIN }, async () => {
      const r = await run(['--', '--panic']);
      assert.equal(r.code, 1, tail(r.stdout + r.stderr));
      assert.match(r.stdout, /^panicked: panicked at src\/main\.rs:\d+:\d+:\nasked to panic$/m);
    });

    test(
      'a program that never exits is stopped at --timeout, with 124 and a sentence',
      { timeout: 10 * MIN },
      async () => {
        const r = await run(['--timeout', '3', '--', '--hang']);
        assert.equal(r.code, 124, tail(r.stdout + r.stderr));
        assert.match(r.stdout, /^hanging$/m);
        assert.match(r.stderr, new RegExp(`did not exit within 3 s on ${board}, and was stopped \\(--timeout SECONDS`));
        assert.ok(r.ms < 5 * MIN, `took ${r.ms} ms`);
      },
    );

    test(
      'Ctrl-C: qemu-system stops and xcross exits 130, with or without a terminal; no container left',
      { timeout: 5 * MIN },
      async () => {
        const piped = await xcross(['run', '--target', t.triple, '--timeout', '0', '--', '--hang'], {
          cwd: crate,
          onStart: interruptWhen('hanging'),
          timeoutMs: 2 * MIN,
        });
        assert.equal(piped.code, 130, tail(piped.stderr));
        const term = new Terminal(['run', '--target', t.triple, '--timeout', '0', '--', '--hang'], crate);
        await term.waitFor(/hanging/, 2 * MIN);
        term.type('\x03');
        assert.equal(await term.exited, 130, term.text.slice(-2000));
        assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
      },
    );

    test(
      "xcross shell: the C toolchain and qemu-system on PATH; xcross test ends in cargo's own error",
      { timeout: 10 * MIN },
      async () => {
        const cc = `$CC_${t.triple.replace(/[-.]/g, '_')}`;
        const sh = await xcross(
          [
            'shell',
            '--target',
            t.triple,
            '--',
            'sh',
            '-c',
            `${cc} -dumpfullversion && ${t.runner.kind === 'qemu-system' ? t.runner.binary : ''} --version`,
          ],
          { cwd: crate, timeoutMs: 5 * MIN },
        );
        assert.equal(sh.code, 0, tail(sh.stdout + sh.stderr));
        assert.match(sh.stdout, new RegExp(`^${t.pins.gcc.replace(/\./g, '\\.')}$`, 'm'));
        assert.match(sh.stdout, new RegExp(`QEMU emulator version ${t.pins.qemu.replace(/\./g, '\\.')}`));
        const test_ = await xcross(['test', '--target', t.triple], { cwd: crate, timeoutMs: 10 * MIN });
        assert.notEqual(test_.code, 0, tail(test_.stdout + test_.stderr));
        assert.match(test_.stderr, /can't find crate for `test`/);
      },
    );

    // The lm3s6965evb program runs on the MPS2 AN385 too (same Cortex-M3, memory where the program has it).
    if (t.triple === 'thumbv7m-none-eabi') {
      test(
        "another board: Cross.toml's machine, and XCROSS_TARGET_<T>_MACHINE over it",
        { timeout: 10 * MIN },
        async () => {
          fs.writeFileSync(
            path.join(crate, 'Cross.toml'),
            '[xcross.target.thumbv7m-none-eabi]\nmachine = "mps2-an385"\n',
          );
          try {
            const r = await run(['-v']);
            assert.equal(r.code, 0, tail(r.stdout + r.stderr));
            assert.match(r.stdout, /^hello from thumbv7m-none-eabi/m);
            assert.match(r.stderr, /XCROSS_MACHINE=mps2-an385/);
            const bad = await run([], { XCROSS_TARGET_THUMBV7M_NONE_EABI_MACHINE: 'no-such-board' });
            assert.notEqual(bad.code, 0);
            assert.match(bad.stderr, /qemu-system-arm: unsupported machine type/);
          } finally {
            fs.rmSync(path.join(crate, 'Cross.toml'));
          }
        },
      );
    }
  });
}
