// The bash completion script: one function that finds the command word, completes a flag's value
// from the word before (bash splits `--target=aa` at the '=' into three words), else flags or commands.
import type { Flag, Words } from './words';

const names = (flags: Flag[]) => flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]).join(' ');

export function bashScript(w: Words): string {
  // Every flag that takes a value, across commands: the same flag means the same everywhere.
  const valued = new Map<string, Flag>();
  for (const f of w.commands.flatMap((c) => c.flags)) if (f.value) valued.set(f.long, f);
  const valueCases = [...valued.values()].map((f) => {
    const pattern = [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])].join('|');
    const v = f.value!;
    const action =
      v === 'file'
        ? 'COMPREPLY=($(compgen -f -- "$cur"))'
        : v === 'dir'
          ? 'COMPREPLY=($(compgen -d -- "$cur"))'
          : v === 'any'
            ? 'COMPREPLY=()'
            : `COMPREPLY=($(compgen -W '${v.choices.join(' ')}' -- "$cur"))`;
    return `      ${pattern}) ${action}; return ;;`;
  });
  const flagCases = w.commands.map((c) => `      ${c.name}) flags='${names(c.flags)}' ;;`);
  const positionalCases = w.commands
    .filter((c) => c.positional)
    .map((c) => `      ${c.name}) words='${c.positional!.choices.map(([n]) => n).join(' ')}' ;;`);
  return `# bash completion for xcross. Load it in this shell: source <(xcross completion bash)
# or for every shell: xcross completion bash > ~/.local/share/bash-completion/completions/xcross
_xcross() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd= cmd_at=0 i flags= words=
  # --flag=value: bash makes '--flag' '=' 'value' of it.
  if [[ $cur == = ]]; then cur=; elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=\${COMP_WORDS[COMP_CWORD-2]}; fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      +*|-*|=) ;;
      *) if [[ -z $cmd ]]; then cmd=\${COMP_WORDS[i]}; cmd_at=$i; fi ;;
    esac
    # After -- the words are the program's: files, as bash would complete them.
    [[ -n $cmd && \${COMP_WORDS[i]} == -- ]] && return
  done
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '${names(w.top)}' -- "$cur"))
    else COMPREPLY=($(compgen -W '${w.commands.map((c) => c.name).join(' ')}' -- "$cur")); fi
    return
  fi
  if [[ $prev == -* ]]; then
    case $prev in
${valueCases.join('\n')}
    esac
  fi
  case $cmd in
${flagCases.join('\n')}
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); return; fi
  case $cmd in
${positionalCases.join('\n')}
  esac
  # The first word after image or completion is its action or shell.
  if [[ -n $words && $((COMP_CWORD - cmd_at)) -eq 1 ]]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); fi
}
complete -o default -F _xcross xcross
`;
}
