import { InputError } from '@app/contracts';

/** Why an XML input was refused; the code travels to the caller with the InputError. */
export type XmlRefusalCode =
  | 'empty'
  | 'too-large'
  | 'doctype'
  | 'not-xml'
  | 'too-deep'
  | 'too-many-attributes'
  | 'encoding'
  /** An element or attribute name that the object tree cannot hold safely (`__proto__`, `constructor`, ...). */
  | 'reserved-name';

export function xmlRefusal(code: XmlRefusalCode, message: string): InputError {
  return new InputError(message, code, code === 'too-large' ? 413 : 400);
}

/** 1-based line and column of a position in the decoded text; CR LF and a lone CR each end a line. */
export function positionOf(text: string, index: number): { line: number; column: number } {
  const end = Math.min(Math.max(index, 0), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  // Columns count characters, so a letter outside the BMP (two UTF-16 units) counts once.
  let column = 1;
  for (let i = lineStart; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) column++;
  }
  return { line, column };
}

export function describePosition(text: string, index: number): string {
  const { line, column } = positionOf(text, index);
  return `line ${line}, column ${column}`;
}
