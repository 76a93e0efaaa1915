import { describe, expect, it } from '@jest/globals';
import { InputError } from '@app/contracts';
import { decodeXmlInput, readDeclaredEncoding } from './xml-encoding.decoder.js';

function refusal(input: Uint8Array | string): InputError {
  try {
    decodeXmlInput(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('accepted');
}

const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('readDeclaredEncoding', () => {
  it('reads the encoding from the declaration only', () => {
    expect(readDeclaredEncoding('<?xml version="1.0" encoding="ISO-8859-1"?><r/>')).toBe('ISO-8859-1');
    expect(readDeclaredEncoding("<?xml version='1.0' encoding='utf-8' ?>")).toBe('utf-8');
    expect(readDeclaredEncoding('<?xml version="1.0"?><r encoding="latin1"/>')).toBeUndefined();
    expect(readDeclaredEncoding('<r/>')).toBeUndefined();
  });
});

describe('decodeXmlInput', () => {
  const xml = '<?xml version="1.0" encoding="UTF-16"?><r>Bürgeramt</r>';

  it('decodes UTF-8 without declaration, and strips a UTF-8 byte order mark', () => {
    expect(decodeXmlInput(Buffer.from('<r>Straße</r>'))).toEqual({ text: '<r>Straße</r>', encoding: 'UTF-8' });
    expect(decodeXmlInput(Buffer.from('\uFEFF<r>Straße</r>'))).toEqual({ text: '<r>Straße</r>', encoding: 'UTF-8' });
  });

  it('decodes UTF-16 in both byte orders, with and without byte order mark', () => {
    expect(decodeXmlInput(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]))).toEqual({ text: xml, encoding: 'UTF-16LE' });
    expect(decodeXmlInput(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(xml)]))).toEqual({ text: xml, encoding: 'UTF-16BE' });
    expect(decodeXmlInput(Buffer.from(xml, 'utf16le'))).toEqual({ text: xml, encoding: 'UTF-16LE' });
    expect(decodeXmlInput(utf16be(xml))).toEqual({ text: xml, encoding: 'UTF-16BE' });
  });

  it('decodes ISO-8859-1, windows-1252 and ISO-8859-15 by their declaration', () => {
    const latin = Buffer.from('<?xml version="1.0" encoding="iso-8859-1"?><r>Größe</r>', 'latin1');
    expect(decodeXmlInput(latin).text).toBe('<?xml version="1.0" encoding="iso-8859-1"?><r>Größe</r>');
    // 0x80 is the euro sign in windows-1252 and in ISO-8859-15 at 0xA4.
    expect(decodeXmlInput(Buffer.from([...Buffer.from('<?xml version="1.0" encoding="windows-1252"?><r>'), 0x80, ...Buffer.from('</r>')])).text).toContain('<r>€</r>');
    expect(decodeXmlInput(Buffer.from([...Buffer.from('<?xml version="1.0" encoding="ISO-8859-15"?><r>'), 0xa4, ...Buffer.from('</r>')])).text).toContain('<r>€</r>');
  });

  it('accepts US-ASCII only when every byte is ASCII', () => {
    expect(decodeXmlInput(Buffer.from('<?xml version="1.0" encoding="US-ASCII"?><r/>')).encoding).toBe('US-ASCII');
    expect(refusal(Buffer.from('<?xml version="1.0" encoding="US-ASCII"?><r>ä</r>', 'latin1')).code).toBe('encoding');
  });

  it('refuses declarations that contradict the bytes', () => {
    const lying = refusal(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><r/>'));
    expect(lying).toMatchObject({ code: 'encoding', httpStatus: 400 });
    expect(lying.message).toContain("declares 'UTF-16'");
    expect(refusal(Buffer.from('\uFEFF<?xml version="1.0" encoding="ISO-8859-1"?><r/>')).message).toContain('UTF-8 byte order mark');
    const utf16WithLatin1 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r/>', 'utf16le')]);
    expect(refusal(utf16WithLatin1).message).toContain('UTF-16 byte order mark');
    expect(refusal(Buffer.from('<?xml version="1.0" encoding="UTF-8"?><r>Gr\xf6\xdfe</r>', 'latin1')).message).toContain('not valid UTF-8');
  });

  it('refuses encodings it does not support', () => {
    expect(refusal(Buffer.from('<?xml version="1.0" encoding="EBCDIC-US"?><r/>')).message).toContain("'EBCDIC-US', which is not supported");
    expect(refusal(Buffer.from([0x4c, 0x6f, 0xa7, 0x94, 0x93])).message).toContain('EBCDIC');
    expect(refusal(Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00])).message).toContain('UTF-32');
    expect(refusal(Buffer.from([0x3c, 0x00, 0x00, 0x00])).message).toContain('UTF-32');
    expect(refusal('<?xml version="1.0" encoding="Shift_JIS"?><r/>').code).toBe('encoding');
  });

  it('refuses broken UTF-16', () => {
    expect(refusal(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x72])).message).toContain('odd number of bytes');
    expect(refusal(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x00, 0xd8, 0x3e, 0x00])).message).toContain('unpaired surrogate');
  });

  it('says plainly when bytes are not XML at all', () => {
    expect(refusal(Buffer.from('%PDF-1.7\n')).message).toBe("Input is not XML: it does not start with '<' (found byte 0x25)");
    expect(refusal(Buffer.from('%PDF-1.7\n')).code).toBe('not-xml');
  });

  it('takes strings as text, dropping a byte order mark', () => {
    expect(decodeXmlInput('\uFEFF<?xml version="1.0" encoding="ISO-8859-1"?><r>ö</r>')).toEqual({ text: '<?xml version="1.0" encoding="ISO-8859-1"?><r>ö</r>' });
  });
});

describe('windows-1252 decoding', () => {
  it('maps 0x80-0x9F the same on every Node version', () => {
    const bytes = Buffer.from([...Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r>'), 0x80, 0x84, 0x93, 0x94, 0x96, 0x81, 0xe4, ...Buffer.from('</r>')]);
    expect(decodeXmlInput(bytes)).toEqual({ text: '<?xml version="1.0" encoding="ISO-8859-1"?><r>€„“”–\u0081ä</r>', encoding: 'windows-1252' });
  });
});
