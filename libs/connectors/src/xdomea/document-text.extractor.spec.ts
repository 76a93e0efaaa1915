import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '@app/contracts';
import { decodePlainText, extractDocumentText, MEDIA_TYPES, mediaTypeOf, type ExtractionBudget } from './document-text.extractor.js';
import { writeZip } from './zip-archive.writer.js';
import { readZipContainer } from './zip-container.reader.js';

const CONTAINER_0503 = path.resolve(process.cwd(), 'test/fixtures/ok/xdomea/242f44e8-bebf-4503-a086-db252c6a4277_Aussonderung.Aussonderung.0503.zip');
const AT = new Date('2026-01-01T00:00:00Z');

const fixtureEntries = await readZipContainer(readFileSync(CONTAINER_0503), { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 200 });
const entry = (suffix: string) => fixtureEntries.find((candidate) => candidate.name.endsWith(suffix))!;

function budget(overrides: Partial<ExtractionBudget> = {}): ExtractionBudget {
  return {
    deadline: Date.now() + 20_000,
    maxPdfPages: 200,
    maxTextChars: 1_000_000,
    zip: { maxEntries: 1000, maxUnpackedBytes: 50 * 1024 * 1024, maxCompressionRatio: 200 },
    xml: {},
    ...overrides,
  };
}

