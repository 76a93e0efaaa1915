/**
 * Sentence splitting for German administrative text. Two levels: the layout (blank lines, list items,
 * table rows, headings) cuts the text into segments, then each segment is cut at sentence punctuation,
 * unless the period belongs to an abbreviation, an ordinal number or a date.
 */

/**
 * Abbreviations after which a period does not end a sentence, written lower-case without spaces
 * ("z. B." and "z.B." are both "z.b."). Plain words that may end a sentence ("so", "alt", "weg") are
 * left out on purpose.
 */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  // Multi-part
  'z.b.', 'z.t.', 'z.hd.', 'z.zt.', 'd.h.', 'd.j.', 'u.a.', 'u.ä.', 'o.ä.', 'u.u.', 'u.s.w.', 'v.a.', 'v.h.',
  's.o.', 's.u.', 'i.v.m.', 'i.d.f.', 'i.d.r.', 'i.s.d.', 'i.s.v.', 'i.v.', 'i.a.', 'i.r.', 'i.ü.', 'i.e.',
  'a.a.o.', 'a.f.', 'n.f.', 'e.v.', 'm.e.', 'm.w.n.', 'o.g.', 'sog.', 'usf.',
  // References in legal text
  'abs.', 'art.', 'nr.', 'nrn.', 'ziff.', 'lit.', 'buchst.', 'bst.', 'abschn.', 'kap.', 'anl.', 'anh.',
  'unterabs.', 'halbs.', 'hs.', 'rn.', 'rdnr.', 'rz.', 'tz.', 'fn.', 'ff.', 'var.', 'vorb.', 'einl.',
  'gem.', 'vgl.', 'bzw.', 'ggf.', 'ggfs.', 'bzgl.', 'betr.', 'entspr.', 'einschl.', 'ausschl.',
  'bgbl.', 'gbl.', 'gabl.', 'gvbl.', 'abl.', 'amtsbl.', 'banz.', 'bd.', 'hrsg.', 'aufl.', 'verf.', 'bek.',
  'beschl.', 'urt.', 'az.', 'ges.', 'tab.', 'abb.', 'anm.', 'lfd.', 'zul.', 'geänd.', 'erg.',
  // Everyday
  'usw.', 'etc.', 'ca.', 'bspw.', 'evtl.', 'inkl.', 'exkl.', 'zzgl.', 'zuzügl.', 'abzgl.', 'insb.', 'insbes.',
  'max.', 'mind.', 'min.', 'mtl.', 'monatl.', 'jährl.', 'wöchentl.', 'tägl.', 'zz.', 'zzt.', 'ebd.',
  'sogen.', 'vorm.', 'nachm.', 'ehem.', 'geb.', 'gest.', 'verh.', 'gez.', 'tel.', 'tel.-nr.', 'hausnr.',
  'std.', 'tsd.', 'mio.', 'mrd.', 'jh.', 'jhd.', 'pos.', 'pkt.', 'ref.', 'abt.', 'bez.', 'gde.', 'lkr.',
  'kr.', 'reg.', 'st.', 'flst.', 'gmkg.', 'vors.', 'stellv.', 'stv.', 'bgm.', 'hbf.', 'co.',
  // Titles
  'dr.', 'prof.', 'dipl.', 'ing.', 'hr.', 'fr.', 'frl.', 'str.',
  // Dates
  'jan.', 'feb.', 'febr.', 'mär.', 'apr.', 'jun.', 'jul.', 'aug.', 'sep.', 'sept.', 'okt.', 'nov.', 'dez.',
  'mo.', 'di.', 'mi.', 'do.', 'sa.',
]);

/** Abbreviations that often close a list at the end of a sentence: they end one before a typical opener. */
const SENTENCE_FINAL_ABBREVIATIONS: ReadonlySet<string> = new Set(['usw.', 'u.s.w.', 'etc.', 'ff.', 'usf.', 'u.ä.', 'o.ä.']);

/**
 * Abbreviations that cannot close a sentence: a line or block ending in one was cut by the layout
 * ("…, wenn z.B." before a list), so it goes on with what follows.
 */
const OPEN_ABBREVIATIONS: ReadonlySet<string> = new Set([
  'z.b.', 'd.h.', 'i.v.m.', 'i.s.d.', 'i.s.v.', 'vgl.', 'gem.', 'abs.', 'nr.', 'nrn.', 'art.', 'ziff.', 'lit.',
  'buchst.', 'abschn.', 'kap.', 'anl.', 'bzw.', 'ggf.', 'sog.', 'insb.', 'insbes.', 'bspw.', 'ca.', 'zzgl.',
  'inkl.', 'bgbl.', 'gbl.', 'dr.', 'prof.',
]);

