// The command line: cargo subcommands go straight to their handler with their arguments untouched
// (yargs never sees them); xcross's own commands are parsed by yargs, which is loaded only for them.
import { XcrossError } from '../base/errors';
import type { Host } from '../host';
import type { Stopping } from '../../runtimes/stop';
import { CARGO_SUBCOMMANDS, parseCargoInvocation } from './cargo-args';
import { cargoHelp, shellHelp, wantsHelp } from './cargo-help';
import { quoted } from '../ui/quote';
import { nearest } from '../targets/nearest';
import { SHELLS } from '../completion/words';

/** `stop`: the app's (src/stop.ts), for the commands that run containers or build images. */
export async function run(argv: string[], host: Host, stop?: Stopping): Promise<number> {
  const inv = parseCargoInvocation(argv);
  if (inv) {
    if (wantsHelp(inv.cargoArgs)) {
      process.stdout.write(inv.subcommand === 'shell' ? shellHelp() : cargoHelp(inv.subcommand));
      return 0;
    }
    const { verbosity } = await import('../config/resolve');
    const { readSettings } = await import('../settings');
    const settings = () =>
      readSettings(host, { verbose: verbosity(inv, host.env), crate: 'required', manifestPath: inv.manifestPath });
    if (inv.subcommand === 'shell') {
      const { runShellCommand, shellCommand } = await import('../commands/shell');
      // The shell's own arguments first: a mistake there is said before the crate is read.
      const command = shellCommand(inv, host);
      return runShellCommand(inv, settings(), command, stop);
    }
    const { runCargoCommand } = await import('../commands/cargo');
    return runCargoCommand(inv, settings(), stop);
  }
  return runOwnCommand(argv, host, stop);
}

const OWN_COMMANDS = ['targets', 'image', 'volumes', 'cache', 'shell', 'doctor', 'completion'];

