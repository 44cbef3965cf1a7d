// "Did you mean …?": the nearest known name to a mistyped command, so a typo
// gets a hint instead of the whole command list.

/** Optimal string alignment distance: edits, with a swap of two neighbours counting as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate nearest to `word`, or undefined when none is near enough to
 * be a typo of it: a prefix of two letters or more (`deplo`), or at most a
 * third of the letters wrong (two for short words).
 */
export function nearestName(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  if (w.length === 0) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    // A prefix is the likeliest intent; of several, the shortest completion (cert: certs, not certinfo).
    const d = w.length >= 2 && c.startsWith(w) ? 0.5 + (c.length - w.length) / 100 : editDistance(w, c);
    if (d <= Math.max(2, Math.floor(c.length / 3)) && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

/**
 * cfssl's `Command X is not defined.`, then the nearest of `candidates` (the
 * names allowed where the last word stands) in full, and where to look.
 */
export function notDefinedMessage(words: readonly string[], candidates: readonly string[]): string {
  const near = nearestName(words.at(-1) ?? "", candidates);
  const full = near === undefined ? undefined : [...words.slice(0, -1), near].join(" ");
  return `Command ${words.join(" ")} is not defined.\n${full ? `Did you mean this?\n\t${full}\n` : ""}Run 'k8s-pki help' for the list of commands.\n`;
}