/** Words that open a German sentence but are unlikely right after "usw." inside one. */
const SENTENCE_OPENERS: ReadonlySet<string> = new Set([
  'der', 'die', 'das', 'dies', 'diese', 'dieser', 'dieses', 'ein', 'eine', 'es', 'er', 'sie', 'wir', 'ich',
  'im', 'in', 'bei', 'für', 'auf', 'nach', 'mit', 'soweit', 'sofern', 'wenn', 'wer', 'hierzu', 'dabei',
  'außerdem', 'zudem', 'ferner', 'daher', 'damit', 'insoweit', 'näheres', 'weitere',
]);

/** Words before a number that make it a reference ("Abs. 2."), which may end a sentence, not an ordinal. */
const REFERENCE_WORDS: ReadonlySet<string> = new Set([
  '§', '§§', 'abs', 'absatz', 'nr', 'nrn', 'nummer', 'satz', 'art', 'artikel', 's', 'seite', 'ziff', 'ziffer',
  'lit', 'buchst', 'anlage', 'anhang', 'kapitel', 'kap', 'teil', 'abschnitt', 'abschn', 'tz', 'rn',
  'randnummer', 'fn', 'pos', 'position', 'klasse', 'stufe', 'tarifstelle',
]);

/** A numbered reference list before the last number: "§§ 2, 3 und 4." */
const REFERENCE_FILLER = /^(?:\d{1,4}[a-z]?[,;]?|und|oder|bis|sowie|u\.|-|–)$/i;

/** A line that starts a list item or heading of its own: "- ", "1.", "1.1", "a)", "(2)", "§ 3". */
const LIST_START =
  /^\s*(?:[-–—•*·▪](?=\s)|\(?\d{1,3}(?:\.\d{1,3})*[.)](?=\s)|\d{1,3}(?:\.\d{1,3})+(?=\s)|\(?[a-z]{1,2}\)(?=\s)|\(\d{1,3}[a-z]?\)(?=\s)|§{1,2}\s)/;
