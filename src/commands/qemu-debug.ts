// --strace and --gdb PORT: qemu-user's own debugging, switched on through its environment
// (QEMU_STRACE, QEMU_GDB). Other QEMU_* variables the user sets pass through by default.
import * as net from 'node:net';
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import type { CargoInvocation } from '../cli/cargo-args';
import type { Prepared } from './prepare';
import { runsNatively } from '../targets/registry';
import { hostCpu } from '../targets/host-arch';

export interface QemuDebug {
  env: Record<string, string>;
  ports: number[];
}

export async function qemuDebugOptions(inv: CargoInvocation, p: Prepared): Promise<QemuDebug> {
  const out: QemuDebug = { env: {}, ports: [] };
  const port = inv.xcross.gdb;
  if (p.target.runner.kind === 'wine' && (inv.xcross.strace || port !== undefined)) {
    throw new XcrossError(`--strace and --gdb work through qemu, and ${p.target.triple} programs run under wine`, {
      fix: "set WINEDEBUG (e.g. WINEDEBUG=+relay in Cross.toml's env.passthrough) for wine's own trace, or run winedbg in `xcross shell`",
    });
  }
  if (inv.xcross.strace) out.env.QEMU_STRACE = '1';
  if (port !== undefined) {
    if (runsNatively(p.target, hostCpu(p.host.arch))) {
      throw new XcrossError(
        `--gdb works through qemu's gdb stub, and ${p.target.triple} runs natively here without qemu`,
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
