// The fish completion script: one `complete` line per command and per flag, with descriptions.
import type { Flag, Words } from './words';

/** A fish single-quoted word. */
const q = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

function flagLine(f: Flag, condition: string): string {
  const parts = ['complete -c xcross', '-n', q(condition), '-l', f.long];
  if (f.short) parts.push('-s', f.short);
  const v = f.value;
  // -r: takes a value; -x: takes a value and no files; -F: files.
  if (v === 'file') parts.push('-r', '-F');
  else if (v === 'dir') parts.push('-x', '-a', q('(__fish_complete_directories)'));
  else if (v === 'any') parts.push('-x');
  else if (v) parts.push('-x', '-a', q(v.choices.join(' ')));
  parts.push('-d', q(f.describe));
  return parts.join(' ');
}

export function fishScript(w: Words): string {
  const lines = [
    '# fish completion for xcross. Load it in this shell: xcross completion fish | source',
    '# or for every shell: xcross completion fish > ~/.config/fish/completions/xcross.fish',
    'complete -c xcross -f',
    ...w.top.map((f) => flagLine(f, '__fish_use_subcommand')),
    ...w.commands.map((c) => `complete -c xcross -n '__fish_use_subcommand' -a ${c.name} -d ${q(c.describe)}`),
  ];
  for (const c of w.commands) {
    const on = `__fish_seen_subcommand_from ${c.name}`;
    lines.push(...c.flags.map((f) => flagLine(f, on)));
    if (c.positional) {
      const none = c.positional.choices.map(([n]) => n).join(' ');
      for (const [n, d] of c.positional.choices)
        lines.push(
          `complete -c xcross -n ${q(`${on}; and not __fish_seen_subcommand_from ${none}`)} -a ${n} -d ${q(d)}`,
        );
    }
  }
  // After `--` the words are the program's: files (`complete -f` above turned them off).
  lines.push(`complete -c xcross -n ${q('contains -- -- (commandline -opc)')} -F`);
  return lines.join('\n') + '\n';
}
