import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import soap from 'soap';
import { readXmlForIntake, XmlWorkerPool } from '@app/xml';
import type { XmlIntakeOptions } from '@app/xml';
import type { ArgumentsPlan } from './soap-arguments.reader.js';
import { SOAP_ENVELOPE_DOCUMENT_TASK, SOAP_ENVELOPE_TASK, checkedEnvelopeText, readEnvelope, readEnvelopeWithDocument } from './soap-envelope.reader.js';
import type { EnvelopeDocumentReadInput, EnvelopeDocumentRequest, EnvelopeReadInput, EnvelopeReading } from './soap-envelope.reader.js';
import { SOAP11_ENVELOPE_NAMESPACE, SOAP12_ENVELOPE_NAMESPACE } from './soap-fault.builder.js';
import { SOAP_XML_WORKER_TASKS } from './soap-xml.tasks.js';
import { describeWsdl, findPort } from './wsdl.inspector.js';
import type { SoapVersion } from './wsdl.inspector.js';

const ROOT = process.cwd();
// Jest runs the TypeScript sources, which cannot start as a worker: the worker path is tested with the build.
const BUILT_WORKER = path.resolve(ROOT, 'dist/libs/soap/src/soap-xml.worker.js');
const NOT_OK = path.resolve(ROOT, 'test/fixtures/not-ok');
const wsdl = describeWsdl(readFileSync('contracts/schnittstelle/v1/schnittstelle.wsdl', 'utf8'));
const NS: Record<SoapVersion, string> = { '1.1': SOAP11_ENVELOPE_NAMESPACE, '1.2': SOAP12_ENVELOPE_NAMESPACE };
// What planArguments makes of the WSDL's request elements with node-soap (soap-arguments.reader.spec.ts holds that).
const plan: ArgumentsPlan = {
  elements: new Map([
    ['submitDocument', new Map([['routeId', 'RouteId|xs:string|pattern'], ['correlationId', 'xs:string'], ['xmlDocument', 'xs:string'], ['filename', 'xs:string']])],
    ['getStatus', new Map([['documentId', 'xs:string']])],
  ]),
};

function input(version: SoapVersion, xml: string | Buffer, extra: Partial<EnvelopeReadInput> = {}): EnvelopeReadInput {
  return {
    version,
    body: Buffer.isBuffer(xml) ? xml : Buffer.from(xml),
    mediaType: { type: version === '1.1' ? 'text/xml' : 'application/soap+xml', params: {} },
    operations: findPort(wsdl, version === '1.1' ? 'SchnittstelleSoap11' : 'SchnittstelleSoap12')!.operations,
    maxBodyBytes: 1 << 20,
    readToken: false,
    plan,
    ...extra,
  };
}

