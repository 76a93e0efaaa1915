import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { inspectXml } from './xml.parser.js';
import { readXoevHeader } from './xoev-header.reader.js';

const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');
const sample = (name: string) => readFileSync(path.join(SAMPLES, name), 'utf8');
const tree = (xml: string) => inspectXml(xml).tree;

describe('readXoevHeader', () => {
  it('reads the full xdomea 3.0.0 header of Aussonderung.Aussonderung.0503', () => {
    expect(readXoevHeader(tree(sample('xx_Aussonderung.Aussonderung.0503.xml')))).toEqual({
      standard: 'xdomea',
      version: '3.0.0',
      namespace: 'urn:xoev-de:xdomea:schema:3.0.0',
      rootElement: 'Aussonderung.Aussonderung.0503',
      messageTypeCode: '0503',
      processId: '242f44e8-bebf-4503-a086-db252c6a4277',
      createdAt: '2018-07-24T17:25:39',
      sender: 'AbsXdomeaInstitutionName (LATh)',
      recipient: 'EmpXdomeaInstitutionName (LATh)',
    });
  });

  it('prefers the root element over a contradicting Nachrichtentyp and says so', () => {
    const warnings: string[] = [];
    const header = readXoevHeader(tree(sample('xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml')), (w) => warnings.push(w));
    expect(header?.messageTypeCode).toBe('0504');
    expect(warnings).toEqual([
      'xdomea header Nachrichtentyp says 0501 but the root element Aussonderung.AnbietungEmpfangBestaetigen.0504 is message type 0504; using 0504',
    ]);
  });

  it('takes the Nachrichtentyp code when the root element carries none', () => {
    const xml = `<x:Nachricht xmlns:x="urn:xoev-de:xdomea:schema:3.0.0"><x:Kopf><x:Nachrichtentyp><code>0401</code></x:Nachrichtentyp></x:Kopf></x:Nachricht>`;
    expect(readXoevHeader(tree(xml))).toEqual({
      standard: 'xdomea',
      version: '3.0.0',
      namespace: 'urn:xoev-de:xdomea:schema:3.0.0',
      rootElement: 'Nachricht',
      messageTypeCode: '0401',
    });
  });

  it('matches by namespace: a look-alike prefix bound to another namespace is not xdomea', () => {
    const xml = sample('xx_Aussonderung.Aussonderung.0503.xml').replace('xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0"', 'xmlns:xdomea="urn:example:other"');
    expect(readXoevHeader(tree(xml))).toBeUndefined();
  });

  it('ignores a Kopf from a foreign namespace', () => {
    const xml = `<Abgabe.Abgabe.0401 xmlns="urn:xoev-de:xdomea:schema:3.0.0"><f:Kopf xmlns:f="urn:foreign"><f:ProzessID>not-this</f:ProzessID></f:Kopf></Abgabe.Abgabe.0401>`;
    expect(readXoevHeader(tree(xml))).toEqual({
      standard: 'xdomea',
      version: '3.0.0',
      namespace: 'urn:xoev-de:xdomea:schema:3.0.0',
      rootElement: 'Abgabe.Abgabe.0401',
      messageTypeCode: '0401',
    });
  });

  it('recognises xdomea 2.x by its namespace', () => {
    const xml = `<xd:Abgabe.Abgabe.0401 xmlns:xd="urn:xoev-de:xdomea:schema:2.4.0"><xd:Kopf><xd:ProzessID>P-1</xd:ProzessID>
      <xd:Absender><xd:Organisationseinheit><xd:Name>Bauamt</xd:Name></xd:Organisationseinheit></xd:Absender>
      <xd:Empfaenger><xd:Name><xd:Vorname><xd:Name>Erika</xd:Name></xd:Vorname><xd:Familienname><xd:Name>Muster</xd:Name></xd:Familienname></xd:Name></xd:Empfaenger>
    </xd:Kopf></xd:Abgabe.Abgabe.0401>`;
    expect(readXoevHeader(tree(xml))).toMatchObject({ version: '2.4.0', processId: 'P-1', sender: 'Bauamt', recipient: 'Erika Muster', messageTypeCode: '0401' });
  });

  it('reads the xdomea 4.0.0 nachrichtenkopf, unqualified fields included', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:4.0.0" produkt="DMS" standard="xdomea" version="4.0.0">
  <xdomea:nachrichtenkopf>
    <xdomea:identifikation.nachricht>
      <nachrichtenUUID>6f1c1d52-0d5e-4c53-9a43-7a2f7b0e2c11</nachrichtenUUID>
      <nachrichtentyp><code>0503</code></nachrichtentyp>
      <erstellungszeitpunkt>2025-02-01T09:30:00.000+00:00</erstellungszeitpunkt>
    </xdomea:identifikation.nachricht>
    <xdomea:leser><xdomea:NameInstitution><xdomea:Name>Archiv</xdomea:Name></xdomea:NameInstitution></xdomea:leser>
    <xdomea:autor><xdomea:NameInstitution><xdomea:Name>DMS</xdomea:Name></xdomea:NameInstitution></xdomea:autor>
  </xdomea:nachrichtenkopf>
</xdomea:Aussonderung.Aussonderung.0503>`;
    expect(readXoevHeader(tree(xml))).toEqual({
      standard: 'xdomea',
      version: '4.0.0',
      namespace: 'urn:xoev-de:xdomea:schema:4.0.0',
      rootElement: 'Aussonderung.Aussonderung.0503',
      messageTypeCode: '0503',
      processId: '6f1c1d52-0d5e-4c53-9a43-7a2f7b0e2c11',
      createdAt: '2025-02-01T09:30:00.000+00:00',
      sender: 'DMS',
      recipient: 'Archiv',
    });
    const withProcess = xml.replace('</xdomea:autor>', '</xdomea:autor><xdomea:ProzessID>b1c0ffee-0000-4000-8000-000000000001</xdomea:ProzessID>');
    expect(readXoevHeader(tree(withProcess))?.processId).toBe('b1c0ffee-0000-4000-8000-000000000001');
  });

  it('is undefined for XML that is not xdomea', () => {
    expect(readXoevHeader(tree('<Kopf><ProzessID>x</ProzessID></Kopf>'))).toBeUndefined();
    expect(readXoevHeader(tree('<r xmlns="urn:xoev-de:xdomea:schema:latest"/>'))).toBeUndefined();
    expect(readXoevHeader(tree('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'))).toBeUndefined();
    expect(readXoevHeader([])).toBeUndefined();
  });
});
