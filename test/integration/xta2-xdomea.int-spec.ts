import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { XmlDocument } from 'libxml2-wasm';
import { AuditLog } from '@app/audit';
import { documentMessageId, readZipContainer } from '@app/connectors';
import type { ClassificationOutput, DocumentStatus } from '@app/contracts';
import { deriveDocumentId } from '@app/documents';
import type { QueueName } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { startXta2StandIn, testInstallation, waitFor, type TestInstallation, type Xta2Call, type Xta2StandIn } from '@app/testing';
import { disposeXsdSchemas, loadXsdSchema } from '@app/xml';
import { allJobIds, closeQueues, getStatus, http, loadApps, openQueues, removeInstallation, totalJobs } from './support.js';

/*
 * The legacy interfaces together: an archive's XTA 2 message box holds an xdomea Anbieteverzeichnis (0501)
 * in its ZIP container; Schnittstelle polls the box (xta2 source), reads the container (xdomea connector),
 * runs the AI steps, and sends the Bewertungsverzeichnis (0502) back over XTA 2 to the authority that
 * offered the records, as a reply to its message.
 */

const ROOT = process.cwd();
const CONTRACTS = path.join(ROOT, 'contracts');
const FIXTURES = path.join(ROOT, 'test/fixtures');
const OK_XDOMEA = path.join(FIXTURES, 'ok/xdomea');
const OFFER_FILE = fs.readdirSync(OK_XDOMEA).find((name) => /_Aussonderung\.Anbieteverzeichnis\.0501\.zip$/.test(name))!;
const OFFER = fs.readFileSync(path.join(OK_XDOMEA, OFFER_FILE));
const TRUNCATED = fs.readFileSync(path.join(FIXTURES, 'not-ok/truncated.zip'));
const PROCESS_ID = OFFER_FILE.split('_')[0]!;
/** The one Schriftgutobjekt (an Akte) the offer lists. */
const OFFERED_AKTE = 'cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9';

const ROUTE = 'aussonderung';
const XDOMEA_NS = 'urn:xoev-de:xdomea:schema:3.0.0';
/** The archive's own XTA account (polls its box, sends the replies). */
const ARCHIVE = { id: 'ags:16000000-archiv', type: 'xoev' };
/** The authority that offers its records; the offer arrives with it as author. */
const AUTHORITY = { id: 'ags:16051000', type: 'xoev' };
const AI_STEPS = ['sprache', 'zusammenfassung', 'bewertung'];
const ZIP_LIMITS = { maxEntries: 10, maxUnpackedBytes: 1 << 22, maxCompressionRatio: 200 };
const NS = { m: 'http://www.osci.eu/ws/2014/10/transport', wsa: 'http://www.w3.org/2005/08/addressing' };

function routesYaml(baseUrl: string): string {
  return `
routes:
  ${ROUTE}:
    accept: [rest]
    connector:
      type: xdomea
      assessment:
        step: bewertung
        codes: { archivwuerdig: A, bewerten: B, vernichten: V }
    sources:
      - type: xta2
        baseUrl: ${baseUrl}
        identifier: { id: "${ARCHIVE.id}", type: ${ARCHIVE.type} }
        pollIntervalMs: 150
        timeoutMs: 5000
        onRefused: close
    steps:
      - { id: sprache, task: detect-language }
      - { id: zusammenfassung, task: summarise, sentences: 2 }
      - id: bewertung
        task: classify
        fallbackLabel: bewerten
        labels:
          archivwuerdig: [grundsatzangelegenheit, denkmalschutz, chronik]
          vernichten: [testdaten, massenakte]
    writeback:
      type: xta2
      baseUrl: ${baseUrl}
      identifier: { id: "${ARCHIVE.id}", type: ${ARCHIVE.type}, name: Landesarchiv }
      timeoutMs: 5000
      send:
        service: "${XDOMEA_NS}"
        businessScenario: XDOMEA_AUSSONDERUNG
        messageId: document
        contentDescription: KI-Bewertung
`;
}