/** "1. Januar" at the start of a line looks like a list item but may be a wrapped date. */
const DATE_START = /^\s*\d{1,2}\.\s+(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b/;
const TABLE_ROW = /^\s*\|/;
/** Lines this long without final punctuation are taken as hard-wrapped prose, shorter ones as headings. */
const WRAP_MIN = 60;
/** A line ending in an article, preposition or conjunction cannot be a heading. */
const OPEN_ENDING = /(?:^|\s)(?:und|oder|sowie|der|die|das|des|dem|den|ein|eine|einer|eines|von|vom|zu|zum|zur|für|mit|nach|bei|auf|aus|in|im|an|am|über|unter|gemäß)$/i;

/** Sentence punctuation, closing quotes or brackets after it, then the space before the next sentence. */
const BOUNDARY_CANDIDATE = /(\.{2,}|…|[.!?])(["'“”‘’»«)\]]*)(\s+)/g;

/**
 * Splits German text into sentences and layout units. A heading line without a final period, a list
 * item and a table row each stay a unit of their own. Whitespace inside a unit is collapsed, leading
 * bullet characters are dropped, units without any letter or digit (table rules, "* * *") are left out.
 */
export function splitSentences(text: string): string[] {
  const segments = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[^\S\n]*\n/)
    .flatMap(segmentsOf);
  const units: string[] = [];
  for (const segment of joinOpenEnds(segments)) {
    for (const sentence of splitSegment(segment)) {
      const unit = sentence.replace(/^(?:[-–—•*·▪]\s+)+/, '').replace(/\s+/g, ' ').trim();
      if (/[\p{L}\p{N}]/u.test(unit)) units.push(unit);
    }
  }
  return units;
}

/** Glues a segment that ends in an abbreviation needing a continuation to the segment after it. */
function joinOpenEnds(segments: string[]): string[] {
  const joined: string[] = [];
  let pending = '';
  for (const segment of segments) {
    const text = pending ? `${pending} ${segment}` : segment;
    const body = text.trimEnd();
    const ending = body.endsWith('.') ? abbreviationAt(body.slice(0, -1).split(/\s+/).filter(Boolean)) : undefined;
    pending = ending && OPEN_ABBREVIATIONS.has(ending) ? text : '';
    if (!pending) joined.push(text);
  }
  if (pending) joined.push(pending);
  return joined;
}

/** Joins the lines of a block into segments; a line break is a hard cut only where the layout says so. */
function segmentsOf(block: string): string[] {
  const segments: string[] = [];
  let current: string[] = [];
  let previous: string | undefined;
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (previous !== undefined && isLayoutCut(previous, line)) {
      segments.push(current.join(' '));
      current = [];
    }
    current.push(line);
    previous = line;
  }
  if (current.length) segments.push(current.join(' '));
  return segments;
}

function isLayoutCut(previous: string, line: string): boolean {
  if (TABLE_ROW.test(line) || TABLE_ROW.test(previous)) return true;
  if (LIST_START.test(line)) return !(DATE_START.test(line) && OPEN_ENDING.test(previous));
  if (/[:;]$/.test(previous)) return true;
  // A short line without final punctuation before a capitalised line is a heading, signature or field.
  return (
    previous.length < WRAP_MIN &&
    !/[.!?,\-–(/&+]$/.test(previous) &&
    !OPEN_ENDING.test(previous) &&
    /^[\p{Lu}\d§„"(]/u.test(line)
  );
}

function splitSegment(segment: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of segment.matchAll(BOUNDARY_CANDIDATE)) {
    const [whole, punctuation, closers] = match as unknown as [string, string, string];
    const afterStart = match.index + whole.length;
    const after = segment.slice(afterStart);
    if (!after) break;
    if (isSentenceEnd(segment.slice(start, match.index), punctuation, closers, after)) {
      sentences.push(segment.slice(start, match.index + punctuation.length + closers.length));
      start = afterStart;
    }
  }
  sentences.push(segment.slice(start));
  return sentences;
}

function isSentenceEnd(before: string, punctuation: string, closers: string, after: string): boolean {
  // German sentences start upper-case; a lower-case word goes on with the same sentence.
  if (/^\p{Ll}/u.test(after)) return false;
  if (punctuation === '!' || punctuation === '?') return true;
  // "..." or "…" may end a sentence; longer dot runs are form blanks ("Name: ..........").
  if (punctuation !== '.') return punctuation === '...' || punctuation === '…';
  // A closing quote after the period: the quoted sentence ended ('„Ja.“ Dann').
  if (/["“”‘’»«]/.test(closers)) return true;

  const words = before.split(/\s+/).filter(Boolean);
  const last = words.at(-1)?.replace(/^[(\[„"'»«]+/, '');
  if (!last) return false;

  const abbreviation = abbreviationAt(words);
  if (abbreviation) {
    return SENTENCE_FINAL_ABBREVIATIONS.has(abbreviation) && SENTENCE_OPENERS.has(firstWord(after));
  }
  // Street names ("Hauptstr. 5") and gazettes ("BGBl. I S. 1", "GBl. S. 5") are abbreviations by form.
  if (/str$/i.test(last) || /^[A-Z][A-Za-z]*Bl$/.test(last)) return false;
  // A single letter is an initial or a one-letter abbreviation ("S.", "f.").
  if (/^\p{L}$/u.test(last)) return false;
  // "am 1. Januar", "die 2. Änderung", "Bäume II. Ordnung" are ordinals; "nach Abs. 2." ends a sentence.
  if (/^\d{1,3}$/.test(last) || /^(?:X{0,3})(?:IX|IV|V?I{0,3})$/.test(last)) return isReference(words);
  return true;
}

/** The abbreviation that ends `words`, trying the longest multi-part form first ("i. V. m."). */
function abbreviationAt(words: string[]): string | undefined {
  for (let parts = Math.min(4, words.length); parts >= 1; parts--) {
    const tail = words.slice(-parts);
    if (tail.slice(0, -1).some((word) => !word.endsWith('.'))) continue;
    const candidate = `${tail.join('').replace(/^[(\[„"'»«]+/, '').toLowerCase()}.`;
    if (ABBREVIATIONS.has(candidate)) return candidate;
    // A compound ending in an abbreviation: "Flurstück-Nr.", "Haus-Nr."
    const lastPart = candidate.slice(candidate.lastIndexOf('-') + 1);
    if (parts === 1 && lastPart !== candidate && ABBREVIATIONS.has(lastPart)) return lastPart;
  }
  return undefined;
}

function isReference(words: string[]): boolean {
  for (let i = words.length - 2, steps = 0; i >= 0 && steps < 6; i--, steps++) {
    const word = words[i]!;
    if (REFERENCE_FILLER.test(word)) continue;
    return REFERENCE_WORDS.has(word.replace(/\.$/, '').toLowerCase());
  }
  return false;
}

function firstWord(text: string): string {
  return (text.match(/^[\p{L}]+/u)?.[0] ?? '').toLowerCase();
}
