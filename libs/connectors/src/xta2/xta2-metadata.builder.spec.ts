import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError } from '@app/contracts';
import { disposeXsdSchemas, loadXsdSchema, type XsdSchemaValidator } from '@app/xml';
import { buildAuthorHeader, buildMessageMetaData, type MessageMetaDataInput } from './xta2-metadata.builder.js';
import { expectThrown } from '@app/testing';

const METADATA_XSD = fileURLToPath(new URL('../../../../contracts/xta2/3.1.1/OSCI_MessageMetaData_V2.02.xsd', import.meta.url));

const minimal: MessageMetaDataInput = {
  messageId: 'urn:de:xta:messageid:test:1',
  author: { id: 'ags:09162000', type: 'xoev' },
  reader: { id: 'ags:09162999', type: 'xoev' },
  service: 'urn:xoev-de:xdomea:schema:3.0.0',
  businessScenario: { code: 'XDOMEAGAD_DATA' },
  messageType: { code: 'xdomea.0602', listUri: 'urn:de:payloadSchema:elementName', listVersionId: '1.0', payloadSchema: 'urn:xoev-de:xdomea:schema:3.0.0' },
};

const thrown = (fn: () => unknown) => expectThrown(PermanentError, fn);

describe('buildMessageMetaData', () => {
  let xsd: XsdSchemaValidator;
  beforeAll(async () => {
    xsd = await loadXsdSchema(METADATA_XSD);
  });
  afterAll(() => disposeXsdSchemas());

  const expectValid = (xml: string) => {
    const result = xsd.validate(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  };

  it('builds a header valid against OSCI MessageMetaData 2.02 from the required parts alone', () => {
    const xml = buildMessageMetaData(minimal);
    expectValid(xml);
    expect(xml).toContain('<oscimeta:Undefined>XDOMEAGAD_DATA</oscimeta:Undefined>');
    expect(xml).toContain('<wsa:MessageID>urn:de:xta:messageid:test:1</wsa:MessageID>');
    expect(xml).not.toContain('TestMsg');
  });

  it('is checked by a schema that does catch a wrong header (parts out of order, no MessageType code)', () => {
    const xml = buildMessageMetaData(minimal);
    const swapped = xml.replace(/(<oscimeta:MsgIdentification>.*<\/oscimeta:MsgIdentification>)(<oscimeta:Qualifier>.*<\/oscimeta:Qualifier>)/, '$2$1');
    expect(swapped).not.toBe(xml);
    expect(xsd.validate(swapped).valid).toBe(false);
    expect(xsd.validate(xml.replace('<code>xdomea.0602</code>', '')).valid).toBe(false);
  });

  it('builds a valid header with every optional part, in schema order', () => {
    const xml = buildMessageMetaData({
      ...minimal,
      author: { id: 'ags:09162000', type: 'xoev', name: 'Stadt Musterstadt', category: 'Meldebehörde' },
      businessScenario: { code: 'XMELD_DATA', name: 'Meldewesen', listUri: 'urn:de:dataport:codeliste:business.scenario', listVersionId: '1' },
      messageType: { ...minimal.messageType, name: 'Antwort' },
      subject: 'KI-Auswertung zu Vorgang 42',
      inReplyTo: ['urn:de:xta:messageid:in:7'],
      processRef: { requester: 'a3f0c1de-0000-4000-8000-000000000001' },
      origin: '2026-11-27T10:00:00.000Z',
      serviceQuality: 'standard',
      sizeBytes: 1234,
      testMessage: true,
    });
    expectValid(xml);
    expect(xml).toContain('TestMsg="true"');
    expect(xml).toContain('<oscimeta:Defined listURI="urn:de:dataport:codeliste:business.scenario" listVersionID="1"><code>XMELD_DATA</code><name>Meldewesen</name>');
    expect(xml).toContain('<oscimeta:In-Reply-To>urn:de:xta:messageid:in:7</oscimeta:In-Reply-To>');
    expect(xml).toContain('<oscimeta:Requester>a3f0c1de-0000-4000-8000-000000000001</oscimeta:Requester>');
    expect(xml).toContain('<oscimeta:Origin>2026-11-27T10:00:00.000Z</oscimeta:Origin>');
    expect(xml).toContain('<oscimeta:MsgSize>1234</oscimeta:MsgSize>');
    expect(xml).toContain('category="Meldebehörde"');
  });

  it('escapes markup in every value and stays valid', () => {
    const xml = buildMessageMetaData({ ...minimal, reader: { id: 'x:<a&b>"', type: 'x"y' }, subject: '</oscimeta:Subject><evil/>' });
    expectValid(xml);
    expect(xml).toContain('x:&lt;a&amp;b&gt;&quot;');
    expect(xml).toContain('type="x&quot;y"');
    expect(xml).not.toContain('<evil/>');
  });

  it('leaves MsgSize out for an empty payload (xs:positiveInteger)', () => {
    const xml = buildMessageMetaData({ ...minimal, sizeBytes: 0 });
    expectValid(xml);
    expect(xml).not.toContain('MsgSize');
  });

  it('names every missing or malformed part at once', () => {
    const error = thrown(() =>
      buildMessageMetaData({
        ...minimal,
        messageId: ' ',
        reader: { id: 'ags:1\n2', type: 'xoev' },
        service: '',
        businessScenario: { code: 'X', listUri: 'urn:list' },
        messageType: { ...minimal.messageType, payloadSchema: '' },
        origin: 'yesterday',
      }),
    );
    expect(error.code).toBe('xta2-metadata-invalid');
    for (const part of ['MessageID is missing', 'Reader identifier contains a tab or line break', 'service is missing', 'listUri and listVersionId', 'payloadSchema is missing', 'origin yesterday']) {
      expect(error.message).toContain(part);
    }
  });
});

describe('buildAuthorHeader', () => {
  it('is an oscimeta:Author valid on its own', async () => {
    const xsd = await loadXsdSchema(METADATA_XSD);
    const xml = buildAuthorHeader({ id: 'ags:09162000', type: 'xoev' });
    expect(xsd.validate(xml).errors).toEqual([]);
    expect(xml).toBe(
      '<oscimeta:Author xmlns:oscimeta="http://www.osci.eu/ws/2014/10/transport"><oscimeta:Identifier type="xoev">ags:09162000</oscimeta:Identifier></oscimeta:Author>',
    );
    await disposeXsdSchemas();
  });

  it('refuses an account without identifier', () => {
    expect(thrown(() => buildAuthorHeader({ id: '', type: 'xoev' })).code).toBe('xta2-metadata-invalid');
  });
});
