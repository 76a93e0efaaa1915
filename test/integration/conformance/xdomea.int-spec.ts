import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { disposeXsdSchemas, inspectXml, loadXsdSchema, validateAgainstCatalogue, XDOMEA_3_NAMESPACE } from '@app/xml';
import { CONFORMANCE, CONTRACTS, filesBelow, lineOf } from './conformance.support.js';

const SAMPLES = path.join(CONFORMANCE, 'xdomea/samples');
const samples = filesBelow(SAMPLES, '.xml').map((file) => ({ name: path.relative(SAMPLES, file), text: readFileSync(file, 'utf8'), bytes: readFileSync(file) }));

/** The header element `Nachrichtentyp` (required in every xdomea 3.0.0 Kopf) cut out, lines and all. */
function withoutNachrichtentyp(text: string): string {
  const cut = text.replace(/\n[ \t]*<(\w+:)?Nachrichtentyp>[\s\S]*?<\/(\w+:)?Nachrichtentyp>/, '');
  expect(cut).not.toBe(text);
  return cut;
}

describe('xdomea 3.0.0 conformance: the published messages', () => {
  afterAll(() => disposeXsdSchemas());

  it('finds the published samples (at least the four Thüringen patterns)', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(samples)('$name', ({ text, bytes }) => {
    it('validates against the vendored xdomea.xsd, chosen by its namespace', async () => {
      const result = await validateAgainstCatalogue(bytes, CONTRACTS);
      expect(result.errors).toEqual([]);
      expect(result.valid).toBe(true);
      expect(result.namespace).toBe(XDOMEA_3_NAMESPACE);
      expect(result.schema?.name).toBe('xdomea 3.0.0');
    });

    it('parses with the hardened reader, header included', () => {
      const inspection = inspectXml(bytes);
      expect(inspection.namespace).toBe(XDOMEA_3_NAMESPACE);
      expect(inspection.xoev).toMatchObject({ standard: 'xdomea', version: '3.0.0', rootElement: inspection.rootElement });
      expect(inspection.xoev?.processId).toMatch(/^[0-9a-f-]{36}$/i);
      expect(inspection.xoev?.messageTypeCode).toBe(/\.(\d{4})$/.exec(inspection.rootElement)?.[1]);
    });

    it('without its required Nachrichtentyp is invalid, the error on the line of the element that follows', async () => {
      const broken = withoutNachrichtentyp(text);
      const result = await validateAgainstCatalogue(broken, CONTRACTS);
      expect(result.valid).toBe(false);
      expect(result.errors[0]).toMatchObject({ line: lineOf(broken, 'Erstellungszeitpunkt>'), column: 0 });
      expect(result.errors[0]!.message).toMatch(/Erstellungszeitpunkt.*not expected.*Nachrichtentyp/);
    });
  });

  it('reports every error of a message with several, each with its own line', async () => {
    const [first] = samples;
    const broken = withoutNachrichtentyp(first!.text).replace(/<(\w+:)?ProzessID>[^<]*</, '<$1ProzessID>keine-uuid<');
    const validator = await loadXsdSchema(path.join(CONTRACTS, 'xdomea/3.0.0/xdomea_3.0.0/xdomea.xsd'), { roots: [path.join(CONTRACTS, 'xdomea/3.0.0')] });
    const result = validator.validate(broken);
    expect(result.errors.map((error) => error.line)).toEqual([lineOf(broken, 'ProzessID>'), lineOf(broken, 'Erstellungszeitpunkt>')]);
  });
});
