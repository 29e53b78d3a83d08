// "Did you mean": the candidate with the smallest edit distance, if it is close enough to be a typo.

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  // A triple written without its vendor ("aarch64-linux-gnu") is far in edits but plainly meant.
  const parts = word.toLowerCase().split('-');
  const byParts = parts.length > 1 ? list.filter((c) => containsInOrder(c.toLowerCase().split('-'), parts)) : [];
  if (byParts.length === 1) return byParts[0];
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of list) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  // A third of the word may be wrong: "aarch64-linux-gnu" still finds "aarch64-unknown-linux-gnu".
  return best !== undefined && bestScore <= Math.max(3, Math.ceil(word.length / 3)) ? best : undefined;
}

function containsInOrder(haystack: string[], needles: string[]): boolean {
  let i = 0;
  for (const h of haystack) if (i < needles.length && h === needles[i]) i++;
  return i === needles.length;
}