/** A PDF with one page per text (ASCII only), Helvetica, correct xref: for page and time limits. */
function pdfWithPages(texts: string[]): Buffer {
  const objects: string[] = ['<< /Type /Catalog /Pages 2 0 R >>', ''];
  const kids: string[] = [];
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (const text of texts) {
    const content = `BT /F1 12 Tf 72 770 Td (${text}) Tj ET`;
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    const contentRef = objects.length;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentRef} 0 R >>`);
    kids.push(`${objects.length} 0 R`);
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${kids.length} >>`;
  let out = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const offset = out.length;
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function docx(documentXml: string, extra: Array<{ name: string; data: Buffer }> = []): Buffer {
  return writeZip(
    [
      {
        name: '[Content_Types].xml',
        data: Buffer.from(
          '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
      },
      {
        name: '_rels/.rels',
        data: Buffer.from(
          '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        ),
      },
      { name: 'word/document.xml', data: Buffer.from(documentXml, 'utf8') },
      ...extra,
    ],
    AT,
  );
}

const wordBody = (text: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`;

describe('extractDocumentText: PDF (pdf.js)', () => {
  it('reads the German text of the fixture PDF, umlauts, € and „quotes“ included', async () => {
    const pdf = entry('.pdf');
    const result = await extractDocumentText({ name: pdf.name, data: pdf.data, formatCode: '044' }, budget());
    expect(result.mediaType).toBe(MEDIA_TYPES.pdf);
    expect(result.warnings).toEqual([]);
    expect(result.text).toBe(
      [
        'Bescheid über die Baugenehmigung',
        'Aktenzeichen 63-2026-0815',
        'Sehr geehrte Frau Müller,',
        'die Genehmigung für den Umbau in der Goethestraße 12 wird erteilt.',
        'Gebühr: 250,00 € – zahlbar binnen „vier Wochen“.',
      ].join('\n'),
    );
  });

  it('reads pages in order and stops at the page limit with a warning', async () => {
    const pdf = pdfWithPages(['Seite eins', 'Seite zwei', 'Seite drei']);
    const all = await extractDocumentText({ name: 'akte.pdf', data: pdf }, budget());
    expect(all.text).toBe('Seite eins\n\nSeite zwei\n\nSeite drei');
    const limited = await extractDocumentText({ name: 'akte.pdf', data: pdf }, budget({ maxPdfPages: 2 }));
    expect(limited.text).toBe('Seite eins\n\nSeite zwei');
    expect(limited.warnings).toEqual(['"akte.pdf": text of the first 2 of 3 pages only (page limit)']);
  });

  it('cuts the text at the character limit with a warning', async () => {
    const result = await extractDocumentText({ name: 'lang.pdf', data: pdfWithPages(['A'.repeat(40), 'B'.repeat(40)]) }, budget({ maxTextChars: 50 }));
    expect(result.text).toBe(`${'A'.repeat(40)}\n\n${'B'.repeat(10)}`);
    expect(result.warnings[0]).toMatch(/text cut at 50 characters \(page 2 of 2\)/);
  });

  it('stops at the deadline: a passed deadline gives no text and a warning, never a hang', async () => {
    const result = await extractDocumentText({ name: 'spaet.pdf', data: pdfWithPages(['Seite eins']) }, budget({ deadline: Date.now() - 1 }));
    expect(result.text).toBeUndefined();
    expect(result.warnings.join(' ')).toContain('stopped at the time limit after 0 page(s)');
  });

  it('stops a long PDF in the middle at the deadline and keeps the pages read so far', async () => {
    // pdf.js loads on first use (about 1.5 s cold); warm, so the deadline measures reading only.
    await extractDocumentText({ name: 'warm.pdf', data: pdfWithPages(['x']) }, budget());
    const pdf = pdfWithPages(Array.from({ length: 3000 }, (_, i) => `Seite ${i + 1}`));
    const started = performance.now();
    const result = await extractDocumentText({ name: 'dick.pdf', data: pdf }, budget({ deadline: Date.now() + 600, maxPdfPages: 5000 }));
    const elapsed = performance.now() - started;
    const read = Number(/after (\d+) page\(s\)/.exec(result.warnings.join(' '))?.[1]);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(3000);
    expect(result.text?.startsWith('Seite 1\n\nSeite 2')).toBe(true);
    // Opening the 3000-page file takes about 0.2 s, a page about 10 ms: the deadline falls well inside the 30 s it would take.
    expect(elapsed).toBeLessThan(2000);
  });

  it('turns a damaged PDF into a warning, not a failure of the message', async () => {
    const result = await extractDocumentText({ name: 'kaputt.pdf', data: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EO') }, budget());
    expect(result.text).toBeUndefined();
    expect(result.mediaType).toBe(MEDIA_TYPES.pdf);
    expect(result.warnings).toEqual([expect.stringMatching(/^"kaputt\.pdf": its text cannot be read: pdf\.js cannot read it/)]);
  });

  it('takes the PDF header from the bytes, whatever the name says', () => {
    expect(mediaTypeOf({ name: 'scan.bin', data: pdfWithPages(['x']) })).toBe(MEDIA_TYPES.pdf);
  });
});

describe('extractDocumentText: DOCX (mammoth)', () => {
  it('reads the text of the fixture DOCX', async () => {
    const word = entry('.docx');
    const result = await extractDocumentText({ name: word.name, data: word.data, formatCode: '035' }, budget());
    expect(result.mediaType).toBe(MEDIA_TYPES.docx);
    expect(result.text).toBe('Stellungnahme des Tiefbauamts\n\nGegen das Vorhaben bestehen keine Bedenken, sofern die Zufahrt über die Schillerstraße erfolgt.');
    expect(result.warnings).toEqual([]);
  });

  it('refuses a ZIP bomb inside a DOCX with the ZIP reader limits (413), before mammoth sees it', async () => {
    const bomb = docx(wordBody('x'), [{ name: 'word/media/zeros.bin', data: Buffer.alloc(8 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(20_000);
    const error = await extractDocumentText({ name: 'bombe.docx', data: bomb }, budget()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('zip-bomb');
    expect((error as InputError).httpStatus).toBe(413);
    expect((error as InputError).message).toContain('the DOCX file "bombe.docx"');
  });

  it('counts a DOCX against what is left of the unpacking allowance', async () => {
    const word = docx(wordBody('Inhalt'));
    const shared = budget({ zip: { maxEntries: 100, maxUnpackedBytes: 600, maxCompressionRatio: 200 } });
    const error = await extractDocumentText({ name: 'gross.docx', data: word }, shared).catch((e: unknown) => e);
    expect((error as InputError).code).toBe('zip-too-large');
    const roomy = budget({ zip: { maxEntries: 100, maxUnpackedBytes: 10_000, maxCompressionRatio: 200 } });
    await extractDocumentText({ name: 'klein.docx', data: word }, roomy);
    expect(roomy.zip.maxUnpackedBytes).toBeLessThan(10_000);
  });

  it('does not hand a DOCX with a DTD to the XML parser behind mammoth', async () => {
    const hostile = docx(`<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>${wordBody('&a;').replace(/^<\?xml[^>]*\?>/, '')}`);
    const result = await extractDocumentText({ name: 'dtd.docx', data: hostile }, budget());
    expect(result.text).toBeUndefined();
    expect(result.warnings).toEqual(['"dtd.docx": its part word/document.xml declares a DTD, which OOXML forbids; its text is not read']);
  });

  it('warns about a ZIP named .docx that is no Word document', async () => {
    const result = await extractDocumentText({ name: 'falsch.docx', data: writeZip([{ name: 'a.txt', data: Buffer.from('a') }], AT) }, budget());
    expect(result.text).toBeUndefined();
    expect(result.warnings).toEqual(['"falsch.docx" is not a Word document (no word/document.xml); its text is not read']);
  });
});

describe('extractDocumentText: plain text and XML', () => {
  it('decodes the windows-1252 fixture text', async () => {
    const txt = entry('.txt');
    const result = await extractDocumentText({ name: txt.name, data: txt.data, formatCode: '045' }, budget());
    expect(result).toEqual({ mediaType: 'text/plain', text: 'Aktenvermerk\nRücksprache mit Herrn Groß über die Straßensanierung am Mühlweg.', warnings: [] });
  });

  it.each([
    ['UTF-8', Buffer.from('Grüße aus Köln – €', 'utf8')],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße aus Köln – €', 'utf8')])],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße aus Köln – €', 'utf16le')])],
    ['windows-1252', Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x20, 0x61, 0x75, 0x73, 0x20, 0x4b, 0xf6, 0x6c, 0x6e, 0x20, 0x96, 0x20, 0x80])],
  ])('decodes %s', (_label, bytes) => {
    expect(decodePlainText(bytes)).toBe('Grüße aus Köln – €');
  });

  it('does not take binary data named .txt for text', async () => {
    const result = await extractDocumentText({ name: 'bild.txt', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]) }, budget());
    expect(result.text).toBeUndefined();
    expect(result.warnings).toEqual(['"bild.txt" is named as text but holds binary data; its text is not read']);
  });

  it('reads the text of an XML primary document with the hardened parser, and refuses none for a bad one', async () => {
    const ok = await extractDocumentText({ name: 'daten.xml', data: Buffer.from('<antrag><name>Müller</name><ort>Jena</ort></antrag>') }, budget());
    expect(ok.text).toBe('Müller\nJena');
    const hostile = await extractDocumentText({ name: 'xxe.xml', data: Buffer.from('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>') }, budget());
    expect(hostile.text).toBeUndefined();
    expect(hostile.warnings[0]).toMatch(/"xxe\.xml": its text cannot be read: .*DOCTYPE/);
  });

  it('lists other types with their media type and no text, without a warning', async () => {
    expect(await extractDocumentText({ name: 'plan.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }, budget())).toEqual({ mediaType: 'image/png', warnings: [] });
    expect(await extractDocumentText({ name: 'x.unbekannt', data: Buffer.from('?') }, budget())).toEqual({ mediaType: 'application/octet-stream', warnings: [] });
  });
});
