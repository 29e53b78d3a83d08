// One runtime operation in a process of its own, so the conformance suite can watch what a runtime
// does to real stdio, exit codes and signals:
//   node driver.js RUNTIME run SPEC_JSON      exit code = the container's; RunResult → $XCROSS_CONFORMANCE_RESULT
//   node driver.js RUNTIME exists REF         prints true or false
//   node driver.js RUNTIME import FILE REF
//   node driver.js RUNTIME rmi REF
//   node driver.js RUNTIME build REQUEST_JSON prints each progress line as "line: ..."
// RUNTIME is what --runtime takes (a name, or a path to an engine binary).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeRuntimes, createRuntime } from '../../runtimes/detect';
import type { ContainerSpec } from '../../runtimes/spec';
import type { BuildRequest } from '../../runtimes/runtime';
import { createLogger } from '../../src/ui/log';
import { StopController } from '../../src/stop';

async function main(): Promise<number> {
  const [runtimeName, op, ...args] = process.argv.slice(2);
  const log = createLogger(process.env.XCROSS_CONFORMANCE_VERBOSE === '1' ? 1 : 0);
  // As the app does: one stop for the operation, which alone listens to SIGINT/SIGTERM/SIGHUP.
  const stop = new StopController().listen();
  const runtime = await createRuntime(runtimeName, {
    env: process.env,
    uid: process.getuid!(),
    cacheDir: path.join(os.homedir(), '.cache', 'xcross'),
    log,
    stop,
  });
  switch (op) {
    case 'run': {
      const partial = JSON.parse(args[0]) as Partial<ContainerSpec> & Pick<ContainerSpec, 'image' | 'command'>;
      const spec: ContainerSpec = {
        name: `xcross-conformance-${process.pid}-${Date.now()}`,
        workdir: '/',
        env: {},
        mounts: [],
        owner: { uid: process.getuid!(), gid: process.getgid!() },
        labels: {},
        interactive: false,
        tty: false,
        ...partial,
      };
      spec.labels = { 'io.xcross.managed': 'true', ...spec.labels };
      const r = await runtime.run(spec);
      if (process.env.XCROSS_CONFORMANCE_RESULT)
        fs.writeFileSync(process.env.XCROSS_CONFORMANCE_RESULT, JSON.stringify(r));
      return r.code;
    }
    case 'exists':
      process.stdout.write(`${await runtime.imageExists(args[0])}\n`);
      return 0;
    case 'rmi':
      await runtime.removeImage(args[0]);
      return 0;
    case 'import':
      await runtime.importTarball(args[0], args[1]);
      return 0;
    case 'build': {
      const req = JSON.parse(args[0]) as BuildRequest;
      await runtime.build(req, (line) => process.stdout.write(`line: ${line}\n`));
      return 0;
    }
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

main().then(
  async (code) => {
    await closeRuntimes();
    process.exitCode = code;
  },
  async (e: unknown) => {
    await closeRuntimes();
    process.stderr.write(`driver: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = (e as { exitCode?: number }).exitCode ?? 70;
  },
);
