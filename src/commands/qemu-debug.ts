// --strace and --gdb PORT: qemu-user's own debugging, switched on through its environment
// (QEMU_STRACE, QEMU_GDB). Other QEMU_* variables the user sets pass through by default.
import * as net from 'node:net';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { CargoInvocation } from '../cli/cargo-args';
import { planBase, type Prepared } from './prepare';
import { qemuBinary, runsNatively } from '../targets/registry';
import { hostCpu } from '../targets/host-arch';
import { planShell } from '../plan/shell-spec';
import { runContainer } from './run-container';

export interface QemuDebug {
  env: Record<string, string>;
  ports: number[];
}

/** The image's static "return 0" for a target that another CPU's kernel may run (Containerfile.target). */
export const NATIVE_PROBE = '/usr/local/lib/xcross/native-probe';

/** Whether this kernel runs the target's programs: asked of the image, as xcross-runner asks it. */
export type NativeProbe = (p: Prepared) => Promise<boolean>;

export async function qemuDebugOptions(
  inv: CargoInvocation,
  p: Prepared,
  probe: NativeProbe = probeInImage,
): Promise<QemuDebug> {
  const out: QemuDebug = { env: {}, ports: [] };
  const port = inv.xcross.gdb;
  if (p.target.runner.kind === 'wine' && (inv.xcross.strace || port !== undefined)) {
    throw new XcrossError(`--strace and --gdb work through qemu, and ${p.target.triple} programs run under wine`, {
      fix: "set WINEDEBUG (e.g. WINEDEBUG=+relay in Cross.toml's env.passthrough) for wine's own trace, or run winedbg in `xcross shell`",
    });
  }
  if (p.target.runner.kind === 'qemu-system' && inv.xcross.strace) {
    throw new XcrossError(
      `--strace traces a program's system calls to Linux, and ${p.target.triple} programs run on a board, with none`,
      {
        fix: "use --gdb PORT to debug the program on the board, or qemu's own -d options (QEMU_LOG is not read by qemu-system)",
      },
    );
  }
  if (inv.xcross.strace) out.env.QEMU_STRACE = '1';
  if (port !== undefined) {
    const native = await withoutQemu(p, probe);
    if (native) {
      throw new XcrossError(
        `--gdb works through qemu's gdb stub, and ${p.target.triple} runs natively here ${native}`,
        {
          fix: 'run the program under gdb in `xcross shell` instead',
        },
      );
    }
    await assertPortFree(port);
    out.env.QEMU_GDB = String(port);
    out.ports.push(port);
    const bin = path.join(p.targetDir, p.target.triple, 'debug', '<program>');
    p.log.info(`the program will wait for a debugger on port ${port}; attach from another terminal with:`);
    p.log.info(`  gdb-multiarch -ex 'set sysroot /nonexistent' -ex 'target remote localhost:${port}' ${bin}`);
  }
  return out;
}

/**
 * Why xcross-runner will start the program without qemu (so with no gdb stub), or undefined when it
 * uses qemu. The runner's own rule: the target's own CPU runs its programs; a CPU the target also
 * lists (i386 programs on x86_64) runs them only where its kernel does, which the image's native-probe
 * tells (IA-32 emulation may be off: then the runner falls back to qemu, and --gdb works).
 */
async function withoutQemu(p: Prepared, probe: NativeProbe): Promise<string | undefined> {
  if (p.applied.env.XCROSS_QEMU === '') return 'without qemu (Cross.toml says runner = "native")';
  const cpu = hostCpu(p.host.arch);
  if (!runsNatively(p.target, cpu)) return undefined;
  if (p.target.cpu.name === cpu || !qemuBinary(p.target)) return 'without qemu';
  const yes = await probe(p);
  p.log.debug(
    `native-probe in ${p.image}: this ${cpu} kernel ${yes ? 'runs' : 'does not run'} ${p.target.cpu.name} programs`,
  );
  return yes ? `without qemu (this ${cpu} kernel runs ${p.target.cpu.name} programs itself)` : undefined;
}

/** Runs the image's native-probe as xcross-runner does (a missing or refused probe means qemu). */
async function probeInImage(p: Prepared): Promise<boolean> {
  const check = `probe=\${XCROSS_NATIVE_PROBE:-${NATIVE_PROBE}}; [ -x "$probe" ] && "$probe" >/dev/null 2>&1`;
  const spec = planShell(planBase(p, 'probe', {}), ['sh', '-c', check]);
  const labels = { ...spec.labels, 'io.xcross.session': 'native-probe' };
  return (await runContainer(p, { ...spec, labels, interactive: false, tty: false })) === 0;
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new XcrossError(
          `--gdb ${port}: that port is ${e.code === 'EADDRINUSE' ? 'already in use' : `not usable (${e.code})`}`,
          {
            fix: 'pick another port, e.g. --gdb 12345',
          },
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
