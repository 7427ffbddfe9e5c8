// "Did you mean …?": the nearest known word to a mistyped one, for option names, subcommands
// and slash commands alike.

/**
 * The word among `candidates` nearest to `typed` by edit distance, if it is at most
 * `maxDistance` edits away (ties go to the first); one-letter candidates are never suggested.
 */
export function nearestWord(typed: string, candidates: Iterable<string>, maxDistance: number): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance;
  for (const spelling of candidates) {
    if (spelling.length < 2) continue;
    const distance = editDistance(typed, spelling);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = spelling;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
