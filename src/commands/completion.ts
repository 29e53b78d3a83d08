// xcross completion bash|zsh|fish: prints the shell's completion script, made from the registry.
import { loadRegistry } from '../targets/registry';
import { completionWords, type Shell } from '../completion/words';
import { bashScript } from '../completion/bash';
import { zshScript } from '../completion/zsh';
import { fishScript } from '../completion/fish';

export function completionScript(shell: Shell): string {
  const words = completionWords(loadRegistry());
  return shell === 'bash' ? bashScript(words) : shell === 'zsh' ? zshScript(words) : fishScript(words);
}
