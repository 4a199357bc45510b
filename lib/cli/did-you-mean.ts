import { closestWord } from '../validate/closest-word.js';

/**
 * `' (did you mean "x"?)'` for the known word closest to `word` (see
 * `closestWord`: a prefix of it, or at most two edits off; one for short
 * words), or `''` when none is close.
 */
export function suggestion(word: string, known: readonly string[]): string {
  const best = closestWord(word, known);
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}