async function runOwnCommand(argv: string[], host: Host, stop?: Stopping): Promise<number> {
  // `--version -v` also asks the engine and the registry (yargs' --version knows only the number).
  if (argv.some((a) => a === '--version' || a === '-V')) {
    const { isVersionRequest, versionCommand } = await import('../commands/version');
    if (isVersionRequest(argv))
      return versionCommand(argv, async () => (await import('../settings')).readSettingsOrReport(host, { verbose: 0 }));
  }
  const word = argv[0];
  if (word !== undefined && !word.startsWith('-') && !OWN_COMMANDS.includes(word)) {
    const hint = nearest(word, [...CARGO_SUBCOMMANDS, ...OWN_COMMANDS]);
    throw new XcrossError(`unknown command ${quoted(word)}`, {
      fix: hint
        ? `did you mean \`xcross ${hint}\`? (\`xcross --help\` lists them all)`
        : 'see `xcross --help` for the commands',
      exitCode: 2,
    });
  }
  const yargs = (await import('yargs')).default;
  let code = 0;
  const parser = yargs(argv)
    .scriptName('xcross')
    .usage(
      `xcross: cross-compile and cross-test Rust crates on rootless podman, no Docker daemon.

Usage: xcross <cargo subcommand> --target TRIPLE [cargo args...]
       xcross <command> [options]`,
    )
    .command(
      'targets',
      'List the supported targets, their images and pinned versions',
      (y) =>
        y
          .option('json', { type: 'boolean', describe: 'print JSON' })
          .option('markdown', { type: 'boolean', describe: 'print the README table' }),
      async (a) => {
        const { renderTargets } = await import('../commands/targets');
        process.stdout.write(renderTargets(a.json ? 'json' : a.markdown ? 'markdown' : 'table'));
      },
    )
    .command(
      'doctor',
      'Check this machine for xcross: engine, rootless setup, storage, containers, images, rustup',
      (y) =>
        y
          .option('json', { type: 'boolean', default: false, describe: 'print {"checks":[{id,status,message,fix?}]}' })
          .option('verbose', { alias: 'v', type: 'count', describe: 'show the engine commands it runs' }),
      async (a) => {
        const { doctor } = await import('../commands/doctor');
        const { readSettingsOrReport } = await import('../settings');
        code = await doctor({ json: a.json }, readSettingsOrReport(host, { verbose: a.verbose }));
      },
    )
    .command(
      'image <action> [images..]',
      'Manage the images xcross builds: build, list, rm, prune, push, save, load',
      (y) =>
        y
          .positional('action', {
            choices: ['build', 'list', 'rm', 'prune', 'push', 'save', 'load'] as const,
            describe:
              "build: make a target's image here; list: what xcross has, and where each came from; rm: remove some of those; " +
              'prune: remove those nothing uses; push: copy built images to the image cache; save: write images to one archive file; load: read such a file',
          })
          .positional('images', {
            type: 'string',
            array: true,
            describe: 'for rm: image names or IDs; for load: the archive file',
          })
          .option('target', {
            type: 'string',
            array: true,
            describe:
              'target triple, e.g. aarch64-unknown-linux-gnu (or aarch64-unknown-linux-gnu.2.31 for a glibc floor); one for build, any number for push and save',
          })
          .option('glibc', {
            type: 'string',
            describe: "for build: the glibc floor's image, e.g. 2.31 (`xcross targets` lists the floors)",
          })
          .option('force', {
            type: 'boolean',
            default: false,
            describe: 'for build: rebuild even if the image exists (or is in the image cache)',
          })
          .option('push', {
            type: 'boolean',
            default: false,
            describe: 'for build: push what was built to the image cache (also XCROSS_IMAGE_CACHE_PUSH=1)',
          })
          .option('all', {
            type: 'boolean',
            default: false,
            describe: 'for prune: remove every image xcross built; for push: push every current image here',
          })
          .option('output', {
            alias: 'o',
            type: 'string',
            describe:
              'for save: the archive file to write (layers gzip-compressed; `podman load -i FILE` reads it too)',
          })
          .option('json', { type: 'boolean', default: false, describe: 'for list: print JSON' })
          .option('runtime', {
            type: 'string',
            describe: 'podman, podman-api, nerdctl, docker, or a path (detected when unset)',
          })
          .option('verbose', { alias: 'v', type: 'count', describe: 'show engine commands and every build line' })
          .epilog(`The image cache: XCROSS_IMAGE_CACHE=<registry>/<prefix> (or image-cache = "..." in Cross.toml's
[xcross] table), e.g. ghcr.io/your-org/xcross. A missing image is pulled from there before it is
built, and used only if its labels are what this xcross builds. Credentials are the engine's own
(podman login, REGISTRY_AUTH_FILE, docker login); xcross never prints them.

Examples:
  xcross image build --target aarch64-unknown-linux-gnu --push
  xcross image push --target aarch64-unknown-linux-gnu --target armv7-unknown-linux-gnueabihf
  xcross image save -o xcross-images.tar --target aarch64-unknown-linux-gnu
  xcross image load xcross-images.tar
  xcross image list`),
      async (a) => {
        const { imageCommand } = await import('../commands/image');
        const { readSettings } = await import('../settings');
        code = await imageCommand(
          {
            action: a.action!,
            images: (a.images ?? []).map(String),
            targets: (a.target ?? []).map(String),
            glibc: a.glibc,
            force: a.force,
            push: a.push,
            all: a.all,
            output: a.output,
            json: a.json,
            runtime: a.runtime,
          },
          readSettings(host, { verbose: a.verbose, crate: 'optional' }),
          stop,
        );
      },
    )
    .command(
      'volumes <action> [names..]',
      'Manage the volumes a build left on an engine over ssh that cannot see the workspace: list, rm, prune',
      (y) =>
        y
          .positional('action', {
            choices: ['list', 'rm', 'prune'] as const,
            describe:
              'list: the volumes xcross made on the engine (workspace, path dependencies, target dir, cargo home); rm: remove some; ' +
              "prune: remove this machine's volumes whose folder is gone here",
          })
          .positional('names', { type: 'string', array: true, describe: 'for rm: volume names' })
          .option('all', {
            type: 'boolean',
            default: false,
            describe: "for rm: every volume of this machine's; for prune: every volume xcross made, whoever made it",
          })
          .option('json', { type: 'boolean', default: false, describe: 'for list: print JSON' })
          .option('runtime', { type: 'string', describe: 'podman or podman-api (detected when unset)' })
          .option('verbose', { alias: 'v', type: 'count', describe: 'show the engine calls' })
          .epilog(`The engine is the one CONTAINER_HOST (ssh://user@host/path/to/podman.sock) or a podman system
connection (CONTAINER_CONNECTION) names, reached through one ssh connection. Each volume holds one
folder of one machine: the next build sends what changed since, so removing one costs a full copy.

Examples:
  xcross volumes list
  xcross volumes rm xcross-target-0123456789ab
  xcross volumes prune`),
      async (a) => {
        const { volumesCommand } = await import('../commands/volumes');
        const { readSettings } = await import('../settings');
        code = await volumesCommand(
          { action: a.action!, names: (a.names ?? []).map(String), all: a.all, json: a.json, runtime: a.runtime },
          readSettings(host, { verbose: a.verbose, crate: 'optional' }),
          stop,
        );
      },
    )
    .command(
      'cache <action>',
      'The local compile cache (sccache entries of every target and workspace): stats, clear',
      (y) =>
        y
          .positional('action', {
            choices: ['stats', 'clear'] as const,
            describe:
              'stats: where it is, its size and limit, the hits and misses of the builds since the last clear; clear: empty it',
          })
          .option('verbose', { alias: 'v', type: 'count', describe: 'say more' })
          .epilog(`The compile cache: --compile-cache, XCROSS_COMPILE_CACHE or compile-cache in Cross.toml's [xcross]
table: off, local (the default), redis://[:password@]host:port[/db] (shared between users and
machines; xcross carries entries between redis and the local cache), s3://bucket/prefix or gha (both
need an sccache built with them: Debian's, in the images, has neither). Its size limit:
XCROSS_COMPILE_CACHE_SIZE or compile-cache-size (default 10G). \`xcross build -v\` ends with the
build's hits and misses.`),
      async (a) => {
        const { cacheCommand } = await import('../commands/cache');
        const { readSettings } = await import('../settings');
        code = cacheCommand(a.action!, readSettings(host, { verbose: a.verbose, crate: 'optional' }));
      },
    )
    .command(
      'completion <shell>',
      'Print a completion script for bash, zsh or fish (commands, flags, --target triples)',
      (y) =>
        y.positional('shell', {
          choices: SHELLS,
          describe: 'e.g. source <(xcross completion bash); xcross completion fish | source',
        }),
      async (a) => {
        const { completionScript } = await import('../commands/completion');
        process.stdout.write(completionScript(a.shell!));
      },
    )
    .epilog(
      `Cargo subcommands (all cargo arguments pass through; see \`xcross build --help\`):
  ${CARGO_SUBCOMMANDS.join(', ')}

A shell in the target's toolchain image (see \`xcross shell --help\`):
  xcross shell --target TRIPLE [-- CMD ARGS...]

Examples:
  xcross build --target aarch64-unknown-linux-gnu --release
  xcross test --target aarch64-unknown-linux-gnu
  xcross image build --target aarch64-unknown-linux-gnu
  xcross targets --json`,
    )
    .demandCommand(1, 'name a cargo subcommand or an xcross command (see xcross --help)')
    .strict()
    .version(require('../../../package.json').version)
    .alias('V', 'version')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new XcrossError(msg, { fix: 'see `xcross --help`', exitCode: 2 });
    });
  await parser.parseAsync();
  return code;
}
