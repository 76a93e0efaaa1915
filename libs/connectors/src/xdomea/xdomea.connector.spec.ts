import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DigitalSourceType, InputError, PermanentError } from '@app/contracts';
import type { AiLabel, CanonicalDocument, DocumentStatus, Route, StepResult } from '@app/contracts';
import { inspectXml, loadXsdSchema, validateAgainstCatalogue } from '@app/xml';
import type { ConnectorContext, ConnectorLimits, ConnectorResult } from '../sdk/index.js';
import { xdomeaConnector, xdomeaOptionsSchema, type XdomeaOptions } from './xdomea.connector.js';
import type { XdomeaMessage } from './xdomea-message.reader.js';
import { writeZip, type ZipWriteEntry } from './zip-archive.writer.js';
import { readZipContainer } from './zip-container.reader.js';

const ROOT = process.cwd();
const CONTRACTS = path.join(ROOT, 'contracts');
const FIXTURES = path.join(ROOT, 'test/fixtures');
const SAMPLES = path.resolve(ROOT, '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');
const PROCESS_ID = '242f44e8-bebf-4503-a086-db252c6a4277';
const NAME_0501 = `${PROCESS_ID}_Aussonderung.Anbieteverzeichnis.0501`;
const NAME_0503 = `${PROCESS_ID}_Aussonderung.Aussonderung.0503`;
const PDF = 'e8b289cb-f8dd-492a-b3cf-560674eaa92b_PDF-A1b_CMYK_20150731.pdf';
const DOCX = '5b0d3f0e-7a4c-4f8e-9a51-2c1d0e6b7f10_Stellungnahme.docx';
const TXT = '9c4e2a71-3b6d-4c0f-8e25-6a7b8c9d0e1f_Aktenvermerk.txt';
const AT = new Date('2026-01-01T00:00:00Z');

const container0501 = readFileSync(path.join(FIXTURES, `ok/xdomea/${NAME_0501}.zip`));
const container0503 = readFileSync(path.join(FIXTURES, `ok/xdomea/${NAME_0503}.zip`));
const sample = (name: string) => readFileSync(path.join(SAMPLES, name));

const entries0503 = await readZipContainer(container0503, { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 200 });
const entry0503 = (name: string) => entries0503.find((entry) => entry.name === name)!;
const message0503 = entry0503(`${NAME_0503}.xml`).data;

interface TestContext extends ConnectorContext<XdomeaOptions> {
  warnings: string[];
}

function context(options: Record<string, unknown> = {}, limits: Partial<ConnectorLimits> = {}): TestContext {
  const warnings: string[] = [];
  return {
    options: xdomeaOptionsSchema.parse(options),
    // Only the id is read by the connector; the rest of a route is the pipeline's business.
    route: { id: 'aussonderung' } as Route,
    contractsDir: CONTRACTS,
    configDir: ROOT,
    limits: { maxBytes: 10 * 1024 * 1024, maxUnpackedBytes: 100 * 1024 * 1024, maxDepth: 64, maxAttributes: 256, ...limits },
    log: { info: () => undefined, warn: (message: string) => warnings.push(message) },
    warnings,
  };
}

const parse = (body: Buffer, filename?: string, ctx = context()) => xdomeaConnector.parse!({ body, ...(filename ? { filename } : {}) }, ctx) as Promise<XdomeaMessage>;

/** The 0503 container with entries left out, replaced or added. */
function variant0503(change: { without?: string[]; replace?: Record<string, Buffer>; add?: ZipWriteEntry[] }): Buffer {
  const kept = entries0503.filter((entry) => !change.without?.includes(entry.name)).map((entry) => ({ name: entry.name, data: change.replace?.[entry.name] ?? entry.data }));
  return writeZip([...kept, ...(change.add ?? [])], AT);
}

async function inputError(promise: Promise<unknown>, code: string, status: number): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect({ code: (error as InputError).code, status: (error as InputError).httpStatus }).toEqual({ code, status });
  return error as InputError;
}

async function permanentError(promise: Promise<unknown>, code: string): Promise<PermanentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  expect(error).not.toBeInstanceOf(InputError);
  expect((error as PermanentError).code).toBe(code);
  return error as PermanentError;
}

