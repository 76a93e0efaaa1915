/** Characters XML 1.0 cannot carry at all, not even as a reference (C0 controls, U+FFFE/U+FFFF, lone surrogates). */
const NOT_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const TEXT_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would become LF when read back (line-end normalisation); the reference survives.
  '\r': '&#13;',
};

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  // Literal tab and LF in an attribute value are read back as spaces (§3.3.3); references keep them.
  '\t': '&#9;',
  '\n': '&#10;',
};

/** Text content for an XML document: escapes markup characters and drops characters XML cannot hold. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHARS, '').replace(/[&<>"'\r]/g, (c) => TEXT_ESCAPES[c]!);
}

/** An attribute value (for either quote style), keeping tabs and line breaks exactly. */
export function escapeXmlAttribute(text: string): string {
  return text.replace(NOT_XML_CHARS, '').replace(/[&<>"'\r\n\t]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}
