import { describe, expect, it } from '@jest/globals';
import { splitSentences } from './sentence.splitter.js';

describe('splitSentences', () => {
  describe('does not split after abbreviations', () => {
    it.each([
      ['z. B.', 'Gebühren werden z. B. für Hunde erhoben. Sie sind fällig.'],
      ['z.B.', 'Gebühren werden z.B. für Hunde erhoben. Sie sind fällig.'],
      ['z. B. before a capital', 'Zu prüfen sind z. B. Bauanträge und Pläne. Das Amt entscheidet.'],
      ['Nr.', 'Es gilt Nr. 5 der Anlage. Sie ist beigefügt.'],
      ['Abs.', 'Es gilt § 3 Abs. 2 der Satzung. Sie ist beigefügt.'],
      ['Art.', 'Nach Art. 3 GG sind alle gleich. Das gilt immer.'],
      ['S.', 'Siehe GBl. S. 581 vom Vorjahr. Das gilt immer.'],
      ['BGBl. I S.', 'Zuletzt geändert durch Gesetz vom 3. Mai 2013 (BGBl. I S. 1084). Das gilt immer.'],
      ['bzw.', 'Der Antrag bzw. Die Anzeige ist schriftlich einzureichen. Das gilt immer.'],
      ['ggf.', 'Es sind ggf. Nachweise beizufügen. Das gilt immer.'],
      ['vgl.', 'Dies folgt aus dem Gesetz (vgl. Ziff. 3). Das gilt immer.'],
      ['d. h.', 'Die Frist ist einzuhalten, d. h. Anträge sind rechtzeitig zu stellen. Das gilt immer.'],
      ['u. a.', 'Es sind u. a. Hunde und Katzen erfasst. Das gilt immer.'],
      ['usw. before a lower-case word', 'Papier, Glas usw. werden getrennt gesammelt. Das gilt immer.'],
      ['etc.', 'Papier, Glas etc. Sammelbehälter stehen bereit. Das gilt immer.'],
      ['Dr.', 'Vorsitzender ist Dr. Müller aus Bad Boll. Das gilt immer.'],
      ['Str.', 'Das Amt ist in der Str. 5 zu finden. Das gilt immer.'],
      ['a street name ending in str.', 'Das Amt liegt in der Hauptstr. 12 im Ort. Das gilt immer.'],
      ['gem.', 'Die Gebühr wird gem. § 4 erhoben. Das gilt immer.'],
      ['i. V. m.', 'Dies gilt nach § 2 i. V. m. § 5 der Satzung. Das gilt immer.'],
      ['i.V.m.', 'Dies gilt nach § 2 i.V.m. § 5 der Satzung. Das gilt immer.'],
      ['Ziff.', 'Maßgeblich ist Ziff. 4 der Richtlinie. Das gilt immer.'],
      ['lit.', 'Es gilt Art. 6 Abs. 1 lit. e DSGVO. Das gilt immer.'],
      ['a compound ending in an abbreviation', 'Betroffen ist das Flurstück-Nr. 1093/3 der Gemarkung. Das gilt immer.'],
      ['an initial', 'Unterzeichnet von H. Reutter, Bürgermeister. Das gilt immer.'],
    ])('%s', (_, text) => {
      expect(splitSentences(text)).toHaveLength(2);
    });
  });

  describe('numbers and dates', () => {
    it.each([
      ['an ordinal date', 'Die Satzung tritt am 1. Januar 2021 in Kraft. Das gilt immer.', 2],
      ['an ordinal before a noun', 'Die 2. Änderungssatzung wird aufgehoben. Das gilt immer.', 2],
      ['a roman ordinal', 'Zu pflanzen sind Bäume I. Ordnung und Bäume II. Ordnung. Das gilt immer.', 2],
      ['a numeric date', 'Der Beschluss vom 29.01.2009 gilt fort. Das gilt immer.', 2],
      ['an enumeration inside a line', 'Die Kosten umfassen 1. den Erwerb und 2. die Freilegung. Das gilt immer.', 2],
      ['a paragraph reference at the end', 'Die Gebühr richtet sich nach § 3 Abs. 2. Die Gemeinde setzt sie fest.', 2],
      ['a section reference at the end', 'Ausgenommen sind die Fälle des § 3. Die Gemeinde entscheidet.', 2],
      ['a reference list at the end', 'Es gelten die §§ 2, 3 und 4. Die Gemeinde entscheidet.', 2],
      ['a year at the end', 'Die Satzung gilt seit dem Jahr 2009. Die Gemeinde entscheidet.', 2],
      ['a numeric date at the end', 'Der Gemeinderat beschloss dies am 21.1.2009. Die Satzung gilt.', 2],
      ['a citation in brackets at the end', 'Geändert durch Gesetz vom 1. Juli 2020 (GBl. S. 12). Die Satzung gilt.', 2],
    ])('%s', (_, text, count) => {
      expect(splitSentences(text)).toHaveLength(count);
    });
  });

  it.each([
    ['question and exclamation marks', 'Ist das zulässig? Ja! Dann gilt es.', ['Ist das zulässig?', 'Ja!', 'Dann gilt es.']],
    ['a quoted sentence', 'Er sagte: „Ja.“ Dann ging er.', ['Er sagte: „Ja.“', 'Dann ging er.']],
    ['a bracketed sentence', 'Die Gebühr ist fällig. (Der Betrag ist zu überweisen.) Danach nicht.', ['Die Gebühr ist fällig.', '(Der Betrag ist zu überweisen.)', 'Danach nicht.']],
    ['form blanks made of dots', 'Name: .............. Vorname: ..............', ['Name: .............. Vorname: ..............']],
    ['a lower-case word after a period', 'Die Gebühr ist am 3. und am 15. fällig.', ['Die Gebühr ist am 3. und am 15. fällig.']],
    ['"usw." closing a sentence before a typical opener', 'Erfasst sind Papier, Glas usw. Die Abholung ist kostenlos.', ['Erfasst sind Papier, Glas usw.', 'Die Abholung ist kostenlos.']],
  ])('handles %s', (_, text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });

  describe('layout', () => {
    it('keeps a heading without final period as its own unit', () => {
      expect(splitSentences('§ 1 Gegenstand\n\nDie Satzung wird aufgehoben. Sie tritt außer Kraft.')).toEqual([
        '§ 1 Gegenstand',
        'Die Satzung wird aufgehoben.',
        'Sie tritt außer Kraft.',
      ]);
    });

    it('keeps a heading on the line right above its text apart', () => {
      expect(splitSentences('§ 2 Inkrafttreten\nDiese Satzung tritt am Tag nach der Bekanntmachung in Kraft.')).toEqual([
        '§ 2 Inkrafttreten',
        'Diese Satzung tritt am Tag nach der Bekanntmachung in Kraft.',
      ]);
    });

    it('makes each list item a unit and drops bullet characters, keeping the numbering', () => {
      const text = '(2) Die Kosten umfassen:\n1. den Erwerb der Flächen,\n2. die Freilegung.\n- a) Bäume\n• b) Hecken';
      expect(splitSentences(text)).toEqual(['(2) Die Kosten umfassen:', '1. den Erwerb der Flächen,', '2. die Freilegung.', 'a) Bäume', 'b) Hecken']);
    });

    it('makes each table row a unit and leaves out the rule line', () => {
      const text = '| Dauer | Betrag |\n|---|---|\n| bis zu 2 Stunden | 15 Euro |';
      expect(splitSentences(text)).toEqual(['| Dauer | Betrag |', '| bis zu 2 Stunden | 15 Euro |']);
    });

    it('joins hard-wrapped prose', () => {
      const text =
        'Die Benutzungsgebühr wird für die Überlassung der Halle an Vereine und\n' +
        'private Veranstalter erhoben und ist vor der Veranstaltung an die Gemeindekasse\n' +
        'zu zahlen. Sie beträgt 50 Euro.';
      expect(splitSentences(text)).toEqual([
        'Die Benutzungsgebühr wird für die Überlassung der Halle an Vereine und private Veranstalter erhoben und ist vor der Veranstaltung an die Gemeindekasse zu zahlen.',
        'Sie beträgt 50 Euro.',
      ]);
    });

    it('does not split an ordinal wrapped onto the next line', () => {
      expect(splitSentences('Die Satzung tritt am 1.\nJanuar 2021 in Kraft.')).toEqual(['Die Satzung tritt am 1. Januar 2021 in Kraft.']);
    });

    it('does not take a wrapped date for a list item', () => {
      expect(splitSentences('Die Satzung tritt am\n1. Januar 2021 in Kraft.')).toEqual(['Die Satzung tritt am 1. Januar 2021 in Kraft.']);
      expect(splitSentences('Feiertage:\n1. Januar Neujahr\n6. Januar Dreikönig')).toEqual(['Feiertage:', '1. Januar Neujahr', '6. Januar Dreikönig']);
    });

    it('makes each numbered section a unit', () => {
      const text = 'Die folgenden Regelungen gelten für alle Benutzer der Einrichtungen der Gemeinde\n4.1 Privatwaldbetreuung\n4.2 Holzverkauf';
      expect(splitSentences(text)).toEqual([
        'Die folgenden Regelungen gelten für alle Benutzer der Einrichtungen der Gemeinde',
        '4.1 Privatwaldbetreuung',
        '4.2 Holzverkauf',
      ]);
    });

    it('carries a sentence on across a break after an abbreviation that cannot end it', () => {
      const text = 'Eine Umsetzung ist möglich, wenn z.B.\n\n1. die Unterkunft geräumt werden muss;';
      expect(splitSentences(text)).toEqual(['Eine Umsetzung ist möglich, wenn z.B. 1. die Unterkunft geräumt werden muss;']);
    });

    it('keeps place, date and signature lines apart', () => {
      expect(splitSentences('Hattenhofen, 29. Januar 2009\n\nReutter, Bürgermeister')).toEqual(['Hattenhofen, 29. Januar 2009', 'Reutter, Bürgermeister']);
      expect(splitSentences('gez. Aufrecht\nVerbandsvorsitzender')).toEqual(['gez. Aufrecht', 'Verbandsvorsitzender']);
    });

    it('treats CRLF like LF and collapses spaces', () => {
      expect(splitSentences('§ 1 Zweck\r\n\r\nDie  Satzung\tgilt.  ')).toEqual(['§ 1 Zweck', 'Die Satzung gilt.']);
    });

    it('returns nothing for empty or blank text', () => {
      expect(splitSentences('')).toEqual([]);
      expect(splitSentences(' \n\n \t')).toEqual([]);
    });
  });
});
