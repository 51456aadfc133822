// "Did you mean ...?" for every name a user types: commands and flags (cli.ts), model names
// (pipeline/build.ts, config set model), batch job keys, config keys and profiles. One rule
// everywhere, the one commander uses for its own suggestions: at most 2 edits (insert, delete,
// replace, swap two neighbours) and more than 40% of the letters kept. Pure; imports nothing.

/** The optimal string alignment distance: Levenshtein plus swapping two neighbouring letters. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidates closest to `input` (case aside) within the rule above, best first; [] when none is close. */
export function closest(input: string, candidates: readonly string[]): string[] {
  const word = input.toLowerCase();
  let best = 3;
  let found: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate.length <= 1 || candidate === input) continue;
    const distance = editDistance(word, candidate.toLowerCase());
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) {
      best = distance;
      found = [candidate];
    } else if (distance === best) found.push(candidate);
  }
  return found;
}

/** "a", "a or b", "a, b or c". */
export function orList(words: readonly string[]): string {
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** "; did you mean x?" for a message, or '' when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const near = closest(input, candidates);
  return near.length ? `; did you mean ${orList(near)}?` : '';
}

/**
 * The known model names a typed one is a slip of (`gpt-imag-2`, `GPT-Image-2`, `dalle-3`), or []
 * when it is far from all of them or differs only in its digits and dots: `gpt-image-3` or a new
 * dated snapshot is another model, not a typo, and is sent as given.
 */
export function modelSlipOf(name: string, known: readonly string[]): string[] {
  if (known.includes(name)) return [];
  const shape = (s: string) => s.toLowerCase().replace(/[\d.]/g, '');
  const sameCase = known.filter((k) => k.toLowerCase() === name.toLowerCase());
  if (sameCase.length) return sameCase;
  return closest(name, known).filter((k) => shape(k) !== shape(name));
}
