// What shell completion offers: xcross's commands, cargo's subcommands, and each one's flags with what
// their values may be. The three shell scripts (bash.ts, zsh.ts, fish.ts) are rendered from this.
import { CARGO_SUBCOMMANDS, COPY_BACK, TOOLCHAIN_SOURCES } from '../cli/cargo-args';
import type { Registry } from '../targets/registry';

/** What a flag's value completes to; a flag without `value` takes none. */
export type Value = { choices: string[] } | 'file' | 'dir' | 'any';

export interface Flag {
  long: string;
  short?: string;
  describe: string;
  value?: Value;
}

export interface Command {
  name: string;
  describe: string;
  flags: Flag[];
  /** The choices of its first positional argument (image's action, completion's shell). */
  positional?: { name: string; choices: [string, string][] };
}

export interface Words {
  commands: Command[];
  /** Flags before any command. */
  top: Flag[];
}

const RUNTIMES = ['podman', 'podman-api', 'nerdctl', 'docker'];
const MESSAGE_FORMATS = [
  'human',
  'short',
  'json',
  'json-diagnostic-short',
  'json-diagnostic-rendered-ansi',
  'json-render-diagnostics',
];
const HELP: Flag = { long: 'help', short: 'h', describe: 'print help' };

const CARGO_DESCRIPTIONS: Record<(typeof CARGO_SUBCOMMANDS)[number], string> = {
  build: 'compile the crate for the target',
  check: 'check the crate for errors without linking',
  test: 'build and run the tests (foreign ones under qemu or wine)',
  run: 'build and run a binary (under qemu or wine)',
  bench: 'build and run the benchmarks',
  doc: 'build the documentation for the target',
  rustc: 'compile a package with extra rustc options',
  clippy: 'lint the crate with clippy for the target',
  metadata: 'print the workspace metadata as JSON',
};