describe('xdomeaConnector declaration', () => {
  it('is a format connector for ZIP containers and XML', () => {
    expect(xdomeaConnector.kind).toBe('connector');
    expect(xdomeaConnector.name).toBe('xdomea');
    expect(xdomeaConnector.accepts).toEqual({ mediaTypes: ['application/zip', 'application/x-zip-compressed'], extensions: ['zip', 'xml'] });
    expect(typeof xdomeaConnector.validate).toBe('function');
    expect(typeof xdomeaConnector.fromResult).toBe('function');
    expect(xdomeaOptionsSchema.parse({})).toMatchObject({ maxEntries: 1000, maxCompressionRatio: 200, assessment: { codes: {} }, reply: 'as-received', requestReceipt: true });
    expect(() => xdomeaOptionsSchema.parse({ assessment: { codes: { archivwuerdig: 'X' } } })).toThrow();
  });
});

describe('xdomeaConnector.parse', () => {
  it('reads the 0503 container: one message, the three files it references, no warnings', async () => {
    const message = await parse(container0503, `${NAME_0503}.zip`);
    expect(message.form).toBe('container');
    expect(message.messageName).toBe(`${NAME_0503}.xml`);
    expect(message.inspection.rootElement).toBe('Aussonderung.Aussonderung.0503');
    expect(message.inspection.xoev).toMatchObject({ standard: 'xdomea', version: '3.0.0', processId: PROCESS_ID, messageTypeCode: '0503' });
    expect(message.references).toEqual([
      { filename: PDF, formatCode: '044', kind: 'primary-document' },
      { filename: DOCX, originalName: 'Stellungnahme Tiefbauamt.docx', formatCode: '035', kind: 'primary-document' },
      { filename: TXT, originalName: 'Aktenvermerk.txt', formatCode: '045', kind: 'primary-document' },
    ]);
    expect(message.entries.map((entry) => entry.name)).toEqual([PDF, DOCX, TXT]);
    expect(message.warnings).toEqual([]);
  });

  it('reads a bare message and says when it references files it came without', async () => {
    const offer = await parse(sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml'), 'angebot.xml');
    expect(offer).toMatchObject({ form: 'xml', messageName: 'angebot.xml', references: [], entries: [], warnings: [] });
    const delivery = await parse(message0503);
    expect(delivery.form).toBe('xml');
    expect(delivery.references).toHaveLength(3);
    expect(delivery.warnings).toEqual(['the message references 3 file(s) but came without its ZIP container; their text is not available']);
  });

  it('tolerates the sample naming (xx_<Typ>.xml) and says how names and header disagree', async () => {
    const zip = writeZip([{ name: 'xx_Aussonderung.Anbieteverzeichnis.0501.xml', data: sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml') }], AT);
    const message = await parse(zip, 'abgabe.zip');
    expect(message.inspection.rootElement).toBe('Aussonderung.Anbieteverzeichnis.0501');
    expect(message.warnings).toEqual([`the message file "xx_Aussonderung.Anbieteverzeichnis.0501.xml" names the process "xx", the message header says ${PROCESS_ID}`]);

    const renamed = writeZip([{ name: 'nachricht.xml', data: sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml') }], AT);
    const wrongZipName = `${PROCESS_ID}_Aussonderung.Aussonderung.0503.zip`;
    expect((await parse(renamed, wrongZipName)).warnings).toEqual([
      'the message file "nachricht.xml" is not named <ProzessID>_<Typ>.xml as xdomea names it',
      `the container "${wrongZipName}" names the message type Aussonderung.Aussonderung.0503, the message is Aussonderung.Anbieteverzeichnis.0501`,
    ]);
  });

  it('finds the message by its root when several XML files are in the container, and passes a header contradiction on', async () => {
    const zip = writeZip(
      [
        { name: 'anlage.xml', data: Buffer.from('<antrag><name>Müller</name></antrag>') },
        { name: 'xx_Aussonderung.Bewertungsverzeichnis.0502.xml', data: sample('xx_Aussonderung.Bewertungsverzeichnis.0502.xml') },
      ],
      AT,
    );
    const message = await parse(zip);
    expect(message.messageName).toBe('xx_Aussonderung.Bewertungsverzeichnis.0502.xml');
    // The published 0502 pattern carries the code 0503 in its header: inspectXml's warning reaches the document.
    expect(message.warnings).toContain(
      'xdomea header Nachrichtentyp says 0503 but the root element Aussonderung.Bewertungsverzeichnis.0502 is message type 0502; using 0502',
    );
    expect(message.warnings).toContain('the container holds "anlage.xml", which the message does not reference; it is not read');
  });

  it('refuses test/fixtures/not-ok/truncated.zip (400 zip-corrupt) and zip-bomb.zip (413 zip-bomb)', async () => {
    const truncated = await inputError(parse(readFileSync(path.join(FIXTURES, 'not-ok/truncated.zip')), 'truncated.zip'), 'zip-corrupt', 400);
    expect(truncated.message).toMatch(/^the ZIP container is truncated or corrupt/);
    const started = performance.now();
    await inputError(parse(readFileSync(path.join(FIXTURES, 'not-ok/zip-bomb.zip')), 'zip-bomb.zip'), 'zip-bomb', 413);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('refuses a body declared as ZIP that is none, rather than reading it as XML (400)', async () => {
    const error = await inputError(xdomeaConnector.parse!({ body: message0503, mediaType: 'application/zip' }, context()) as Promise<unknown>, 'zip-corrupt', 400);
    expect(error.message).toContain('declared as a ZIP container but is none');
    await inputError(parse(Buffer.from('not a zip at all'), 'abgabe.zip'), 'zip-corrupt', 400);
  });

  it('refuses a container entry that climbs out of its folder (400) and an encrypted one (422)', async () => {
    await inputError(parse(variant0503({ add: [{ name: '../../etc/cron.d/evil', data: Buffer.from('x') }] })), 'zip-unsafe-name', 400);
    const zip = variant0503({});
    // Set the "encrypted" flag of the PDF (entry 2) in its central and local header.
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    let central = zip.readUInt32LE(end + 16);
    central += 46 + zip.readUInt16LE(central + 28);
    zip.writeUInt16LE(zip.readUInt16LE(central + 8) | 1, central + 8);
    const local = zip.readUInt32LE(central + 42);
    zip.writeUInt16LE(zip.readUInt16LE(local + 6) | 1, local + 6);
    const error = await inputError(parse(zip), 'zip-encrypted', 422);
    expect(error.message).toContain(PDF);
  });

  it('refuses containers without an xdomea message, with two, and XML that is no xdomea message (422)', async () => {
    const none = await inputError(parse(writeZip([{ name: 'brief.pdf', data: Buffer.from('%PDF-1.4') }], AT)), 'xdomea-no-message', 422);
    expect(none.message).toContain('it holds "brief.pdf"');
    await inputError(parse(writeZip([], AT)), 'xdomea-no-message', 422);
    const two = writeZip(
      [
        { name: 'a_Aussonderung.Anbieteverzeichnis.0501.xml', data: sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml') },
        { name: 'b_Aussonderung.Aussonderung.0503.xml', data: message0503 },
      ],
      AT,
    );
    await inputError(parse(two), 'xdomea-ambiguous', 422);
    const invoice = Buffer.from('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>');
    const notXdomea = await inputError(parse(invoice, 'rechnung.xml'), 'xdomea-not-a-message', 422);
    expect(notXdomea.message).toContain('{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice');
    // A conventionally named entry that is not well-formed is refused with its name and inspectXml's reason.
    const broken = await inputError(parse(writeZip([{ name: `${NAME_0503}.xml`, data: Buffer.from('<a><b></a>') }], AT)), 'not-xml', 400);
    expect(broken.message).toMatch(new RegExp(`^"${NAME_0503}\\.xml": `));
  });

  it('applies the route limits: unpacked size (413) and XML depth inside the container', async () => {
    await inputError(parse(container0503, undefined, context({}, { maxUnpackedBytes: 10_000 })), 'zip-too-large', 413);
    await inputError(parse(container0503, undefined, context({}, { maxDepth: 5 })), 'too-deep', 400);
  });
});

describe('xdomeaConnector.validate', () => {
  it('passes the 0503 container (XSD valid, every referenced file present)', async () => {
    const ctx = context();
    await expect(xdomeaConnector.validate!(await parse(container0503), ctx)).resolves.toBeUndefined();
    expect(ctx.warnings).toEqual([]);
  });

  it('refuses a schema-invalid message with line and column (422)', async () => {
    const invalid = Buffer.from(message0503.toString('utf8').replace(/<xdomea:ProzessID>[^<]*<\/xdomea:ProzessID>/, '<xdomea:ProzessID>keine-uuid</xdomea:ProzessID>'), 'utf8');
    const message = await parse(variant0503({ replace: { [`${NAME_0503}.xml`]: invalid } }));
    const error = await inputError(Promise.resolve(xdomeaConnector.validate!(message, context())), 'schema-invalid', 422);
    expect(error.message).toMatch(new RegExp(`^"${NAME_0503}\\.xml" is not valid against xdomea 3\\.0\\.0: line 9, column \\d+: .*ProzessID`));
  });

  it('refuses a container that lacks a referenced primary document, naming it (422)', async () => {
    const message = await parse(variant0503({ without: [DOCX] }));
    const error = await inputError(Promise.resolve(xdomeaConnector.validate!(message, context())), 'xdomea-missing-document', 422);
    expect(error.message).toBe(`the ZIP container lacks 1 file(s) the message references: "${DOCX}"`);
  });

  it('accepts unreferenced extra files, logs their count without names and names them in the document warnings', async () => {
    const ctx = context();
    const message = await parse(variant0503({ add: [{ name: 'Notizen Müller.txt', data: Buffer.from('privat') }] }));
    await xdomeaConnector.validate!(message, ctx);
    expect(ctx.warnings).toEqual(['xdomea container: 1 file(s) not referenced by the message, left unread']);
    const document = await xdomeaConnector.toDocument!(message, ctx);
    expect(document.warnings).toContain('the container holds "Notizen Müller.txt", which the message does not reference; it is not read');
    expect(document.parts).toContainEqual({ name: 'Notizen Müller.txt', mediaType: 'text/plain', sizeBytes: 6, textExtracted: false });
    expect(document.text).not.toContain('privat');
  });

  it('refuses xdomea versions the catalogue has no schema for (422)', async () => {
    const older = Buffer.from(sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml').toString('utf8').replaceAll('urn:xoev-de:xdomea:schema:3.0.0', 'urn:xoev-de:xdomea:schema:2.4.0'));
    await inputError(Promise.resolve(xdomeaConnector.validate!(await parse(older), context())), 'unknown-schema', 422);
  });
});

describe('xdomeaConnector.toDocument', () => {
  it('gives the AI steps the message text and the text of the PDF, the DOCX and the windows-1252 note', async () => {
    const document = await xdomeaConnector.toDocument!(await parse(container0503, `${NAME_0503}.zip`), context());
    expect(document.kind).toBe('container');
    expect(document.rootElement).toBe('Aussonderung.Aussonderung.0503');
    expect(document.xoev).toMatchObject({ processId: PROCESS_ID, messageTypeCode: '0503' });
    expect(document.text).toContain('xdomea Hinweis');
    expect(document.text).toContain(`--- ${PDF} ---\nBescheid über die Baugenehmigung\nAktenzeichen 63-2026-0815`);
    expect(document.text).toContain('Gebühr: 250,00 € – zahlbar binnen „vier Wochen“.');
    expect(document.text).toContain('--- Stellungnahme Tiefbauamt.docx ---\nStellungnahme des Tiefbauamts\n\nGegen das Vorhaben bestehen keine Bedenken');
    expect(document.text).toContain('--- Aktenvermerk.txt ---\nAktenvermerk\nRücksprache mit Herrn Groß über die Straßensanierung am Mühlweg.');
    expect(document.parts).toEqual([
      { name: PDF, mediaType: 'application/pdf', sizeBytes: entry0503(PDF).data.length, textExtracted: true },
      { name: DOCX, mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', sizeBytes: entry0503(DOCX).data.length, textExtracted: true },
      { name: TXT, mediaType: 'text/plain', sizeBytes: entry0503(TXT).data.length, textExtracted: true },
    ]);
    expect(document.fields).toEqual({ messageType: 'Aussonderung.Aussonderung.0503', processId: PROCESS_ID, messageFile: `${NAME_0503}.xml`, primaryDocuments: [PDF, DOCX, TXT] });
    expect(document.warnings).toEqual([]);
  });

  it('lists a document it cannot read as a part without text and says why', async () => {
    const document = await xdomeaConnector.toDocument!(await parse(variant0503({ replace: { [PDF]: Buffer.from('%PDF-1.7 kaputt') } })), context());
    expect(document.parts?.[0]).toEqual({ name: PDF, mediaType: 'application/pdf', sizeBytes: 15, textExtracted: false });
    expect(document.warnings).toEqual([expect.stringContaining(`"${PDF}": its text cannot be read`)]);
    expect(document.text).toContain('Stellungnahme des Tiefbauamts');
  });

  it('refuses a container whose DOCX is a ZIP bomb (413): the attack is on the reader, not only on one document', async () => {
    const bomb = writeZip([{ name: 'word/document.xml', data: Buffer.alloc(8 * 1024 * 1024, 0x20) }], AT);
    const message = await parse(variant0503({ replace: { [DOCX]: bomb } }));
    await inputError(Promise.resolve(xdomeaConnector.toDocument!(message, context())), 'zip-bomb', 413);
  });

  it('makes a bare message an xml document whose text is the message text', async () => {
    const document = await xdomeaConnector.toDocument!(await parse(sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml')), context());
    expect(document.kind).toBe('xml');
    expect(document.parts).toEqual([]);
    expect(document.text).toContain('Betreff (Testdaten)');
    expect(document.text).not.toContain('cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9');
  });
});

const label = (overrides: Partial<AiLabel> = {}): AiLabel => ({
  aiGenerated: true,
  digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
  provider: 'embedded',
  model: 'aussonderung-tfidf-1',
  generatedAt: '2026-01-02T10:00:00.000Z',
  reviewState: 'unreviewed',
  ...overrides,
});

const classify = (value: string, confidence = 0.87, step = 'bewertung', overrides: Partial<AiLabel> = {}): StepResult => ({
  step,
  task: 'classify',
  output: { label: value, confidence, scores: { [value]: confidence } },
  label: label(overrides),
});

const summary: StepResult = {
  step: 'kurz',
  task: 'summarise',
  output: { summary: 'Akte zur Baugenehmigung.', sentences: ['Akte zur Baugenehmigung.'], sentenceIndexes: [0] },
  label: label({ digitalSourceType: DigitalSourceType.algorithmicMedia }),
};

function resultFor(body: Buffer, filename: string, results: StepResult[]): ConnectorResult {
  const document: CanonicalDocument = {
    id: 'doc-0501',
    routeId: 'aussonderung',
    channel: 'folder',
    kind: filename.endsWith('.zip') ? 'container' : 'xml',
    contentType: filename.endsWith('.zip') ? 'application/zip' : 'application/xml',
    filename,
    sizeBytes: body.length,
    sha256: 'ab'.repeat(32),
    receivedAt: '2026-01-02T09:00:00.000Z',
  };
  const status: DocumentStatus = {
    document,
    state: 'processing',
    steps: [],
    results: Object.fromEntries(results.map((result) => [result.step, result])),
  };
  return { document, status, body, writtenAt: '2026-01-02T10:05:00.000Z' };
}

const reply = (result: ConnectorResult, options: Record<string, unknown> = {}) => Promise.resolve(xdomeaConnector.fromResult!(result, context(options)));

describe('xdomeaConnector.fromResult: Anbieteverzeichnis (0501) -> Bewertungsverzeichnis (0502)', () => {
  it('answers the 0501 container with a 0502 container that validates against the vendored xdomea 3.0.0 XSD', async () => {
    const out = await reply(resultFor(container0501, `${NAME_0501}.zip`, [classify('A'), summary]));
    expect(out.filename).toBe(`${PROCESS_ID}_Aussonderung.Bewertungsverzeichnis.0502.zip`);
    expect(out.mediaType).toBe('application/zip');
    expect(out.meta).toEqual({
      messageType: 'Aussonderung.Bewertungsverzeichnis.0502',
      payloadSchema: 'urn:xoev-de:xdomea:schema:3.0.0',
      processId: PROCESS_ID,
      rootElement: 'Aussonderung.Bewertungsverzeichnis.0502',
    });

    const entries = await readZipContainer(out.body, { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 200 });
    expect(entries.map((entry) => entry.name)).toEqual([`${PROCESS_ID}_Aussonderung.Bewertungsverzeichnis.0502.xml`]);
    const xml = entries[0]!.data;
    const validation = await validateAgainstCatalogue(xml, CONTRACTS);
    expect(validation.errors).toEqual([]);
    expect(validation).toMatchObject({ valid: true, rootElement: 'Aussonderung.Bewertungsverzeichnis.0502', schema: { name: 'xdomea 3.0.0' } });

    const text = xml.toString('utf8');
    const inspection = inspectXml(xml);
    expect(inspection.xoev).toMatchObject({ processId: PROCESS_ID, messageTypeCode: '0502', createdAt: '2026-01-02T10:05:00.000Z' });
    expect(inspection.warnings).toEqual([]);
    // Sender and recipient swapped: the archive (recipient of the offer) now sends.
    expect(inspection.xoev?.sender).toBe('EmpXdomeaInstitutionName (LATh)');
    expect(inspection.xoev?.recipient).toBe('AbsXdomeaInstitutionName (LATh)');
    // One assessed object: the Akte the offer lists at top level, with the mapped code.
    expect(text.match(/<xdomea:BewertetesObjekt>/g)).toHaveLength(1);
    expect(text).toMatch(/<xdomea:ID>cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9<\/xdomea:ID>\s*<xdomea:Aussonderungsart>\s*<xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart" listVersionID="1.0">\s*<code>A<\/code>/);
    expect(text).toContain('<xdomea:Empfangsbestaetigung>true</xdomea:Empfangsbestaetigung>');
    // The AI label in words ...
    expect(text).toContain(
      '<xdomea:Hinweis>KI-generierte Bewertung (Schnittstelle, Schritt „bewertung“): Klassifikation „A“ mit Konfidenz 0.87 – Aussonderungsart A (archivwürdig). Anbieter embedded, Modell aussonderung-tfidf-1, erzeugt 2026-01-02T10:00:00.000Z, nicht von einer Person geprüft. Herkunftsart http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia.',
    );
    // ... and machine-readable: the result document, valid against its own schema, inside the lax extension slot.
    const embedded = /<xdomea:AnwendungsspezifischeErweiterungXML>\s*([\s\S]*?)\s*<\/xdomea:AnwendungsspezifischeErweiterungXML>/.exec(text)?.[1];
    expect(embedded).toMatch(/^<Result xmlns="urn:schnittstelle:result:v1" routeId="aussonderung"/);
    expect(embedded).toContain('<AiLabel aiGenerated="true">');
    const resultSchema = await loadXsdSchema(path.join(CONTRACTS, 'schnittstelle/v1/result.xsd'));
    expect((await resultSchema.validate(Buffer.from(embedded!))).errors).toEqual([]);
  });

  it('answers a bare 0501 with bare XML, and as the option says otherwise', async () => {
    const bare = sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml');
    const out = await reply(resultFor(bare, 'angebot.xml', [classify('V')]));
    expect(out.mediaType).toBe('application/xml');
    expect(out.filename).toBe(`${PROCESS_ID}_Aussonderung.Bewertungsverzeichnis.0502.xml`);
    expect((await validateAgainstCatalogue(out.body, CONTRACTS)).valid).toBe(true);
    expect(out.body.toString('utf8')).toContain('<code>V</code>');
    const zipped = await reply(resultFor(bare, 'angebot.xml', [classify('V')]), { reply: 'container', requestReceipt: false });
    expect(zipped.filename.endsWith('.zip')).toBe(true);
    const [entry] = await readZipContainer(zipped.body, { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 200 });
    expect(entry!.data.toString('utf8')).toContain('<xdomea:Empfangsbestaetigung>false</xdomea:Empfangsbestaetigung>');
    const plain = await reply(resultFor(container0501, `${NAME_0501}.zip`, [classify('V')]), { reply: 'xml' });
    expect(plain.mediaType).toBe('application/xml');
  });

  it('maps classifier labels through assessment.codes and marks low confidence B', async () => {
    const mapped = await reply(resultFor(container0501, 'a.zip', [classify('Vernichten', 0.95)]), { assessment: { codes: { vernichten: 'V' } } });
    const xml = (await readZipContainer(mapped.body, { maxEntries: 10, maxUnpackedBytes: 1 << 20, maxCompressionRatio: 200 }))[0]!.data.toString('utf8');
    expect(xml).toContain('<code>V</code>');
    expect(xml).toContain('Klassifikation „Vernichten“ mit Konfidenz 0.95 – Aussonderungsart V (zum Vernichten markiert)');

    const unsure = await reply(resultFor(sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml'), 'a.xml', [classify('A', 0.41)]), { assessment: { minConfidence: 0.6 } });
    const text = unsure.body.toString('utf8');
    expect(text).toContain('<code>B</code>');
    expect(text).toContain('Konfidenz 0.41 unter der Schwelle 0.6 – zur Bewertung durch eine Person markiert (B)');
    expect((await validateAgainstCatalogue(unsure.body, CONTRACTS)).valid).toBe(true);
  });

  it('takes the classify step the option names when there are several, and the review state into the label', async () => {
    const results = [classify('V', 0.9, 'thema'), classify('A', 0.8, 'bewertung', { reviewState: 'approved', digitalSourceType: DigitalSourceType.compositeWithTrainedAlgorithmicMedia })];
    const ambiguous = await permanentError(reply(resultFor(container0501, 'a.zip', results)), 'xdomea-no-assessment');
    expect(ambiguous.message).toContain('several classify steps (thema, bewertung); name the one that assesses in the connector option assessment.step');
    const out = await reply(resultFor(sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml'), 'a.xml', results), { assessment: { step: 'bewertung' } });
    const text = out.body.toString('utf8');
    expect(text).toContain('<code>A</code>');
    expect(text).toContain('von einer Person bestätigt');
    expect(text).toContain('compositeWithTrainedAlgorithmicMedia');
  });

  it('never makes an assessment up: unmapped label, no classify step, a rejected one (PermanentError)', async () => {
    const unmapped = await permanentError(reply(resultFor(container0501, 'a.zip', [classify('bauen')])), 'xdomea-unmapped-label');
    expect(unmapped.message).toContain('"bauen" of step "bewertung" has no Aussonderungsart; map it in the connector option assessment.codes');
    const none = await permanentError(reply(resultFor(container0501, 'a.zip', [summary])), 'xdomea-no-assessment');
    expect(none.message).toContain('writeback type folder');
    await permanentError(reply(resultFor(container0501, 'a.zip', [classify('A', 0.9, 'bewertung', { reviewState: 'rejected' })])), 'xdomea-assessment-rejected');
    await permanentError(reply(resultFor(container0501, 'a.zip', [summary]), { assessment: { step: 'kurz' } }), 'xdomea-no-assessment');
  });

  it('checks its reply against the XSD before it goes out: an offer with a broken ProzessID gets no reply', async () => {
    const broken = Buffer.from(sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml').toString('utf8').replace(PROCESS_ID, 'keine-uuid'));
    const error = await permanentError(reply(resultFor(broken, 'a.xml', [classify('A')])), 'xdomea-reply-invalid');
    expect(error.message).toMatch(/not valid xdomea 3\.0\.0: line \d+: .*ProzessID/);
  });
});

describe('xdomeaConnector.fromResult: messages without a reply', () => {
  it.each([
    ['Aussonderung.Aussonderung.0503 (container)', () => container0503, `${NAME_0503}.zip`, 'Aussonderung.Aussonderung.0503'],
    ['Aussonderung.AnbietungEmpfangBestaetigen.0504', () => sample('xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml'), 'b.xml', 'Aussonderung.AnbietungEmpfangBestaetigen.0504'],
  ])('%s: a PermanentError that sends the operator to result XML or SOAP write-back', async (_label, body, filename, root) => {
    const error = await permanentError(reply(resultFor(body(), filename, [classify('A')])), 'xdomea-no-reply');
    expect(error.message).toContain(`xdomea defines no reply to ${root}`);
    expect(error.message).toContain('Write this route\'s results as result XML (writeback type folder) or over SOAP (writeback type soap)');
  });
});
