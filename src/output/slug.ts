// The prompt part of a generated file name. Transliteration comes from @sindresorhus/slugify
// (German, Cyrillic, Greek, Vietnamese, Arabic...): a maintained table beats one of our own.
// Loading it costs ~25 ms, so files.ts imports this module only when a name must be made.
import { createHash } from 'node:crypto';
import transliterate from '@sindresorhus/slugify';

/**
 * `a watercolor fox!` -> `a-watercolor-fox`, `лиса в лесу` -> `lisa-v-lesu`: lowercase ASCII
 * words joined by '-', at most `max` characters, cut at a word boundary (a single longer word
 * is cut). A prompt with nothing to transliterate (Chinese, Japanese, emoji) becomes
 * `image-<8 hex of its sha256>`, so two such prompts still get different names.
 */
export function slugify(text: string, max = 48): string {
  // decamelize off: `barBaz` stays one word, as before.
  const words = transliterate(text, { decamelize: false })
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > max) break;
    slug = next;
  }
  if (slug || words.length) return slug || words[0]!.slice(0, max);
  // An empty prompt has nothing to tell apart.
  if (!text.trim()) return 'image';
  return `image-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}
