// The zsh completion script: _arguments specs with descriptions, per command.
import type { Flag, Value, Words } from './words';

/** A zsh single-quoted word. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Text inside an _arguments spec's [...] or an item of _describe, where these are special. */
const esc = (s: string) => s.replace(/[\\[\]:]/g, (c) => `\\${c}`);

function action(v: Value, what: string): string {
  if (v === 'file') return `:${what}:_files`;
  if (v === 'dir') return `:${what}:_files -/`;
  if (v === 'any') return `:${what}: `;
  return `:${what}:(${v.choices.join(' ')})`;
}

function spec(f: Flag): string[] {
  // `--name=` takes the value in the same word after '=' or in the next one, as cargo does.
  const long = `--${f.long}${f.value ? '=' : ''}[${esc(f.describe)}]${f.value ? action(f.value, f.long) : ''}`;
  if (!f.short) return [q(long)];
  const short = `-${f.short}[${esc(f.describe)}]${f.value ? action(f.value, f.long) : ''}`;
  const excl = `(-${f.short} --${f.long})`;
  return [q(excl + long), q(excl + short)];
}

export function zshScript(w: Words): string {
  const commands = w.commands.map((c) => q(`${esc(c.name)}:${esc(c.describe)}`));
  const cases = w.commands.map((c) => {
    const pos = c.positional
      ? [
          q(
            `1:${c.positional.name}:((${c.positional.choices.map(([n, d]) => `${n}\\:"${d.replace(/["\\]/g, '\\$&')}"`).join(' ')}))`,
          ),
        ]
      : [q('*:file:_files')];
    return `    (${c.name}) _arguments -s ${[...c.flags.flatMap(spec), ...pos].join(' \\\n        ')} ;;`;
  });
  return `#compdef xcross
# zsh completion for xcross. Load it in this shell: source <(xcross completion zsh)
# or for every shell: xcross completion zsh > "\${fpath[1]}/_xcross" (then compinit)
_xcross() {
  local curcontext=$curcontext state line
  local -a commands
  commands=(
    ${commands.join('\n    ')}
  )
  _arguments -C ${w.top.flatMap(spec).join(' ')} '1:command:->command' '*::arg:->args'
  case $state in
    (command) _describe -t commands 'xcross command' commands ;;
    (args)
      curcontext=\${curcontext%:*:*}:xcross-$line[1]:
      case $line[1] in
${cases.join('\n')}
      esac ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _xcross "$@"; else compdef _xcross xcross; fi
`;
}