export function completionWords(registry: Registry): Words {
  const target: Flag = {
    long: 'target',
    describe: 'target triple',
    value: { choices: registry.targets.map((t) => t.triple) },
  };
  const floors = [...new Set(registry.targets.flatMap((t) => t.glibcFloors))].sort();
  const glibc: Flag = { long: 'glibc', describe: 'glibc floor to link for', value: { choices: floors } };
  const runtime: Flag = { long: 'runtime', describe: 'container engine to drive', value: { choices: RUNTIMES } };
  const verbose: Flag = { long: 'verbose', short: 'v', describe: 'show engine commands and choices' };
  const session: Flag[] = [
    target,
    runtime,
    glibc,
    { long: 'manifest-path', describe: 'path to Cargo.toml', value: 'file' },
    { long: 'strace', describe: "qemu prints the program's system calls" },
    { long: 'push', describe: 'push the images this run builds to the image cache' },
    { long: 'gdb', describe: 'the program waits for gdb on this port', value: 'any' },
    { long: 'timeout', describe: 'bare metal: seconds a program may run on its board', value: 'any' },
    verbose,
    HELP,
  ];
  const cargo: Flag[] = [
    ...session,
    { long: 'toolchain-source', describe: 'which rustc builds', value: { choices: [...TOOLCHAIN_SOURCES] } },
    { long: 'read-only-source', describe: 'mount the workspace read-only' },
    { long: 'copy-back', describe: 'what a remote build brings back', value: { choices: [...COPY_BACK] } },
    {
      long: 'compile-cache',
      describe: 'the compile cache (sccache) for this build',
      value: { choices: ['off', 'local', 'redis://', 's3://', 'gha'] },
    },
    { long: 'release', short: 'r', describe: 'build with the release profile' },
    { long: 'profile', describe: 'build with this profile', value: 'any' },
    { long: 'target-dir', describe: 'directory for all build output', value: 'dir' },
    { long: 'package', short: 'p', describe: 'package to build', value: 'any' },
    { long: 'workspace', describe: 'every package of the workspace' },
    { long: 'features', short: 'F', describe: 'features to activate', value: 'any' },
    { long: 'all-features', describe: 'activate every feature' },
    { long: 'no-default-features', describe: 'do not activate the default feature' },
    { long: 'lib', describe: 'only the library' },
    { long: 'bin', describe: 'only this binary', value: 'any' },
    { long: 'bins', describe: 'every binary' },
    { long: 'example', describe: 'only this example', value: 'any' },
    { long: 'examples', describe: 'every example' },
    { long: 'tests', describe: 'every test target' },
    { long: 'all-targets', describe: 'every target kind' },
    { long: 'message-format', describe: 'how cargo prints diagnostics', value: { choices: MESSAGE_FORMATS } },
    { long: 'color', describe: 'coloring', value: { choices: ['auto', 'always', 'never'] } },
    { long: 'jobs', short: 'j', describe: 'number of parallel jobs', value: 'any' },
    { long: 'quiet', short: 'q', describe: 'no cargo output' },
    { long: 'locked', describe: 'Cargo.lock must stay as it is' },
    { long: 'offline', describe: 'no network access' },
    { long: 'frozen', describe: 'locked and offline' },
  ];
  const json: Flag = { long: 'json', describe: 'print JSON' };
  const commands: Command[] = [
    ...CARGO_SUBCOMMANDS.map((name) => ({ name, describe: CARGO_DESCRIPTIONS[name], flags: cargo })),
    { name: 'shell', describe: "a shell (or one command) in the target's toolchain image", flags: session },
    {
      name: 'targets',
      describe: 'list the supported targets and their pinned versions',
      flags: [json, { long: 'markdown', describe: 'print the README table' }, HELP],
    },
    { name: 'doctor', describe: 'check this machine for xcross', flags: [json, verbose, HELP] },
    {
      name: 'image',
      describe: 'build, list and remove the images xcross builds',
      positional: {
        name: 'action',
        choices: [
          ['build', "build a target's image"],
          ['list', 'list the images xcross has and their origin'],
          ['rm', 'remove images xcross built'],
          ['prune', 'remove images nothing uses'],
          ['push', 'push built images to the image cache'],
          ['save', 'write images to an archive file'],
          ['load', 'load an archive file'],
        ],
      },
      flags: [
        target,
        glibc,
        runtime,
        { long: 'force', describe: 'rebuild even if the image exists' },
        { long: 'push', describe: 'push what was built to the image cache' },
        { long: 'all', describe: 'prune every image xcross built, or push every current one' },
        { long: 'output', short: 'o', describe: 'the archive file to write', value: 'file' },
        json,
        verbose,
        HELP,
      ],
    },
    {
      name: 'volumes',
      describe: 'list and remove what a build over ssh left on the engine',
      positional: {
        name: 'action',
        choices: [
          ['list', 'list the volumes xcross made on the engine'],
          ['rm', 'remove volumes'],
          ['prune', "remove this machine's volumes whose folder is gone"],
        ],
      },
      flags: [
        runtime,
        { long: 'all', describe: "rm: this machine's volumes; prune: every xcross volume" },
        json,
        verbose,
        HELP,
      ],
    },
    {
      name: 'cache',
      describe: 'the local compile cache',
      positional: {
        name: 'action',
        choices: [
          ['stats', 'its size, limit, hits and misses'],
          ['clear', 'empty it'],
        ],
      },
      flags: [verbose, HELP],
    },
    {
      name: 'completion',
      describe: 'print a shell completion script',
      positional: {
        name: 'shell',
        choices: [
          ['bash', 'bash completion'],
          ['zsh', 'zsh completion'],
          ['fish', 'fish completion'],
        ],
      },
      flags: [HELP],
    },
  ];
  const top: Flag[] = [
    HELP,
    { long: 'version', short: 'V', describe: "print the version (with -v the engine's and the registry's)" },
    verbose,
  ];
  return { commands, top };
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
