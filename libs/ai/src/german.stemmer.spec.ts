import { describe, expect, it } from '@jest/globals';
import { snowballGermanStem } from './german.stemmer.js';

/**
 * Word -> stem pairs worked out by hand from the published description of the Snowball German
 * algorithm. The comment on each row says which rule decides it (R1/R2 as letter offsets).
 */
const CLASSIC: Array<[word: string, stem: string, why: string]> = [
  // Examples of the description itself
  ['äckern', 'ack', 'R1=3; step 1 "ern"; umlaut removed at the end'],
  ['ackers', 'ack', 'step 1 "s" after "r" (valid s-ending), step 2 "er"'],
  ['armes', 'arm', 'step 1 "es" at R1=3'],
  ['bedürfnissen', 'bedurfnis', 'step 1 "en", then "niss" -> "nis"'],
  ['derbsten', 'derb', 'step 1 "en"; step 2 "st" after "b" with 3 letters before it'],
  // Step 1
  ['kinder', 'kind', 'step 1 "er"'],
  ['kindern', 'kind', 'step 1 "ern" is longer than "er"'],
  ['kindes', 'kind', 'step 1 "es"'],
  ['tages', 'tag', 'step 1 "es" at R1=3'],
  ['gemeinde', 'gemeind', 'step 1 "e"'],
  ['gemeinden', 'gemeind', 'step 1 "en"'],
  ['gebühren', 'gebuhr', 'step 1 "en"; "ü" -> "u"'],
  ['gebühr', 'gebuhr', 'no ending'],
  ['abwasser', 'abwass', 'R1 moved from 2 to 3; step 1 "er"'],
  ['mittels', 'mittel', 'step 1 "s" after "l"'],
  ['haus', 'haus', 'R1=4 is the end: "s" not in R1'],
  ['häuser', 'haus', 'R1=4, step 1 "er"'],
  ['häusern', 'haus', 'R1=4, step 1 "ern"'],
  ['erlaubnisse', 'erlaubnis', 'step 1 "e", then "niss" -> "nis"'],
  ['größe', 'gross', '"ß" -> "ss"; step 1 "e"; "ö" -> "o"'],
  ['straße', 'strass', '"ß" -> "ss", R1=5, step 1 "e"'],
  ['straßen', 'strass', '"ß" -> "ss", step 1 "en"'],
  // u and y between vowels
  ['steuer', 'steu', '"u" between vowels is a consonant: R1=4, step 1 "er"'],
  ['steuern', 'steu', 'as "steuer", step 1 "ern"'],
  ['bauen', 'bau', '"u" marked, R1=3, step 1 "en"'],
  ['feuerwehr', 'feuerwehr', 'no ending ("r" alone is none)'],
  ['bayern', 'bay', '"y" between vowels is a consonant, step 1 "ern"'],
  // Step 2
  ['schnellsten', 'schnell', 'step 1 "en", step 2 "st" after "l"'],
  ['lautesten', 'laut', 'step 1 "en", step 2 "est" (longest)'],
  ['ersten', 'erst', 'step 2 "st" starts before R1=3'],
  ['bürgermeister', 'burgermeist', 'step 1 "er"; "st" after "i" is no ending'],
  // Step 3
  ['verwaltung', 'verwalt', 'R2=6, "ung" at 7'],
  ['erhebung', 'erheb', 'R2=5, "ung" at 5'],
  ['benutzung', 'benutz', 'R2=5, "ung" at 6'],
  ['bekanntmachung', 'bekanntmach', '"ung" in R2'],
  ['ordnung', 'ordnung', 'R2=6: "ung" at 4 is outside'],
  ['satzungen', 'satzung', 'step 1 "en"; "ung" outside R2=6'],
  ['wohnungen', 'wohnung', 'step 1 "en"; "ung" outside R2=6'],
  ['ermächtigung', 'ermacht', '"ung" in R2, then "ig" in R2 not after "e"'],
  ['zusammenfassend', 'zusammenfass', '"end" in R2=5'],
  ['aufeinanderfolgenden', 'aufeinanderfolg', 'step 1 "en", step 3 "end"'],
  ['kategorisch', 'kategor', '"isch" in R2, not after "e"'],
  ['ledig', 'ledig', '"ig" outside R2=5'],
  ['freundlich', 'freundlich', 'R2=9: "lich" outside'],
  ['jährlich', 'jahrlich', 'R2=7: "lich" outside'],
  ['wirtschaftlicher', 'wirtschaft', 'step 1 "er", step 3 "lich" in R2=9'],
  ['öffentlichkeit', 'offent', '"keit" in R2, then "lich" in R2'],
  ['richtigkeit', 'richtig', '"keit" in R2=7, "ig" at 5 outside'],
  ['abhängigkeit', 'abhang', '"keit" in R2=5, then "ig" in R2'],
  // Short words and case
  ['ab', 'ab', 'fewer than three letters'],
  ['Häuser', 'haus', 'lower-cased first'],
];

/** The "german2" variant: "ae", "oe", "ue" read as umlauts unless "u" is marked or follows "q". */
const TRANSLITERATED: Array<[word: string, stem: string, why: string]> = [
  ['gebuehren', 'gebuhr', '"ue" -> "ü", then as "gebühren"'],
  ['haeuser', 'haus', '"ae" -> "ä", then as "häuser"'],
  ['groesse', 'gross', '"oe" -> "ö"'],
  ['quelle', 'quell', '"qu" keeps its "u"'],
  ['bauer', 'bau', '"u" between vowels is marked before "ue" is read'],
  ['steuer', 'steu', '"u" marked first: "ue" here is no umlaut'],
];

describe('snowballGermanStem', () => {
  it.each(CLASSIC)('%s -> %s (%s)', (word, stem) => {
    expect(snowballGermanStem(word)).toBe(stem);
  });

  it('leaves "ae", "oe", "ue" alone in the classic algorithm', () => {
    expect(snowballGermanStem('gebuehren')).toBe('gebuehr');
  });

  it.each(TRANSLITERATED)('with transliteration: %s -> %s (%s)', (word, stem) => {
    expect(snowballGermanStem(word, { transliterate: true })).toBe(stem);
  });

  it('gives the same stem for inflected forms of one word', () => {
    const stems = ['Gemeinde', 'Gemeinden', 'gemeinde'].map((word) => snowballGermanStem(word));
    expect(new Set(stems).size).toBe(1);
  });

  it('never returns upper-case letters, umlauts or "ß"', () => {
    for (const word of ['Bauer', 'Treue', 'Mayer', 'Äußerung', 'Grüße', 'BAYERN']) {
      expect(snowballGermanStem(word)).toMatch(/^[a-z]+$/);
    }
  });
});
