// Interactive sessions for real: `xcross shell` and `xcross run` in a pseudo-terminal, under qemu.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { containersWithLabel, copyFixtures, ensureTargetImages, tail, xcross, type Result } from './harness';
import { Terminal } from './pty-driver';

const T = 'aarch64-unknown-linux-gnu';
const I686 = 'i686-unknown-linux-gnu';
const PROMPT = /\[xcross aarch64-unknown-linux-gnu\] \/\S+[#$] $/m;

describe('terminal sessions', () => {
  let dir: string;
  let crate: string;
  before(async () => {
    // Its images, made here when missing (the mips shell test uses mips's, the i686 --gdb test i686's).
    await ensureTargetImages([T, 'mips-unknown-linux-gnu', ...(os.arch() === 'x64' ? [I686] : [])]);
    ({ dir, crate } = copyFixtures());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    "xcross shell: prompt with the target, the build's environment, resize, Ctrl-C, C under qemu, exit status",
    { timeout: 300_000 },
    async () => {
      const t = new Terminal(['shell', '--target', T], crate);
      try {
        await t.waitFor(PROMPT);
        let m = t.mark();
        t.type(
          'echo "cc=$CC_aarch64_unknown_linux_gnu linker=$CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER pc=$PKG_CONFIG_PATH_aarch64_unknown_linux_gnu"; stty size\r',
        );
        await t.waitFor(
          /cc=aarch64-linux-gnu-gcc linker=aarch64-linux-gnu-gcc pc=\/usr\/lib\/aarch64-linux-gnu\/pkgconfig/,
          30_000,
          m,
        );
        await t.waitFor(/^30 100$/m, 30_000, m);
        assert.ok(await t.resizeSeen(132, 43), `the container never saw the new size:\n${t.text.slice(-1500)}`);
        assert.equal(await t.ctrlCInShell(PROMPT), 130, t.text.slice(-1500));
        m = t.mark();
        t.type(
          'printf \'#include <stdio.h>\\nint main(void){puts("hi from c");return 5;}\' > /tmp/t.c && $CC_aarch64_unknown_linux_gnu -o /tmp/t /tmp/t.c && xcross-runner /tmp/t; echo rc=$?\r',
        );
        await t.waitFor(/hi from c\s+rc=5/, 60_000, m);
        t.type('exit 3\r');
        assert.equal(await t.exited, 3);
      } finally {
        t.kill();
      }
    },
  );

  test(
    'xcross run in a terminal: the program gets the terminal, Ctrl-C reaches it, the container goes',
    { timeout: 300_000 },
    async () => {
      const t = new Terminal(['run', '--target', T, '--', '--sleep', '300'], crate);
      try {
        await t.waitFor(/sleeping 300s/);
        t.type('\x03');
        const code = await t.exited;
        assert.equal(code, 130, t.text.slice(-2000));
        assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
      } finally {
        t.kill();
      }
    },
  );

  test('without node-pty the engine gets the terminal: the session still works', { timeout: 120_000 }, async () => {
    const t = new Terminal(['shell', '--target', T], crate, { XCROSS_NO_PTY: '1' });
    try {
      await t.waitFor(PROMPT);
      const m = t.mark();
      t.type('test -t 0 && echo has-a-terminal; exit 6\r');
      await t.waitFor(/has-a-terminal/, 30_000, m);
      assert.equal(await t.exited, 6);
    } finally {
      t.kill();
    }
  });

  test('xcross shell -- CMD without a terminal: exit code, stdout and stderr apart', async () => {
    const r = await xcross(['shell', '--target', T, '--', 'sh', '-c', 'echo out; echo err >&2; exit 4'], {
      cwd: crate,
    });
    assert.equal(r.code, 4, tail(r.stderr));
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
  });

  test(
    "xcross shell for mips: plain $CC, $CXX, $AR, $RANLIB, $STRIP are the target's; $CC hello.c makes a big-endian MIPS program that runs under qemu",
    { timeout: 300_000 },
    async () => {
      const mips = 'mips-unknown-linux-gnu';
      fs.writeFileSync(`${crate}/hello-cc.c`, '#include <stdio.h>\nint main(void){puts("hello from $CC");return 0;}\n');
      const r = await xcross(
        [
          'shell',
          '--target',
          mips,
          '--',
          'sh',
          '-c',
          'echo "tools: $CC $CXX $AR $RANLIB $STRIP" && $CC -O2 -o hello-cc hello-cc.c && $STRIP hello-cc && xcross-runner ./hello-cc',
        ],
        { cwd: crate, timeoutMs: 280_000 },
      );
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(
        r.stdout,
        /^tools: mips-linux-gnu-gcc mips-linux-gnu-g\+\+ mips-linux-gnu-ar mips-linux-gnu-ranlib mips-linux-gnu-strip$/m,
      );
      assert.match(r.stdout, /^hello from \$CC$/m);
      const elf = fs.readFileSync(`${crate}/hello-cc`);
      assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
      assert.equal(elf[5], 2, 'big-endian');
      assert.equal(elf.readUInt16BE(18), 8, 'e_machine EM_MIPS');
    },
  );

  test("--strace: qemu prints the foreign program's system calls", async () => {
    const r = await xcross(['run', '--target', T, '--strace'], { cwd: crate });
    assert.equal(r.code, 0, tail(r.stderr));
    assert.match(r.stderr, /^\d+ (write|exit_group|clone3?)\(/m);
    assert.match(r.stdout, /^hello from aarch64$/m);
  });

  /** `xcross run --target t --gdb PORT`, interrupted once the port answers: whether it did, and whether the program ran first. */
  async function runUnderGdb(t: string): Promise<{ r: Result; port: number; listening: boolean; early: boolean }> {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    let listening = false;
    let early = true;
    const r = await xcross(['run', '--target', t, '--gdb', String(port)], {
      cwd: crate,
      timeoutMs: 240_000,
      onStart: (child, out) => {
        const poll = setInterval(() => {
          const s = net.connect(port, '127.0.0.1');
          s.once('connect', () => {
            clearInterval(poll);
            listening = true;
            early = out.stdout().includes('hello from');
            s.destroy();
            child.kill('SIGINT');
          });
          s.once('error', () => s.destroy());
        }, 200);
        child.once('close', () => clearInterval(poll));
      },
    });
    return { r, port, listening, early };
  }

  test("--gdb PORT: the program waits at qemu's gdb stub, listening on the port", { timeout: 300_000 }, async () => {
    const { r, port, listening, early } = await runUnderGdb(T);
    assert.equal(listening, true, tail(r.stderr));
    assert.equal(early, false, 'the program ran before a debugger attached');
    assert.match(r.stderr, new RegExp(`gdb-multiarch .*target remote localhost:${port}`));
    assert.equal(r.code, 130);
    assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
  });

  test(
    "--gdb PORT for i686 on an x86_64 host: as the image's native-probe says, qemu-i386's stub (a kernel without IA-32 emulation) or refused (one that runs i386 programs)",
    { skip: os.arch() !== 'x64', timeout: 300_000 },
    async () => {
      // The kernel's own answer, from the probe of the image, run as xcross-runner runs it.
      const native = await xcross(['shell', '--target', I686, '--', '/usr/local/lib/xcross/native-probe'], {
        cwd: crate,
      });
      const { r, port, listening, early } = await runUnderGdb(I686);
      if (native.code === 0) {
        assert.equal(r.code, 1, tail(r.stderr));
        assert.match(
          r.stderr,
          /^xcross: error: --gdb works through qemu's gdb stub, and i686-unknown-linux-gnu runs natively here without qemu \(this x86_64 kernel runs i386 programs itself\)$/m,
        );
      } else {
        assert.equal(
          listening,
          true,
          `the native-probe failed here (${native.code}), and no gdb stub listened:\n${tail(r.stderr)}`,
        );
        assert.equal(early, false, 'the program ran before a debugger attached');
        assert.match(r.stderr, new RegExp(`gdb-multiarch .*target remote localhost:${port}`));
        assert.equal(r.code, 130);
      }
      process.stderr.write(
        `# i686 --gdb: native-probe exit ${native.code}, ${listening ? 'qemu-i386 stub listened' : 'refused'}\n`,
      );
      assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
    },
  );

  test('bad input: a command not in the image, a gdb port in use, an interactive shell without a terminal', async () => {
    const missing = await xcross(['shell', '--target', T, '--', 'no-such-program'], { cwd: crate });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^xcross: error: no-such-program: no such command in /m);
    assert.doesNotMatch(missing.stderr, /OCI runtime/);

    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const busy = await xcross(['run', '--target', T, '--gdb', String(port)], { cwd: crate });
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, new RegExp(`^xcross: error: --gdb ${port}: that port is already in use`, 'm'));
    } finally {
      server.close();
    }

    const noTty = await xcross(['shell', '--target', T], { cwd: crate });
    assert.equal(noTty.code, 1);
    assert.match(noTty.stderr, /an interactive shell needs a terminal/);
    assert.deepEqual(containersWithLabel('io.xcross.managed'), []);
  });
});
