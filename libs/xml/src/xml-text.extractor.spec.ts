import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { extractText, isTechnicalValue } from './xml-text.extractor.js';
import { inspectXml } from './xml.parser.js';

const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');

describe('isTechnicalValue', () => {
  it.each(['242f44e8-bebf-4503-a086-db252c6a4277', 'urn:uuid:242F44E8-BEBF-4503-A086-DB252C6A4277', '0503', '1', '2018-07-24', '2018-07-24T17:21:25', '2025-02-01T09:30:00.000+01:00', '2018-07-24Z', 'true', 'FALSE'])(
    '%s is technical',
    (value) => expect(isTechnicalValue(value)).toBe(true),
  );
  it.each(['Bauantrag', '12345', '20200729', 'Abs 12 345', 'DE', 'e8b289cb-f8dd-492a-b3cf-560674eaa92b_PDF.pdf', '24.07.2018', 'wahr'])('%s is content', (value) =>
    expect(isTechnicalValue(value)).toBe(false),
  );
});

describe('extractText', () => {
  it('gives text nodes in document order, one per line, trimmed, without technical values', () => {
    const xml = `<?xml version="1.0"?>
<akte id="a-1">
  <!-- a comment is not text -->
  <id>242f44e8-bebf-4503-a086-db252c6a4277</id>
  <betreff>  Bauantrag Musterstraße 5  </betreff>
  <datum>2025-03-01</datum>
  <typ>0503</typ>
  <eilig>true</eilig>
  <notiz>Erste Zeile
     zweite Zeile

  </notiz>
  <p>Bitte <b>dringend</b> prüfen &amp; zurücksenden.</p>
  <roh><![CDATA[Preis < 5 € & mehr]]></roh>
  <?pi not text?>
  <leer/>
</akte>`;
    expect(extractText(inspectXml(xml))).toBe(
      ['Bauantrag Musterstraße 5', 'Erste Zeile', 'zweite Zeile', 'Bitte', 'dringend', 'prüfen & zurücksenden.', 'Preis < 5 € & mehr'].join('\n'),
    );
  });

  it('is empty for a document without text', () => {
    expect(extractText(inspectXml('<r a="attribute values are not text"><x>2025-01-01</x></r>'))).toBe('');
  });

  it('keeps the content of the xdomea samples and drops their UUIDs, codes and timestamps', () => {
    for (const name of readdirSync(SAMPLES).filter((n) => n.endsWith('.xml'))) {
      const text = extractText(inspectXml(readFileSync(path.join(SAMPLES, name))));
      const lines = text.split('\n');
      expect(lines).toContain('Landesarchiv Thüringen');
      expect(lines).toContain('AbsXdomeaInstitutionName');
      expect(lines.every((line) => line === line.trim() && line !== '')).toBe(true);
      expect(text).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/m);
      expect(text).not.toMatch(/^\d{4}-\d{2}-\d{2}T/m);
      expect(text).not.toMatch(/^\d{1,4}$/m);
    }
  });
});