const envelope = (version: SoapVersion, body: string, header = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="${NS[version]}">${header ? `<e:Header>${header}</e:Header>` : ''}<e:Body>${body}</e:Body></e:Envelope>`;
const submit = (document: string, extra = '') =>
  `<t:submitDocument xmlns:t="urn:schnittstelle:v1"${extra}><t:routeId>akten</t:routeId><t:xmlDocument>${document}</t:xmlDocument></t:submitDocument>`;
const wsse = (username: string, password: string) =>
  new soap.WSSecurity(username, password, { passwordType: 'PasswordDigest', hasNonce: true, mustUnderstand: true, envelopeKey: 'e' }).toXML();

describe('readEnvelope', () => {
  it('gives the operation and the arguments of a plain request, without the text node-soap does not need then', () => {
    const xml = envelope('1.1', submit('&lt;a&gt;Gr&#252;&#xDF;e&lt;/a&gt;'));
    expect(readEnvelope(input('1.1', xml))).toEqual({ operation: 'submitDocument', element: 'submitDocument', args: { routeId: 'akten', xmlDocument: '<a>Grüße</a>' } });
  });

  it('leaves the arguments to node-soap when the request is not of the plain shape, with the checked text for it', () => {
    const xml = envelope('1.2', submit('x', ' t:extra="1"'));
    const reading = readEnvelope(input('1.2', xml)) as Extract<EnvelopeReading, { operation: string }>;
    expect(reading.operation).toBe('submitDocument');
    expect(reading.args).toBeUndefined();
    expect(reading.text).toContain('<t:submitDocument xmlns:t="urn:schnittstelle:v1" t:extra="1">');
    // The same text where a reading came without it (as a Buffer here, as bytes from a worker).
    expect(checkedEnvelopeText(input('1.2', xml))).toBe(reading.text);
    expect(checkedEnvelopeText({ ...input('1.2', xml), body: new Uint8Array(Buffer.from(xml)) })).toBe(reading.text);
  });

  it('answers a refusal as data: a SOAP 1.1 envelope on the 1.2 endpoint gets a VersionMismatch it can read', () => {
    const reading = readEnvelope(input('1.2', envelope('1.1', submit('x'))));
    expect(reading).toMatchObject({ refusal: { status: 500, spec: { version: '1.1', kind: 'version-mismatch', upgrade: ['1.2'] } } });
  });

  it('reads the UsernameToken when asked, and reports an unreadable one without failing the reading', () => {
    const read = (header: string) => readEnvelope(input('1.1', envelope('1.1', submit('x'), header), { readToken: true, understoodHeaders: [{ ns: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd', local: 'Security' }] }));
    const good = read(wsse('melde', 'Digest-Geheim')) as Extract<EnvelopeReading, { operation: string }>;
    expect(good.token).toMatchObject({ username: 'melde', passwordType: 'PasswordDigest', nonce: expect.any(Buffer), created: { text: expect.any(String) } });
    expect(read('')).toMatchObject({ operation: 'submitDocument', tokenError: { faultCode: 'InvalidSecurity', reason: 'no-security-header' } });
  });
});

const XDOMEA_SAMPLE = path.resolve(ROOT, '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0/xx_Aussonderung.Aussonderung.0503.xml');
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const catalogue: XmlIntakeOptions = { validation: { kind: 'catalogue', catalogueRoot: path.resolve(ROOT, 'contracts') } };
const documentRequest = (options: Record<string, XmlIntakeOptions> = { akten: catalogue }): EnvelopeDocumentRequest => ({
  operation: 'submitDocument',
  argument: 'xmlDocument',
  selector: 'routeId',
  options,
  unlessGiven: ['contentType'],
});
const withDocument = (each: EnvelopeReadInput, request = documentRequest()): EnvelopeDocumentReadInput => ({ ...each, document: request });

describe('readEnvelopeWithDocument', () => {
  const sample = readFileSync(XDOMEA_SAMPLE, 'utf8');

  it('reads the document the request carries with the options its selector picks, as intake would, beside the envelope', async () => {
    const each = input('1.1', envelope('1.1', submit(escape(sample))));
    const reading = await readEnvelopeWithDocument(withDocument(each));
    const bytes = Buffer.from(sample, 'utf8');
    const plain = readEnvelope(each) as Extract<EnvelopeReading, { operation: string }>;
    expect(plain.args).toMatchObject({ routeId: 'akten', xmlDocument: sample });
    // The document's text is not given twice: its bytes are in document.body.
    const { xmlDocument: _text, ...rest } = plain.args!;
    expect(reading).toEqual({ ...plain, args: rest, document: { selector: 'akten', body: new Uint8Array(bytes), read: await readXmlForIntake(bytes, catalogue) } });
    expect(reading).toMatchObject({ document: { read: { rootElement: 'Aussonderung.Aussonderung.0503', validation: { valid: true }, xoev: { standard: 'xdomea' } } } });
  });

  it("gives the document's refusal as data and still accepts the envelope: the handler raises it where intake would", async () => {
    const reading = await readEnvelopeWithDocument(withDocument(input('1.1', envelope('1.1', submit(escape('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'))))));
    expect(reading).toMatchObject({ operation: 'submitDocument', document: { selector: 'akten', error: { kind: 'input', code: 'doctype', httpStatus: 400 } } });
    const invalid = await readEnvelopeWithDocument(withDocument(input('1.1', envelope('1.1', submit(escape(sample.replace('<xdomea:Kopf>', '<xdomea:Unbekannt/><xdomea:Kopf>')))))));
    expect(invalid).toMatchObject({ document: { read: { validation: { valid: false } } } });
  });

  it('reads no document where it is not asked to: other operation, unknown selector, an unlessGiven argument, node-soap arguments, a refused envelope', async () => {
    const cases: EnvelopeReadInput[] = [
      input('1.2', envelope('1.2', '<t:getStatus xmlns:t="urn:schnittstelle:v1"><t:documentId>d-1</t:documentId></t:getStatus>')),
      input('1.1', envelope('1.1', submit('&lt;a&gt;Gr&#252;&#xDF;e &#x1F600;&lt;/a&gt;').replace('>akten<', '>andere<'))),
      input('1.1', envelope('1.1', submit('&lt;a/&gt;').replace('</t:xmlDocument>', '</t:xmlDocument><t:contentType>text/plain</t:contentType>')), {
        plan: { elements: new Map([['submitDocument', new Map([...plan.elements.get('submitDocument')!, ['contentType', 'xs:string']])]]) },
      }),
      input('1.2', envelope('1.2', submit('&lt;a/&gt;', ' t:extra="1"'))),
      input('1.2', envelope('1.1', submit('&lt;a/&gt;'))),
    ];
    for (const each of cases) {
      const reading = await readEnvelopeWithDocument(withDocument(each));
      expect(reading).toEqual(readEnvelope(each));
      expect(reading).not.toHaveProperty('document');
    }
    // The unlessGiven case did get its arguments, so it is the contentType that kept the document unread.
    expect(readEnvelope(cases[2]!)).toMatchObject({ args: { contentType: 'text/plain' } });
  });
});

describe('readEnvelope on an XML worker (built worker)', () => {
  const pools: XmlWorkerPool[] = [];
  afterAll(async () => Promise.all(pools.map((pool) => pool.close())));

  it('gives what it gives in-process, for good, odd and hostile envelopes', async () => {
    expect(existsSync(BUILT_WORKER)).toBe(true);
    const workers = new XmlWorkerPool({ size: 2, workerFile: BUILT_WORKER, tasks: SOAP_XML_WORKER_TASKS });
    pools.push(workers);
    expect(workers.mode).toBe('workers');
    const security = [{ ns: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd', local: 'Security' }];
    const cases: EnvelopeReadInput[] = [
      input('1.1', envelope('1.1', submit('&lt;a&gt;Text&lt;/a&gt;'))),
      input('1.2', envelope('1.2', '<t:getStatus xmlns:t="urn:schnittstelle:v1"><t:documentId>d-1</t:documentId></t:getStatus>')),
      input('1.2', envelope('1.2', submit('x', ' t:extra="1"'))),
      input('1.1', envelope('1.1', submit('x'), wsse('melde', 'Digest-Geheim')), { readToken: true, understoodHeaders: security }),
      input('1.1', envelope('1.1', submit('x')), { readToken: true }),
      input('1.1', envelope('1.1', submit('x')), { soapActionHeader: '"urn:schnittstelle:v1#getStatus"' }),
      input('1.1', envelope('1.1', submit('x')), { mediaType: { type: 'text/xml', params: { charset: 'windows-1252' } } }),
      input('1.1', envelope('1.1', '<t:unknown xmlns:t="urn:schnittstelle:v1"/>')),
      input('1.2', envelope('1.1', submit('x'))),
      input('1.1', envelope('1.1', submit('x')), { maxBodyBytes: 100 }),
      // The hostile catalogue as envelopes: DOCTYPE, entities, depth, broken encodings, not XML at all.
      ...readdirSync(NOT_OK)
        .filter((name) => name.endsWith('.xml'))
        .map((name) => input('1.1', readFileSync(path.join(NOT_OK, name)))),
    ];
    // A Buffer comes back from a thread as a Uint8Array of the same bytes.
    const plainNonce = (reading: EnvelopeReading) => ('token' in reading && reading.token?.nonce ? { ...reading, token: { ...reading.token, nonce: [...reading.token.nonce] } } : reading);
    const onWorkers = await Promise.all(cases.map((each) => workers.run<EnvelopeReading>(SOAP_ENVELOPE_TASK, each)));
    for (const [i, each] of cases.entries()) expect(plainNonce(onWorkers[i])).toEqual(plainNonce(readEnvelope(each)));
    // Refusals among them, so the comparison covers faults, not only acceptances.
    expect(onWorkers.filter((reading) => 'refusal' in reading).length).toBeGreaterThanOrEqual(12);
    expect(onWorkers[3]).toMatchObject({ token: { username: 'melde', nonce: expect.any(Uint8Array) } });
  });

  it('reads the envelope with its document as in-process, refusals and schema errors included', async () => {
    const workers = new XmlWorkerPool({ size: 1, workerFile: BUILT_WORKER, tasks: SOAP_XML_WORKER_TASKS });
    pools.push(workers);
    const sample = readFileSync(XDOMEA_SAMPLE, 'utf8');
    const cases = [
      sample,
      sample.replace('<xdomea:Kopf>', '<xdomea:Unbekannt/><xdomea:Kopf>'),
      '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
      '<a><b></a>',
      ...readdirSync(NOT_OK)
        .filter((name) => name.endsWith('.xml'))
        .map((name) => readFileSync(path.join(NOT_OK, name), 'utf8')),
    ].map((document) => withDocument(input('1.1', envelope('1.1', submit(escape(document))))));
    const onWorker = await Promise.all(cases.map((each) => workers.run<EnvelopeReading>(SOAP_ENVELOPE_DOCUMENT_TASK, each)));
    for (const [i, each] of cases.entries()) expect(onWorker[i]).toEqual(await readEnvelopeWithDocument(each));
    expect(onWorker.filter((reading) => 'document' in reading && reading.document?.error).length).toBeGreaterThanOrEqual(3);
    expect(onWorker[0]).toMatchObject({ document: { read: { validation: { valid: true } } } });
  });
});
