/**
 * The Snowball stemmer for German, written from the algorithm's published description
 * (snowballstem.org, "German stemming algorithm"), in its classic form:
 *
 * 1. Prelude: "ß" becomes "ss"; a "u" or "y" between two vowels is marked as a consonant (kept
 *    upper-case while the steps run), so "bauen" keeps its "u" out of the vowel count.
 * 2. Regions: R1 is the part after the first consonant that follows a vowel, moved right so that at least
 *    three letters stand before it; R2 is the same rule applied again inside R1 (from the unmoved R1).
 * 3. Three suffix steps, each removing at most one ending (the longest that matches; if that one is not
 *    allowed, nothing): inflection in R1 (step 1, step 2), then derivation in R2 (step 3).
 * 4. Postlude: the marks go, and umlauts lose their dots ("ä" -> "a", "ö" -> "o", "ü" -> "u").
 *
 * The variant "german2" of the same description first turns the transliterations "ae", "oe" and "ue"
 * (not after "q") into umlauts, so that "Gebuehren" and "Gebühren" meet; `transliterate: true` selects it.
 */
export interface GermanStemmerOptions {
  /** Treat "ae", "oe", "ue" (not after "q") as "ä", "ö", "ü" first (the "german2" variant). Default false. */
  transliterate?: boolean;
}

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y', 'ä', 'ö', 'ü']);
/** Letters before which a final "s" is an ending (step 1). */
const S_ENDING = new Set(['b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'r', 't']);
/** Letters before which a final "st" is an ending (step 2): the s-endings without "r". */
const ST_ENDING = new Set(['b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 't']);

/** Endings of each step, longest first: the first that the word ends with is "the longest". */
const STEP1 = ['ern', 'em', 'er', 'en', 'es', 'e', 's'];
const STEP2 = ['est', 'en', 'er', 'st'];
const STEP3 = ['isch', 'lich', 'heit', 'keit', 'end', 'ung', 'ig', 'ik'];

const isVowel = (letter: string | undefined): boolean => letter !== undefined && VOWELS.has(letter);

/**
 * Stems one German word. The word is lower-cased first; the stem has no umlauts and no "ß".
 * Words of fewer than three letters come back lower-cased, unchanged otherwise (their R1 is empty).
 */
export function snowballGermanStem(word: string, options: GermanStemmerOptions = {}): string {
  const letters = prelude(word.toLowerCase(), options.transliterate ?? false);
  const { r1, r2 } = regions(letters);
  let w = letters.join('');

  w = step1(w, r1);
  w = step2(w, r1);
  w = step3(w, r1, r2);

  return postlude(w);
}

function prelude(word: string, transliterate: boolean): string[] {
  const letters = [...word];
  // A "u" or "y" with a vowel on either side counts as a consonant. Left to right, so a letter already
  // marked is no longer a vowel for the one after it ("aUue"). Marked before the transliteration, so the
  // "ue" of "bauen" or "Steuer" stays two letters.
  for (let i = 1; i < letters.length - 1; i++) {
    const letter = letters[i]!;
    if ((letter === 'u' || letter === 'y') && isVowel(letters[i - 1]) && isVowel(letters[i + 1])) {
      letters[i] = letter.toUpperCase();
    }
  }
  let text = letters.join('').replace(/ß/g, 'ss');
  // "qu" is a letter pair of its own: "Quelle" keeps its "ue".
  if (transliterate) text = text.replace(/qu|ae|oe|ue/g, (pair) => UMLAUT_OF[pair] ?? pair);
  return [...text];
}

const UMLAUT_OF: Record<string, string> = { ae: 'ä', oe: 'ö', ue: 'ü' };

/**
 * R1 and R2 as offsets into the word (in UTF-16 units; all letters here are single units after the
 * prelude). An empty region is the word's length.
 */
function regions(letters: string[]): { r1: number; r2: number } {
  const length = letters.length;
  if (length < 3) return { r1: length, r2: length };
  const afterVowelConsonant = (from: number): number => {
    let i = from;
    while (i < length && !isVowel(letters[i])) i++; // to the first vowel
    while (i < length && isVowel(letters[i])) i++; // past the vowels to the first consonant
    return i < length ? i + 1 : length;
  };
  const r1 = afterVowelConsonant(0);
  const r2 = r1 < length ? afterVowelConsonant(r1) : length;
  return { r1: Math.max(r1, 3), r2 };
}

/** The longest of `endings` that `word` ends with. */
function longestEnding(word: string, endings: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const ending of endings) if (word.endsWith(ending) && (!best || ending.length > best.length)) best = ending;
  return best;
}

/** Step 1: "em", "ern", "er"; "e", "en", "es" (then "niss" -> "nis"); "s" after a valid s-ending. In R1. */
function step1(word: string, r1: number): string {
  const ending = longestEnding(word, STEP1);
  if (!ending) return word;
  const at = word.length - ending.length;
  if (at < r1) return word;
  switch (ending) {
    case 'em':
    case 'ern':
    case 'er':
      return word.slice(0, at);
    case 'e':
    case 'en':
    case 'es': {
      const stem = word.slice(0, at);
      return stem.endsWith('niss') ? stem.slice(0, -1) : stem;
    }
    default: // 's'
      return S_ENDING.has(word[at - 1]!) ? word.slice(0, at) : word;
  }
}

/** Step 2: "en", "er", "est"; "st" after a valid st-ending that has at least three letters before it. In R1. */
function step2(word: string, r1: number): string {
  const ending = longestEnding(word, STEP2);
  if (!ending) return word;
  const at = word.length - ending.length;
  if (at < r1) return word;
  if (ending !== 'st') return word.slice(0, at);
  return ST_ENDING.has(word[at - 1]!) && at - 1 >= 3 ? word.slice(0, at) : word;
}

/** Step 3: derivational endings in R2, with the rules for what may stand before them. */
function step3(word: string, r1: number, r2: number): string {
  const ending = longestEnding(word, STEP3);
  if (!ending) return word;
  const at = word.length - ending.length;
  if (at < r2) return word;
  let stem = word.slice(0, at);
  switch (ending) {
    case 'end':
    case 'ung':
      // A preceding "ig" goes too, if it is in R2 and not preceded by "e".
      if (stem.endsWith('ig') && stem.length - 2 >= r2 && stem[stem.length - 3] !== 'e') stem = stem.slice(0, -2);
      return stem;
    case 'ig':
    case 'ik':
    case 'isch':
      return stem.endsWith('e') ? word : stem;
    case 'lich':
    case 'heit':
      // A preceding "er" or "en" goes too, if it is in R1.
      if ((stem.endsWith('er') || stem.endsWith('en')) && stem.length - 2 >= r1) stem = stem.slice(0, -2);
      return stem;
    default: {
      // 'keit': a preceding "lich" or "ig" goes too, if it is in R2.
      const inner = longestEnding(stem, ['lich', 'ig']);
      if (inner && stem.length - inner.length >= r2) stem = stem.slice(0, -inner.length);
      return stem;
    }
  }
}

function postlude(word: string): string {
  return word.replace(/[UYäöü]/g, (letter) => POSTLUDE[letter]!);
}

const POSTLUDE: Record<string, string> = { U: 'u', Y: 'y', ä: 'a', ö: 'o', ü: 'u' };
