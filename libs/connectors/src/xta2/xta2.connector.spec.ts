import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { InputError, PermanentError, RetryableError, UnavailableError } from '@app/contracts';
import type { CanonicalDocument, Receipt, Route } from '@app/contracts';
import { startXta2StandIn, waitFor, type Xta2StandIn } from '@app/testing';
import { disposeXsdSchemas, loadXsdSchema } from '@app/xml';
import type { ConnectorContext, ConnectorResult, OutboundMessage, ReceivedMessage } from '../sdk/index.js';
import { xta2Connector } from './xta2.connector.js';
import { xta2OptionsSchema, type Xta2Options } from './xta2.options.js';

const CONTRACTS = fileURLToPath(new URL('../../../../contracts', import.meta.url));
const ROUTE = { id: 'xta-eingang' } as Route;

interface Notes {
  info: string[];
  warn: string[];
}

function context(raw: Record<string, unknown>, notes: Notes, maxBytes = 1_000_000): ConnectorContext<Xta2Options> {
  return Object.freeze({
    options: xta2OptionsSchema.parse(raw),
    route: ROUTE,
    contractsDir: CONTRACTS,
    configDir: os.tmpdir(),
    limits: { maxBytes, maxUnpackedBytes: maxBytes * 10, maxDepth: 256, maxAttributes: 256 },
    log: { info: (m: string) => notes.info.push(m), warn: (m: string) => notes.warn.push(m) },
  });
}

/** A deliver like the core's: stores each transportId once; a second delivery is answered as a duplicate. */
function coreLikeDeliver() {
  const documents = new Map<string, ReceivedMessage>();
  const calls: ReceivedMessage[] = [];
  const receipts: Receipt[] = [];
  const deliver = async (message: ReceivedMessage): Promise<Receipt> => {
    calls.push(message);
    const duplicate = documents.has(message.transportId);
    if (!duplicate) documents.set(message.transportId, message);
    const documentId = `doc-${[...documents.keys()].indexOf(message.transportId) + 1}`;
    const receipt: Receipt = { documentId, status: 'accepted', routeId: ROUTE.id, correlationId: message.transportId, duplicate, statusUrl: `/v1/documents/${documentId}` };
    receipts.push(receipt);
    return receipt;
  };
  return { deliver, calls, documents, receipts };
}

/** Receive loops still running: a failed test must not leave one polling behind it. */
const running = new Set<AbortController>();

/** Starts receive; `stop` aborts it and resolves with how long it took to return. */
function receiving(ctx: ConnectorContext<Xta2Options>, deliver: (m: ReceivedMessage) => Promise<Receipt>) {
  const controller = new AbortController();
  running.add(controller);
  const done = xta2Connector.receive!(deliver, ctx, controller.signal);
  // Awaited in stop(); this handler also keeps an early failure from counting as unhandled.
  done.then(
    () => running.delete(controller),
    () => running.delete(controller),
  );
  return {
    done,
    async stop(): Promise<number> {
      const started = Date.now();
      controller.abort();
      await done;
      return Date.now() - started;
    },
  };
}

