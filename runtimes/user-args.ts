// The user's own engine flags, for the CLI engines' argv and the REST runtime's spec alike.

/**
 * CROSS_CONTAINER_OPTS as cross takes it: engine flags in one string, split like a shell would on
 * spaces, with single or double quotes keeping spaces in a value.
 */
export function splitUserArgs(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']+)/g;
  let cur = '';
  let last = -1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    // Adjacent pieces (--env="a b") belong to one word.
    if (last !== -1 && m.index !== last) {
      out.push(cur);
      cur = '';
    }
    cur += m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]);
    last = re.lastIndex;
  }
  if (last !== -1) out.push(cur);
  return out;
}
