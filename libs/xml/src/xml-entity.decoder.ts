/** The only named entities accepted: XML's five predefined ones (no DTD can declare more). */
export const XML_PREDEFINED_ENTITIES: Readonly<Record<string, string>> = Object.freeze({
  lt: '<',
  gt: '>',
  amp: '&',
  apos: "'",
  quot: '"',
});

const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|apos|quot);/g;

/** True for a code point XML 1.0 allows in a document (production Char). */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x09 ||
    codePoint === 0x0a ||
    codePoint === 0x0d ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/**
 * Replaces the predefined entities and character references. The scanner has already refused every
 * other reference, so anything left that looks like one is passed through untouched.
 */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, ref: string) => {
    if (ref.charCodeAt(0) !== 0x23) return XML_PREDEFINED_ENTITIES[ref] ?? whole;
    const codePoint = ref.charCodeAt(1) === 0x78 ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    return isXmlChar(codePoint) ? String.fromCodePoint(codePoint) : whole;
  });
}

/** Attribute value normalisation (XML 1.0 §3.3.3): literal tab, CR and LF become spaces, references keep theirs. */
export function decodeXmlAttributeValue(raw: string): string {
  return decodeXmlEntities(raw.replace(/\r\n|[\t\n\r]/g, ' '));
}