const countOf = <T>(items: readonly T[], match: (item: T) => boolean) => items.filter(match).length;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('xta2Connector', () => {
  let standIn: Xta2StandIn;
  let notes: Notes;
  let source: Record<string, unknown>;

  beforeEach(async () => {
    standIn = await startXta2StandIn();
    notes = { info: [], warn: [] };
    source = { baseUrl: standIn.baseUrl, identifier: { id: 'ags:09162999' }, pollIntervalMs: 100, timeoutMs: 2000 };
  });
  afterEach(async () => {
    for (const controller of running) controller.abort();
    await standIn.close();
  });
  afterAll(() => disposeXsdSchemas());

  it('is the transport connector `xta2`, with receive and send and its own option schema', () => {
    expect(xta2Connector.name).toBe('xta2');
    expect(xta2Connector.kind).toBe('connector');
    expect(typeof xta2Connector.receive).toBe('function');
    expect(typeof xta2Connector.send).toBe('function');
    expect(xta2Connector.options).toBe(xta2OptionsSchema);
  });

  describe('receive', () => {
    it('takes every message in the box and closes each only after deliver resolved', async () => {
      const bodies = [0, 1, 2, 3, 4].map((i) => `<nachricht nr="${i}"/>`);
      const ids = bodies.map((body, i) => standIn.enqueueMessage({ body, contentType: 'text/xml; charset=utf-8', filename: `n${i}.xml` }));
      const core = coreLikeDeliver();
      const openDuringDeliver: boolean[] = [];
      const deliver = async (m: ReceivedMessage) => {
        openDuringDeliver.push(!standIn.box.get(m.transportId)!.closed);
        await pause(20);
        openDuringDeliver.push(!standIn.box.get(m.transportId)!.closed);
        return core.deliver(m);
      };
      // Two per poll and a long pause between polls: a full list must make the next poll follow at once.
      const run = receiving(context({ ...source, maxMessagesPerPoll: 2, pollIntervalMs: 60_000 }, notes), deliver);
      await waitFor('all five closed', () => standIn.closed.length === 5, 5000);
      await run.stop();

      expect(core.calls.map((m) => m.transportId)).toEqual(ids);
      expect(core.calls.map((m) => m.body.toString())).toEqual(bodies);
      expect(core.calls[0]).toMatchObject({ mediaType: 'text/xml', filename: 'n0.xml' });
      // The transport facts a reply needs travel with each message: its MessageID, author, type and scenario.
      expect(core.calls.map((m) => m.meta)).toEqual(
        ids.map((id) => ({ messageId: id, sender: 'ags:09162000', senderType: 'xoev', messageType: 'xdomea.0601', businessScenario: 'XDOMEAGAD_DATA' })),
      );
      expect(openDuringDeliver.every(Boolean)).toBe(true);
      expect(standIn.closed.map((c) => c.messageId)).toEqual(ids);
      // Per message: fetched, then (deliver), then closed, before the next is fetched.
      const msgBox = standIn.calls.filter((c) => c.operation !== 'getStatusList').map((c) => `${c.operation} ${String(c.operation === 'close' ? c.args.LastMsgReceived : c.args.MsgSelector.MessageID)}`);
      expect(msgBox).toEqual(ids.flatMap((id) => [`getMessage ${id}`, `close ${id}`]));
      expect(notes.warn).toEqual([]);
      expect(notes.info.filter((n) => n.includes('taken in as document'))).toHaveLength(5);
    });

    it('leaves a message open when deliver fails with RetryableError, and takes it at the next poll', async () => {
      const first = standIn.enqueueMessage({ body: '<a/>' });
      const second = standIn.enqueueMessage({ body: '<b/>' });
      const core = coreLikeDeliver();
      let redisDown = true;
      const deliver = async (m: ReceivedMessage) => {
        if (redisDown) {
          redisDown = false;
          expect(standIn.box.get(m.transportId)!.closed).toBe(false);
          throw new UnavailableError('Redis does not answer');
        }
        return core.deliver(m);
      };
      const run = receiving(context(source, notes), deliver);
      await waitFor('both closed', () => standIn.closed.length === 2, 5000);
      await run.stop();

      expect(core.calls.map((m) => m.transportId)).toEqual([first, second]);
      expect(standIn.closed.map((c) => c.messageId)).toEqual([first, second]);
      expect(notes.warn).toEqual([expect.stringContaining(`XTA message ${first} could not be taken in now (unavailable: Redis does not answer); left open`)]);
    });

    it('closes a message the route refuses (onRefused: close), reports it by code and never delivers it again', async () => {
      const bad = standIn.enqueueMessage({ body: '<kaputt' });
      const good = standIn.enqueueMessage({ body: '<gut/>' });
      const core = coreLikeDeliver();
      const deliver = async (m: ReceivedMessage) => {
        if (m.transportId === bad) throw new InputError('body is not well-formed XML: Max Mustermann, line 1', 'xml-not-well-formed', 422);
        return core.deliver(m);
      };
      const calls: string[] = [];
      const run = receiving(context(source, notes), (m) => {
        calls.push(m.transportId);
        return deliver(m);
      });
      await waitFor('both closed', () => standIn.closed.length === 2, 5000);
      const polls = countOf(standIn.calls, (c) => c.operation === 'getStatusList');
      await waitFor('three more polls', () => countOf(standIn.calls, (c) => c.operation === 'getStatusList') >= polls + 3, 5000);
      await run.stop();

      expect(countOf(calls, (id) => id === bad)).toBe(1);
      expect(standIn.box.get(bad)!.closed).toBe(true);
      expect(core.documents.has(good)).toBe(true);
      expect(notes.warn).toEqual([`XTA message ${bad} was refused by route (xml-not-well-formed); closed at the box`]);
      // The refusal's text may quote the document; operator notes carry only its code.
      expect(notes.warn.join()).not.toContain('Mustermann');
    });

    it('leaves a refused message in the box with onRefused: leave, skips it for the run, and tries it again after a restart', async () => {
      const bad = standIn.enqueueMessage({ body: '<kaputt' });
      const calls: string[] = [];
      const refuse = async (m: ReceivedMessage): Promise<Receipt> => {
        calls.push(m.transportId);
        throw new InputError('schema invalid', 'xsd-invalid', 422);
      };
      const ctx = context({ ...source, onRefused: 'leave' }, notes);
      let run = receiving(ctx, refuse);
      await waitFor('five polls', () => countOf(standIn.calls, (c) => c.operation === 'getStatusList') >= 5, 5000);
      await run.stop();
      expect(calls).toEqual([bad]);
      expect(standIn.box.get(bad)!.closed).toBe(false);
      expect(countOf(standIn.calls, (c) => c.operation === 'getMessage')).toBe(1);
      expect(notes.warn).toEqual([`XTA message ${bad} was refused by route (xsd-invalid); left in the box until an operator removes it`]);

      run = receiving(ctx, refuse);
      await waitFor('delivered again after the restart', () => calls.length === 2, 5000);
      await run.stop();
      expect(standIn.box.get(bad)!.closed).toBe(false);
    });

    it('delivers a message once per run when the box offers it twice (close failed, or offered again after close)', async () => {
      const id = standIn.enqueueMessage({ body: '<einmal/>' });
      standIn.failNext('close', 'technical-problem');
      const core = coreLikeDeliver();
      const run = receiving(context(source, notes), core.deliver);
      await waitFor('closed at the second try', () => standIn.closed.length === 1, 5000);
      expect(countOf(standIn.calls, (c) => c.operation === 'close')).toBe(2);

      standIn.reoffer(id);
      await waitFor('closed again after the re-offer', () => standIn.closed.length === 2, 5000);
      await run.stop();

      expect(core.calls.map((m) => m.transportId)).toEqual([id]);
      expect(countOf(standIn.calls, (c) => c.operation === 'getMessage')).toBe(1);
      expect(notes.warn).toEqual([expect.stringContaining(`XTA message ${id} was taken in but could not be closed (xta2-technical-problem`)]);
    });

    it('a message delivered again after a restart becomes the same document: taken in once', async () => {
      const id = standIn.enqueueMessage({ body: '<zweimal/>' });
      standIn.failNext('close', 'server-fault');
      const core = coreLikeDeliver();
      const ctx = context({ ...source, pollIntervalMs: 60_000 }, notes);
      let run = receiving(ctx, core.deliver);
      await waitFor('the close attempt', () => countOf(standIn.calls, (c) => c.operation === 'close') === 1, 5000);
      await run.stop();
      expect(standIn.box.get(id)!.closed).toBe(false);

      run = receiving(ctx, core.deliver);
      await waitFor('closed after the restart', () => standIn.closed.length === 1, 5000);
      await run.stop();

      expect(core.calls.map((m) => m.transportId)).toEqual([id, id]);
      expect(core.documents.size).toBe(1);
      expect(core.receipts.map((r) => [r.documentId, r.duplicate])).toEqual([
        ['doc-1', false],
        ['doc-1', true],
      ]);
      expect(notes.info).toContainEqual(`XTA message ${id} taken in as document doc-1 (a duplicate of one taken before)`);
    });

    it('leaves what it cannot take in the box and does not fetch it again: too large, encrypted, with attachments, refused for good', async () => {
      const tooLarge = standIn.enqueueMessage({ body: '<klein/>', listedSize: 5000 });
      const encrypted = standIn.enqueueMessage({ body: 'cipher', encrypted: true });
      const withAttachment = standIn.enqueueMessage({ body: '<m/>', attachments: [{ body: Buffer.from('pdf'), contentType: 'application/pdf' }] });
      const unroutable = standIn.enqueueMessage({ body: '<x/>' });
      const calls: string[] = [];
      const deliver = async (m: ReceivedMessage): Promise<Receipt> => {
        calls.push(m.transportId);
        throw new PermanentError('route xta-eingang has no pipeline', 'route-misconfigured');
      };
      const run = receiving(context(source, notes, 1000), deliver);
      await waitFor('five polls', () => countOf(standIn.calls, (c) => c.operation === 'getStatusList') >= 5, 5000);
      await run.stop();

      expect(calls).toEqual([unroutable]);
      expect(standIn.openMessageIds()).toEqual([tooLarge, encrypted, withAttachment, unroutable]);
      const fetches = (id: string) => countOf(standIn.calls, (c) => c.operation === 'getMessage' && c.args.MsgSelector.MessageID === id);
      expect([fetches(tooLarge), fetches(encrypted), fetches(withAttachment), fetches(unroutable)]).toEqual([0, 1, 1, 1]);
      expect(notes.warn).toEqual([
        `XTA message ${tooLarge} is 5000 bytes, more than the route's limit of 1000; left in the box and skipped until the next start`,
        `XTA message ${encrypted} is end-to-end encrypted (xenc:EncryptedData), which Schnittstelle cannot read; left in the box and skipped until the next start`,
        `XTA message ${withAttachment} carries 1 attachment(s) besides the message; the xta2 source takes single-part messages only; left in the box and skipped until the next start`,
        `XTA message ${unroutable} cannot be taken in (route-misconfigured: route xta-eingang has no pipeline); left in the box and skipped until the next start`,
      ]);
    });

    it('says once when messages left in the box fill the whole status list and keep newer ones from it', async () => {
      const tooLarge = [1, 2].map(() => standIn.enqueueMessage({ body: '<a/>', listedSize: 5000 }));
      const waiting = standIn.enqueueMessage({ body: '<b/>' });
      const core = coreLikeDeliver();
      const run = receiving(context({ ...source, maxMessagesPerPoll: 2 }, notes, 1000), core.deliver);
      await waitFor('five polls', () => countOf(standIn.calls, (c) => c.operation === 'getStatusList') >= 5, 5000);
      expect(core.calls).toEqual([]);
      expect(notes.warn.filter((n) => n.startsWith('XTA status list holds only messages left in the box (2)'))).toHaveLength(1);

      // Once an operator removes them, the waiting message is taken.
      for (const id of tooLarge) standIn.box.get(id)!.closed = true;
      await waitFor('the waiting message closed', () => standIn.box.get(waiting)!.closed, 5000);
      await run.stop();
      expect(core.calls.map((m) => m.transportId)).toEqual([waiting]);
    });

    it('sets a message aside after three failed fetches instead of retrying it forever', async () => {
      const stuck = standIn.enqueueMessage({ body: '<a/>' });
      standIn.failNext('getMessage', 'technical-problem', 3);
      const core = coreLikeDeliver();
      const run = receiving(context(source, notes), core.deliver);
      await waitFor('set aside', () => notes.warn.some((n) => n.includes('failed to fetch 3 times')), 5000);
      const fetchesBefore = countOf(standIn.calls, (c) => c.operation === 'getMessage');
      await waitFor('three more polls', () => countOf(standIn.calls, (c) => c.operation === 'getStatusList') >= 7, 5000);
      await run.stop();
      expect(fetchesBefore).toBe(3);
      expect(countOf(standIn.calls, (c) => c.operation === 'getMessage')).toBe(3);
      expect(core.calls).toEqual([]);
      expect(standIn.box.get(stuck)!.closed).toBe(false);
    });

    it('reports a failing box once, keeps polling, and takes the messages when it answers again', async () => {
      const id = standIn.enqueueMessage({ body: '<a/>' });
      standIn.failNext('getStatusList', 'technical-problem', 3);
      const core = coreLikeDeliver();
      const run = receiving(context(source, notes), core.deliver);
      await waitFor('closed', () => standIn.closed.length === 1, 5000);
      await run.stop();
      expect(core.calls.map((m) => m.transportId)).toEqual([id]);
      expect(notes.warn).toHaveLength(1);
      expect(notes.warn[0]).toMatch(/^XTA poll failed: xta2-technical-problem: .*XTAWSTechnicalProblemException/);
      expect(notes.info).toContain('XTA message box answers again');
    });

    it('stops promptly when aborted: during a call that hangs, between polls, and after a deliver in progress', async () => {
      standIn.failNext('getStatusList', 'hang');
      let run = receiving(context({ ...source, timeoutMs: 30_000 }, notes), coreLikeDeliver().deliver);
      await waitFor('the hanging call', () => standIn.calls.length === 1, 5000);
      expect(await run.stop()).toBeLessThan(500);

      run = receiving(context({ ...source, pollIntervalMs: 600_000 }, notes), coreLikeDeliver().deliver);
      await waitFor('one poll', () => standIn.calls.length === 2, 5000);
      await pause(50);
      expect(await run.stop()).toBeLessThan(500);

      const id = standIn.enqueueMessage({ body: '<langsam/>' });
      let release!: () => void;
      const core = coreLikeDeliver();
      run = receiving(context(source, notes), async (m) => {
        await new Promise<void>((resolve) => (release = resolve));
        return core.deliver(m);
      });
      await waitFor('deliver in progress', () => release !== undefined, 5000);
      const stopping = run.stop();
      release();
      expect(await stopping).toBeLessThan(500);
      // Taken in but not closed: the next start delivers it again and the core recognises it.
      expect(core.documents.has(id)).toBe(true);
      expect(standIn.box.get(id)!.closed).toBe(false);
      expect(notes.warn).toEqual([]);
    });

    it('refuses to start without a MsgBoxPort address', async () => {
      const ctx = context({ endpoints: { send: standIn.endpoints.send }, identifier: { id: 'ags:1' } }, notes);
      await expect(xta2Connector.receive!(coreLikeDeliver().deliver, ctx, new AbortController().signal)).rejects.toMatchObject({ code: 'xta2-config' });
    });
  });

  describe('send', () => {
    const document = { id: 'doc-77', routeId: ROUTE.id } as CanonicalDocument;
    const result: ConnectorResult = { document, status: {} as ConnectorResult['status'], body: Buffer.from('<original/>'), writtenAt: '2026-11-27T12:00:00.000Z' };
    const message = (meta?: Record<string, string>): OutboundMessage => ({
      body: Buffer.from('<xdomea:FVDaten.Antwort.0602 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">ä</xdomea:FVDaten.Antwort.0602>'),
      mediaType: 'application/xml',
      filename: 'antwort.xml',
      ...(meta ? { meta } : {}),
    });
    let writeback: Record<string, unknown>;
    beforeEach(() => {
      writeback = {
        baseUrl: standIn.baseUrl,
        identifier: { id: 'ags:09162999', name: 'Schnittstelle Musterstadt' },
        timeoutMs: 1000,
        send: {
          reader: { id: 'ags:09162000', category: 'Fachverfahren' },
          service: 'urn:xoev-de:xdomea:schema:3.0.0',
          businessScenario: { code: 'XDOMEAGAD_DATA', listUri: 'urn:de:xta:codeliste:business.scenario', listVersionId: '1' },
          messageType: { code: 'xdomea.0601', payloadSchema: 'urn:xoev-de:xdomea:schema:3.0.0' },
          subject: 'Ergebnis',
          testMessage: true,
          contentDescription: 'KI-Auswertung',
        },
      };
    });

    it('sends the results with a MessageMetaData header built from the route and message.meta, valid against the OSCI schema', async () => {
      const receipt = await xta2Connector.send!(
        message({ messageType: 'xdomea.0602', inReplyTo: 'urn:de:xta:messageid:in:1', processId: 'a3f0c1de-0000-4000-8000-000000000001', subject: 'Antwort zu Vorgang 42', recipient: 'ags:elsewhere' }),
        result,
        context(writeback, notes),
      );
      expect(standIn.sent).toHaveLength(1);
      const sent = standIn.sent[0]!;
      const messageId = standIn.issuedMessageIds[0]!;
      expect(sent.messageId).toBe(messageId);
      expect(receipt.location).toBe(`${messageId} (XTA, to xoev:ags:09162000)`);

      const xsd = await loadXsdSchema(`${CONTRACTS}/xta2/3.1.1/OSCI_MessageMetaData_V2.02.xsd`);
      expect(xsd.validate(sent.metaDataXml).errors).toEqual([]);
      const xml = sent.metaDataXml;
      expect(xml).toContain('TestMsg="true"');
      expect(xml).toContain('<oscimeta:Origin>2026-11-27T12:00:00.000Z</oscimeta:Origin>');
      expect(xml).toContain('<oscimeta:Author><oscimeta:Identifier type="xoev" name="Schnittstelle Musterstadt">ags:09162999</oscimeta:Identifier></oscimeta:Author>');
      // The route's reader wins over the one the message suggests.
      expect(xml).toContain('<oscimeta:Reader><oscimeta:Identifier type="xoev" category="Fachverfahren">ags:09162000</oscimeta:Identifier></oscimeta:Reader>');
      expect(xml).not.toContain('ags:elsewhere');
      expect(xml).toContain(`<wsa:MessageID>${messageId}</wsa:MessageID><oscimeta:In-Reply-To>urn:de:xta:messageid:in:1</oscimeta:In-Reply-To>`);
      expect(xml).toContain('<oscimeta:ProcessRef><oscimeta:Requester>a3f0c1de-0000-4000-8000-000000000001</oscimeta:Requester></oscimeta:ProcessRef>');
      expect(xml).toContain('<oscimeta:Subject>Antwort zu Vorgang 42</oscimeta:Subject><oscimeta:Service>urn:xoev-de:xdomea:schema:3.0.0</oscimeta:Service>');
      expect(xml).toContain('<oscimeta:Defined listURI="urn:de:xta:codeliste:business.scenario" listVersionID="1"><code>XDOMEAGAD_DATA</code></oscimeta:Defined>');
      // The message's own type wins over the route's default.
      expect(xml).toContain('<oscimeta:MessageType listURI="urn:de:payloadSchema:elementName" listVersionID="1.0" payloadSchema="urn:xoev-de:xdomea:schema:3.0.0"><code>xdomea.0602</code></oscimeta:MessageType>');
      expect(xml).toContain(`<oscimeta:MsgSize>${message().body.length}</oscimeta:MsgSize>`);
      expect(sent.metaData.Qualifier.Service).toBe('urn:xoev-de:xdomea:schema:3.0.0');

      expect(sent.body.equals(message().body)).toBe(true);
      expect(sent.attributes).toEqual({ contentType: 'application/xml', filename: 'antwort.xml', contentDescription: 'KI-Auswertung', size: String(message().body.length) });
      const call = standIn.calls.find((c) => c.operation === 'sendMessage')!;
      expect(call.wsa).toMatchObject({ action: 'http://www.xta.de/XTA/SendMessage', to: standIn.endpoints.send });
    });

    it('takes the reader from message.meta only when the route names none, and refuses a send without message type before calling', async () => {
      const { reader: _reader, ...withoutReader } = writeback['send'] as Record<string, unknown>;
      await xta2Connector.send!(message({ recipient: 'ags:01001000', recipientType: 'dvdv' }), result, context({ ...writeback, send: withoutReader }, notes));
      expect(standIn.sent[0]!.metaDataXml).toContain('<oscimeta:Reader><oscimeta:Identifier type="dvdv">ags:01001000</oscimeta:Identifier></oscimeta:Reader>');

      const calls = standIn.calls.length;
      await expect(xta2Connector.send!(message(), result, context({ ...writeback, send: withoutReader }, notes))).rejects.toMatchObject({
        name: 'PermanentError',
        code: 'xta2-metadata-invalid',
        message: expect.stringContaining('no reader'),
      });
      const untyped = { ...(writeback['send'] as Record<string, unknown>), messageType: {} };
      await expect(xta2Connector.send!(message(), result, context({ ...writeback, send: untyped }, notes))).rejects.toMatchObject({
        code: 'xta2-metadata-invalid',
        message: expect.stringContaining('`send.messageType.code` and `send.messageType.payloadSchema`'),
      });
      // The server is asked for a MessageID only for what can be sent.
      expect(standIn.calls.slice(calls).map((c) => c.operation)).toEqual(['createMessageId', 'createMessageId']);
      expect(standIn.sent).toHaveLength(1);
    });

    it('answers a document an xta2 source fetched: to its author when the route names no reader, In-Reply-To its MessageID', async () => {
      const { reader: _reader, ...withoutReader } = writeback['send'] as Record<string, unknown>;
      const transport = { connector: 'xta2', meta: { messageId: 'urn:de:xta:messageid:in:7', sender: 'ags:05315000', senderType: 'dvdv', messageType: 'xdomea.0601' } };
      const fetched: ConnectorResult = { ...result, document: { ...document, transport } };
      // The author of the received message wins over a recipient the format connector read from the content.
      await xta2Connector.send!(message({ recipient: 'ags:elsewhere', inReplyTo: 'urn:de:xta:messageid:in:6' }), fetched, context({ ...writeback, send: withoutReader }, notes));
      const xml = standIn.sent[0]!.metaDataXml;
      expect(xml).toContain('<oscimeta:Reader><oscimeta:Identifier type="dvdv">ags:05315000</oscimeta:Identifier></oscimeta:Reader>');
      expect(xml).not.toContain('ags:elsewhere');
      expect(xml).toContain('<oscimeta:In-Reply-To>urn:de:xta:messageid:in:7</oscimeta:In-Reply-To><oscimeta:In-Reply-To>urn:de:xta:messageid:in:6</oscimeta:In-Reply-To>');

      // The route's reader still wins; the reply still names the message it answers.
      await xta2Connector.send!(message(), fetched, context(writeback, notes));
      expect(standIn.sent[1]!.metaDataXml).toContain('<oscimeta:Reader><oscimeta:Identifier type="xoev" category="Fachverfahren">ags:09162000</oscimeta:Identifier></oscimeta:Reader>');
      expect(standIn.sent[1]!.metaDataXml).toContain('<oscimeta:In-Reply-To>urn:de:xta:messageid:in:7</oscimeta:In-Reply-To>');

      // Facts another transport recorded are no XTA identifiers: neither reader nor In-Reply-To.
      const other: ConnectorResult = { ...result, document: { ...document, transport: { ...transport, connector: 'postfach' } } };
      await expect(xta2Connector.send!(message(), other, context({ ...writeback, send: withoutReader }, notes))).rejects.toMatchObject({ code: 'xta2-metadata-invalid', message: expect.stringContaining('no reader') });
      await xta2Connector.send!(message(), other, context(writeback, notes));
      expect(standIn.sent[2]!.metaDataXml).not.toContain('In-Reply-To');
      expect(standIn.sent).toHaveLength(3);
    });

    it('with messageId: document, gives every attempt for one document the same MessageID without asking the server', async () => {
      const ctx = context({ ...writeback, send: { ...(writeback['send'] as object), messageId: 'document' } }, notes);
      standIn.failNext('sendMessage', 'technical-problem');
      await expect(xta2Connector.send!(message(), result, ctx)).rejects.toBeInstanceOf(RetryableError);
      await xta2Connector.send!(message(), result, ctx);
      await xta2Connector.send!(message(), { ...result, document: { ...document, id: 'doc-78' } }, ctx);
      const attempts = standIn.calls.filter((c) => c.operation === 'sendMessage').map((c) => String(c.headers.MessageMetaData.MsgIdentification.MessageID));
      expect(attempts).toHaveLength(3);
      expect(attempts[1]).toBe(attempts[0]);
      expect(attempts[2]).not.toBe(attempts[0]);
      expect(standIn.sent.map((s) => s.messageId)).toEqual([attempts[0], attempts[2]]);
      expect(standIn.sent[0]!.messageId).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(standIn.issuedMessageIds).toEqual([]);
    });

    it('maps what the XTA server answers to PermanentError or RetryableError', async () => {
      const ctx = context(writeback, notes);
      const cases: Array<[Parameters<Xta2StandIn['failNext']>[1], string, string]> = [
        ['permission-denied', 'PermanentError', 'xta2-permission-denied'],
        ['schema-violation', 'PermanentError', 'xta2-schema-violation'],
        ['parameter-invalid', 'PermanentError', 'xta2-parameter-invalid'],
        ['client-fault', 'PermanentError', 'soap-client-fault'],
        ['technical-problem', 'RetryableError', 'xta2-technical-problem'],
        ['server-fault', 'RetryableError', 'soap-server-fault'],
        ['http-500', 'RetryableError', 'soap-server-fault'],
        ['hang', 'RetryableError', 'timeout'],
      ];
      for (const [kind, name, code] of cases) {
        standIn.failNext('sendMessage', kind);
        await expect(xta2Connector.send!(message(), result, ctx)).rejects.toMatchObject({ name, code });
      }
      // createMessageId failing stops the send before anything goes out.
      standIn.failNext('createMessageId', 'permission-denied');
      await expect(xta2Connector.send!(message(), result, ctx)).rejects.toMatchObject({ name: 'PermanentError', code: 'xta2-permission-denied' });
      expect(standIn.sent).toEqual([]);
    });

    it('refuses a route without send options or without a SendXtaPort address', async () => {
      const { send: _send, ...noSend } = writeback;
      await expect(xta2Connector.send!(message(), result, context(noSend, notes))).rejects.toMatchObject({ code: 'xta2-config' });
      const { baseUrl: _baseUrl, ...noBase } = writeback;
      await expect(xta2Connector.send!(message(), result, context({ ...noBase, endpoints: { msgBox: standIn.endpoints.msgBox } }, notes))).rejects.toMatchObject({
        code: 'xta2-config',
        message: expect.stringContaining('SendXtaPort'),
      });
    });
  });
});