/** Offers the container in the box as the authority sends it over XTA. */
function offer(standIn: Xta2StandIn, body: Buffer, filename = OFFER_FILE): string {
  return standIn.enqueueMessage({
    body,
    contentType: 'application/zip',
    filename,
    author: AUTHORITY,
    reader: ARCHIVE,
    service: XDOMEA_NS,
    businessScenario: 'XDOMEA_AUSSONDERUNG',
    messageType: { code: 'Aussonderung.Anbieteverzeichnis.0501', payloadSchema: XDOMEA_NS },
  });
}

describe('XTA 2 and xdomea end to end: an Anbieteverzeichnis from the message box, answered with a Bewertungsverzeichnis over XTA (whole middleware in-process)', () => {
  let standIn: Xta2StandIn;
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let queues: Record<QueueName, Queue> | undefined;
  let audit: AuditLog;
  /** When each stand-in call arrived, to order them against the core's records. */
  const arrivedAt = new WeakMap<Xta2Call, number>();

  const documentIdOf = (messageId: string) => deriveDocumentId(ROUTE, { correlationId: messageId, sha256: '' });
  const callsOf = (operation: string, messageId?: string) =>
    standIn.calls.filter((c) => {
      if (c.operation !== operation) return false;
      if (messageId === undefined) return true;
      if (operation === 'getMessage') return String(c.args?.MsgSelector?.MessageID) === messageId;
      if (operation === 'close') return [c.args?.LastMsgReceived].flat().map(String).includes(messageId);
      return false;
    });
  /** sendMessage calls answering `messageId` (their In-Reply-To). */
  const sendsFor = (messageId: string) => standIn.calls.filter((c) => c.operation === 'sendMessage' && JSON.stringify(c.headers?.MessageMetaData?.MsgIdentification ?? {}).includes(messageId));
  const sentFor = (messageId: string) => standIn.sent.filter((s) => s.metaDataXml.includes(`<oscimeta:In-Reply-To>${messageId}</oscimeta:In-Reply-To>`));

  async function settled(documentId: string): Promise<DocumentStatus> {
    return waitFor(
      `document ${documentId} completed`,
      async () => {
        const answer = await http<DocumentStatus>(`${running!.baseUrl}/api/v1/documents/${documentId}`);
        // Not there yet: the next poll of the box brings it.
        if (answer.status === 404) return undefined;
        if (answer.status !== 200) throw new Error(`status of ${documentId}: HTTP ${answer.status} ${answer.text}`);
        const s = answer.body;
        if (s.state === 'failed') throw new Error(`document failed: ${s.reason}`);
        return s.state === 'completed' ? s : undefined;
      },
      30_000,
    );
  }

  beforeAll(async () => {
    standIn = await startXta2StandIn();
    const push = standIn.calls.push.bind(standIn.calls);
    standIn.calls.push = (...calls: Xta2Call[]) => {
      for (const call of calls) arrivedAt.set(call, Date.now());
      return push(...calls);
    };
    installation = await testInstallation(routesYaml(standIn.baseUrl));
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    queues = openQueues(installation.config);
    audit = await AuditLog.open(installation.config.auditDatabaseUrl);
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      await closeQueues(queues);
      await audit?.close();
      await standIn?.close();
      disposeXsdSchemas();
      await removeInstallation(installation);
    }
  });

  let offerId: string;
  let documentId: string;

  it('takes the 0501 container in once from the box, with the XTA MessageID as correlation id and the author kept for the reply', async () => {
    offerId = offer(standIn, OFFER);
    documentId = documentIdOf(offerId);
    await waitFor('the offer closed at the box', () => standIn.box.get(offerId)!.closed, 20_000);

    const status = await settled(documentId);
    expect(status.document).toMatchObject({
      id: documentId,
      routeId: ROUTE,
      channel: 'source:xta2',
      correlationId: offerId,
      connector: 'xdomea',
      kind: 'container',
      contentType: 'application/zip',
      filename: OFFER_FILE,
      sizeBytes: OFFER.length,
      xoev: { processId: PROCESS_ID, messageTypeCode: '0501' },
      transport: {
        connector: 'xta2',
        meta: {
          messageId: offerId,
          sender: AUTHORITY.id,
          senderType: AUTHORITY.type,
          messageType: 'Aussonderung.Anbieteverzeichnis.0501',
          businessScenario: 'XDOMEA_AUSSONDERUNG',
        },
      },
    });
    // Addressing only: nothing of the document's content rides along with the transport facts.
    expect(Object.keys(status.document.transport!.meta).sort()).toEqual(['businessScenario', 'messageId', 'messageType', 'sender', 'senderType']);

    // Fetched once, closed once, and the close came only after the document was stored, audited and enqueued.
    expect(callsOf('getMessage', offerId)).toHaveLength(1);
    const closes = callsOf('close', offerId);
    expect(closes).toHaveLength(1);
    const [intakeJob] = await queues!.intake.getJobs(['completed', 'active', 'waiting', 'failed'], 0, 100).then((jobs) => jobs.filter((j) => j.id === `${documentId}.intake`));
    expect(intakeJob).toBeDefined();
    const accepted = (await audit.forDocument(documentId)).filter((r) => r.step === 'intake' && r.outcome === 'accepted');
    expect(accepted).toHaveLength(1);
    const closedAt = arrivedAt.get(closes[0]!)!;
    expect(closedAt).toBeGreaterThanOrEqual(intakeJob!.timestamp);
    expect(closedAt).toBeGreaterThanOrEqual(Date.parse(accepted[0]!.at));
    expect(callsOf('getMessage', offerId).map((c) => arrivedAt.get(c)!)[0]).toBeLessThanOrEqual(Date.parse(accepted[0]!.at));
  });

  it('runs the AI steps and sends exactly one 0502 Bewertungsverzeichnis, valid xdomea 3.0.0, to the offering authority as a reply', async () => {
    const status = await settled(documentId);
    expect(status.steps.map((s) => `${s.step}:${s.state}:${s.attempts}`)).toEqual(['intake:done:1', ...AI_STEPS.map((s) => `${s}:done:1`), 'writeback:done:1']);
    const classification = status.results.bewertung!.output as ClassificationOutput;
    // The offer's Akte and Vorgang are "Testdaten": the keywords mark them for destruction.
    expect(classification.label).toBe('vernichten');
    for (const step of AI_STEPS) expect(status.results[step]!.label).toMatchObject({ aiGenerated: true, provider: 'embedded' });

    await waitFor('the reply sent', () => sentFor(offerId).length > 0);
    expect(sendsFor(offerId)).toHaveLength(1);
    expect(standIn.sent).toHaveLength(1);
    const sent = standIn.sent[0]!;
    const replyId = documentMessageId(ROUTE, documentId);
    expect(sent.messageId).toBe(replyId);
    expect(status.writeback).toMatchObject({ target: 'xta2', state: 'done', location: `${replyId} (XTA, to ${AUTHORITY.type}:${AUTHORITY.id})` });

    // The MessageMetaData: valid OSCI, from the archive to the original author, In-Reply-To the offer, type 0502, same ProzessID.
    const metaSchema = await loadXsdSchema(path.join(CONTRACTS, 'xta2/3.1.1/OSCI_MessageMetaData_V2.02.xsd'));
    expect((await metaSchema.validate(sent.metaDataXml)).errors).toEqual([]);
    const meta = XmlDocument.fromString(sent.metaDataXml);
    try {
      const text = (xpath: string) => meta.get(xpath, NS)?.content;
      expect(text('/m:MessageMetaData/m:Originators/m:Author/m:Identifier')).toBe(ARCHIVE.id);
      expect(text('/m:MessageMetaData/m:Destinations/m:Reader/m:Identifier')).toBe(AUTHORITY.id);
      expect(text('/m:MessageMetaData/m:Destinations/m:Reader/m:Identifier/@type')).toBe(AUTHORITY.type);
      expect(text('/m:MessageMetaData/m:MsgIdentification/wsa:MessageID')).toBe(replyId);
      expect(meta.find('/m:MessageMetaData/m:MsgIdentification/m:In-Reply-To', NS).map((n) => n.content)).toEqual([offerId]);
      expect(text('/m:MessageMetaData/m:MsgIdentification/m:ProcessRef/m:Requester')).toBe(PROCESS_ID);
      expect(text('/m:MessageMetaData/m:Qualifier/m:MessageType/code')).toBe('Aussonderung.Bewertungsverzeichnis.0502');
      expect(text('/m:MessageMetaData/m:Qualifier/m:MessageType/@payloadSchema')).toBe(XDOMEA_NS);
      expect(text('/m:MessageMetaData/m:Qualifier/m:Service')).toBe(XDOMEA_NS);
    } finally {
      meta.dispose();
    }

    // The message: the 0502 in its container, as the 0501 came, valid against the vendored xdomea 3.0.0 XSD.
    const replyName = `${PROCESS_ID}_Aussonderung.Bewertungsverzeichnis.0502`;
    expect(sent.attributes).toMatchObject({ contentType: 'application/zip', filename: `${replyName}.zip`, contentDescription: 'KI-Bewertung', size: String(sent.body.length) });
    const entries = await readZipContainer(sent.body, ZIP_LIMITS);
    expect(entries.map((e) => e.name)).toEqual([`${replyName}.xml`]);
    const xml = entries[0]!.data;
    const xdomea = await loadXsdSchema(path.join(CONTRACTS, 'xdomea/3.0.0/xdomea_3.0.0/xdomea.xsd'), { roots: [path.join(CONTRACTS, 'xdomea/3.0.0')] });
    expect((await xdomea.validate(xml)).errors).toEqual([]);
    const reply = XmlDocument.fromString(xml.toString('utf8'));
    try {
      const x = { x: XDOMEA_NS };
      const root = '/x:Aussonderung.Bewertungsverzeichnis.0502';
      expect(reply.get(`${root}/x:Kopf/x:ProzessID`, x)?.content).toBe(PROCESS_ID);
      expect(reply.get(`${root}/x:Kopf/x:Nachrichtentyp/code`, x)?.content).toBe('0502');
      expect(reply.find(`${root}/x:BewertetesObjekt`, x)).toHaveLength(1);
      expect(reply.get(`${root}/x:BewertetesObjekt/x:ID`, x)?.content).toBe(OFFERED_AKTE);
      expect(reply.get(`${root}/x:BewertetesObjekt/x:Aussonderungsart/x:Aussonderungsart/code`, x)?.content).toBe('V');
      expect(reply.get(`${root}/x:Kopf/x:Hinweis`, x)?.content).toContain('KI-generierte Bewertung');
    } finally {
      reply.dispose();
    }
  });

  it('keeps an audit trail intake -> steps -> written-back', async () => {
    const trail = (await audit.forDocument(documentId)).map((r) => `${r.step}:${r.outcome}`);
    expect(trail).toEqual(['intake:accepted', 'intake:done', ...AI_STEPS.map((s) => `${s}:done`), 'writeback:written-back']);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('closes the offer again when the box offers it a second time, without taking it in again; later polls find nothing new', async () => {
    const jobsBefore = await totalJobs(queues!);
    standIn.reoffer(offerId);
    await waitFor('the re-offered message closed', () => callsOf('close', offerId).length === 2 && standIn.box.get(offerId)!.closed, 10_000);
    const polls = callsOf('getStatusList').length;
    await waitFor('two more polls', () => callsOf('getStatusList').length >= polls + 2, 10_000);

    expect(callsOf('getMessage', offerId)).toHaveLength(1);
    expect(standIn.openMessageIds()).toEqual([]);
    expect(callsOf('getMessage')).toHaveLength(1);
    expect(await totalJobs(queues!)).toEqual(jobsBefore);
    expect((await allJobIds(queues!.intake)).filter((id) => id.startsWith(documentId))).toEqual([`${documentId}.intake`]);
    expect((await audit.forDocument(documentId)).filter((r) => r.outcome === 'accepted')).toHaveLength(1);
    expect(standIn.sent).toHaveLength(1);
  });

  it('refuses a broken container offered over XTA: audited, nothing enqueued, closed at the box (onRefused: close), never fetched again', async () => {
    const jobsBefore = await totalJobs(queues!);
    const refusalsBefore = (await audit.forDocument('none')).length;
    const brokenId = offer(standIn, TRUNCATED, `${PROCESS_ID}_Aussonderung.Anbieteverzeichnis.0501.zip`);
    await waitFor('the broken message closed', () => standIn.box.get(brokenId)!.closed, 10_000);
    const polls = callsOf('getStatusList').length;
    await waitFor('two more polls', () => callsOf('getStatusList').length >= polls + 2, 10_000);

    const refusals = (await audit.forDocument('none')).slice(refusalsBefore);
    expect(refusals.map((r) => `${r.documentId} ${r.routeId} ${r.step} ${r.outcome}`)).toEqual([`none ${ROUTE} intake refused`]);
    expect(refusals[0]!.detail).toMatch(/^source:xta2: zip-corrupt: /);
    expect(await totalJobs(queues!)).toEqual(jobsBefore);
    expect((await http(`${running!.baseUrl}/api/v1/documents/${documentIdOf(brokenId)}`)).status).toBe(404);
    expect(callsOf('getMessage', brokenId)).toHaveLength(1);
    expect(callsOf('close', brokenId)).toHaveLength(1);
    expect(standIn.sent).toHaveLength(1);
  });

  it('retries the write-back when the XTA server fails sendMessage with a technical problem, and sends one message in the end', async () => {
    standIn.failNext('sendMessage', 'technical-problem');
    const secondId = offer(standIn, OFFER);
    const secondDoc = documentIdOf(secondId);
    const status = await settled(secondDoc);
    expect(status.steps.find((s) => s.step === 'writeback')).toMatchObject({ state: 'done', attempts: 2 });

    const attempts = sendsFor(secondId);
    expect(attempts.map((c) => c.failedWith ?? 'ok')).toEqual(['technical-problem', 'ok']);
    // messageId: document: the retry carries the MessageID of the failed attempt, so a receiver can tell a repetition.
    const ids = attempts.map((c) => String(c.headers.MessageMetaData.MsgIdentification.MessageID));
    expect(ids).toEqual([documentMessageId(ROUTE, secondDoc), documentMessageId(ROUTE, secondDoc)]);
    expect(sentFor(secondId)).toHaveLength(1);
    expect(standIn.sent).toHaveLength(2);

    const records = await audit.forDocument(secondDoc);
    const retrying = records.filter((r) => r.step === 'writeback' && r.outcome === 'retrying');
    expect(retrying).toHaveLength(1);
    expect(retrying[0]!.detail).toContain('XTAWSTechnicalProblemException');
    expect(records.filter((r) => r.outcome === 'written-back')).toHaveLength(1);
    expect(records.filter((r) => r.outcome === 'failed')).toHaveLength(0);
    expect(await allJobIds(queues!['dead-letter'])).toEqual([]);
  });

  it('after a restart, a message the box offers again is recognised as the same document: closed, not processed or answered again', async () => {
    await running!.close();
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    const accepted = () => audit.forDocument(documentId).then((records) => records.filter((r) => r.outcome === 'accepted').length);
    standIn.reoffer(offerId);
    await waitFor('the re-offered message closed after the restart', () => callsOf('close', offerId).length === 3 && standIn.box.get(offerId)!.closed, 15_000);

    // Fetched and delivered again (the new run cannot know it), and the core answered "duplicate".
    expect(callsOf('getMessage', offerId)).toHaveLength(2);
    expect(await accepted()).toBe(1);
    expect((await allJobIds(queues!.intake)).filter((id) => id.startsWith(documentId))).toEqual([`${documentId}.intake`]);
    expect((await getStatus(running.baseUrl, documentId)).state).toBe('completed');
    expect(sentFor(offerId)).toHaveLength(1);
    expect(standIn.sent).toHaveLength(2);
  });
});
