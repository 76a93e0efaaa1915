import stopword from 'stopword';

/**
 * Word handling shared by the summariser and the classifier: German text is folded, split into words,
 * stop words dropped and endings cut, so that "Gebühren", "Gebühr" and "gebuehr" meet on one term.
 */

/**
 * Lower-cases and folds umlauts and ß. Both spellings meet: "ü" and the transliteration "ue" become "u",
 * so "Gebühr", "Gebuehr" and "gebuhr" are one string. Applied to text and keywords alike, so the few
 * words with a genuine "ue" ("Steuer" -> "steur") still match themselves.
 */
export function foldGerman(word: string): string {
  return word.toLowerCase().replace(FOLDABLE, (match) => FOLDS[match]!);
}

const FOLDS: Record<string, string> = { ß: 'ss', ä: 'a', ö: 'o', ü: 'u', ae: 'a', oe: 'o', ue: 'u' };
const FOLDABLE = /ß|ä|ö|ü|ae|oe|ue/g;

/** Words as written: runs of letters, digits inside a word kept ("BauGB", "A1"), a lone number dropped. */
export function tokenise(text: string): string[] {
  return text.match(/\p{L}[\p{L}\p{N}]*/gu) ?? [];
}

/** Endings cut by the stemmer, longest first; inflection only, derivation ("-ung", "-heit") stays. */
const SUFFIXES = ['ern', 'em', 'en', 'er', 'es', 'e', 'n', 's'];
/** Never cut a word below this length: short stems collide ("rat", "rate", "raten"). */
const MIN_STEM = 4;

/**
 * Light German stemmer for folded words: strips inflectional endings repeatedly while the stem stays
 * long enough. Plural and case forms meet ("Bäume"/"Baum", "Steuern"/"Steuer", "Anträgen"/"Antrag");
 * it is not a full morphological analysis and does not need to be, as both sides are stemmed the same way.
 */
export function stemGerman(folded: string): string {
  let stem = folded;
  for (let cut = true; cut; ) {
    cut = false;
    for (const suffix of SUFFIXES) {
      // A plural "-n" follows "-el" and "-er" ("Regeln", "Steuern"); elsewhere it is the word ("Plan").
      if (suffix === 'n' && !/[lr]n$/.test(stem)) continue;
      if (stem.endsWith(suffix) && stem.length - suffix.length >= MIN_STEM) {
        stem = stem.slice(0, -suffix.length);
        cut = true;
        break;
      }
    }
  }
  return stem;
}

/**
 * Words that carry no topic in administrative text beyond the general list: legal reference words
 * ("Abs.", "Satz") and the document-type words that every Satzung repeats.
 */
const ADMIN_STOPWORDS = [
  'abs', 'absatz', 'nr', 'nummer', 'satz', 'art', 'artikel', 'ziff', 'ziffer', 'lit', 'buchst', 'buchstabe',
  'bzw', 'ggf', 'vgl', 'gem', 'gemass', 'sowie', 'usw', 'etc', 'ff', 'vom', 'bis', 'der', 'die', 'das',
];

const STOPWORDS: ReadonlySet<string> = new Set([...stopword.deu, ...ADMIN_STOPWORDS].map(foldGerman));

export function isStopword(folded: string): boolean {
  return STOPWORDS.has(folded);
}

/** The terms a text is about: folded, stop words and one-letter words removed, stemmed. */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const word of tokenise(text)) {
    const folded = foldGerman(word);
    if (folded.length < 2 || isStopword(folded)) continue;
    terms.push(stemGerman(folded));
  }
  return terms;
}
