import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { PermanentError, RetryableError } from '@app/contracts';
import { freePort, startXta2StandIn, xta2WsdlPath, type Xta2StandIn } from '@app/testing';
import { Xta2Client } from './xta2.client.js';

const account = { id: 'ags:09162999', type: 'xoev' };

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to fail');
}

describe('Xta2Client against the XTA 2 stand-in', () => {
  let standIn: Xta2StandIn;
  let client: Xta2Client;

  beforeAll(async () => {
    standIn = await startXta2StandIn();
    client = await Xta2Client.create({ wsdlPath: xta2WsdlPath(), endpoints: standIn.endpoints, timeoutMs: 1500 });
  });
  afterAll(async () => {
    client.dispose();
    await standIn.close();
  });
  beforeEach(() => {
    for (const id of standIn.openMessageIds()) standIn.box.get(id)!.closed = true;
    standIn.mtom = false;
  });

  it('sends the WS-Addressing headers and the Author the WSDL asks for, on every port', async () => {
    const before = standIn.calls.length;
    await client.getStatusList(account, 5);
    await client.checkAccountActive(account);
    const issued = await client.createMessageId(account);
    const calls = standIn.calls.slice(before);
    expect(calls.map((c) => [c.port, c.operation, c.failedWith])).toEqual([
      ['MsgBoxPort', 'getStatusList', undefined],
      ['ManagementPort', 'checkAccountActive', undefined],
      ['ManagementPort', 'createMessageId', undefined],
    ]);
    expect(calls[0]!.wsa).toEqual({
      action: 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest',
      messageId: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      to: standIn.endpoints.msgBox,
      replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
    });
    expect(calls[1]!.wsa.action).toBe('http://www.xta.de/XTA/CheckAccountActive');
    expect(calls[1]!.action).toBe('http://www.xta.de/XTA/CheckAccountActive');
    expect(new Set(calls.map((c) => c.wsa.messageId)).size).toBe(3);
    expect(calls.every((c) => c.author?.id === account.id && c.author.type === 'xoev')).toBe(true);
    expect(issued).toBe(standIn.issuedMessageIds.at(-1));
  });

  it('lists the box with each message`s MessageID, size and metadata, at most maxItems at a time', async () => {
    const ids = [0, 1, 2].map((i) => standIn.enqueueMessage({ body: `<n>${i}</n>`, author: { id: 'ags:0100', type: 'xoev' } }));
    const first = await client.getStatusList(account, 2);
    expect(first.entries.map((e) => e.messageId)).toEqual(ids.slice(0, 2));
    expect(first.itemsPending).toBe(1);
    expect(first.requestId).toMatch(/^urn:uuid:/);
    expect(first.entries[0]!.sizeBytes).toBe(8);
    expect(first.entries[0]!.metaData).toMatchObject({
      author: { id: 'ags:0100', type: 'xoev' },
      service: 'urn:xoev-de:xdomea:schema:3.0.0',
      businessScenario: 'XDOMEAGAD_DATA',
      messageType: { code: 'xdomea.0601', payloadSchema: 'urn:xoev-de:xdomea:schema:3.0.0' },
    });
    for (const id of ids) standIn.box.get(id)!.closed = true;
    const empty = await client.getStatusList(account, 2);
    expect(empty.entries).toEqual([]);
    expect(empty.noMessageAvailable).toBe('http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/NoMatch');
  });

  it('fetches a message byte for byte, with its declared type and name, and closes it under the fetch`s request id', async () => {
    const body = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'), Buffer.from([0xe4, 0xf6, 0xfc, 0x00, 0xff]), Buffer.from('</a>')]);
    const id = standIn.enqueueMessage({ body, contentType: 'application/xml', filename: 'Antrag_42.xml' });
    const fetched = await client.getMessage(account, id);
    expect(fetched.content.kind).toBe('plain');
    if (fetched.content.kind !== 'plain') return;
    expect(fetched.content.message.body.equals(body)).toBe(true);
    expect(fetched.content.message).toMatchObject({ contentType: 'application/xml', filename: 'Antrag_42.xml' });
    expect(fetched.metaData?.messageId).toBe(id);
    expect(standIn.box.get(id)!.closed).toBe(false);

    await client.close(account, id, fetched.requestId);
    expect(standIn.closed.at(-1)).toEqual({ messageId: id, requestId: fetched.requestId });
    expect(standIn.box.get(id)!.closed).toBe(true);
  });

  it('reads attachments, and an MTOM answer whose parts travel outside the envelope', async () => {
    const message = randomBytes(70_000);
    const attachment = randomBytes(1000);
    const id = standIn.enqueueMessage({ body: message, contentType: 'application/zip', filename: 'x.zip', attachments: [{ body: attachment, contentType: 'application/pdf', filename: 'a.pdf' }] });
    standIn.mtom = true;
    const fetched = await client.getMessage(account, id);
    expect(standIn.calls.at(-1)!.mtomParts).toBe(2);
    if (fetched.content.kind !== 'plain') throw new Error('expected plain content');
    expect(fetched.content.message.body.equals(message)).toBe(true);
    expect(fetched.content.attachments).toHaveLength(1);
    expect(fetched.content.attachments[0]!.body.equals(attachment)).toBe(true);
    expect(fetched.content.attachments[0]).toMatchObject({ contentType: 'application/pdf', filename: 'a.pdf' });
  });

  it('tells an end-to-end encrypted message apart', async () => {
    const id = standIn.enqueueMessage({ body: 'cipher', encrypted: true });
    expect((await client.getMessage(account, id)).content).toEqual({ kind: 'encrypted' });
  });

  it('sends a message with its MessageMetaData header and the content base64-encoded', async () => {
    const header = '<oscimeta:MessageMetaData xmlns:oscimeta="http://www.osci.eu/ws/2014/10/transport" xmlns:wsa="http://www.w3.org/2005/08/addressing"><oscimeta:MsgIdentification><wsa:MessageID>urn:x:1</wsa:MessageID></oscimeta:MsgIdentification></oscimeta:MessageMetaData>';
    const body = Buffer.from('<ergebnis>ä</ergebnis>');
    await client.sendMessage(header, { body, contentType: 'text/xml', filename: 'ergebnis.xml', description: 'KI-Auswertung' });
    const sent = standIn.sent.at(-1)!;
    expect(sent.messageId).toBe('urn:x:1');
    expect(sent.metaDataXml).toBe(header);
    expect(sent.body.equals(body)).toBe(true);
    expect(sent.attributes).toEqual({ contentType: 'text/xml', filename: 'ergebnis.xml', contentDescription: 'KI-Auswertung', size: String(body.length) });
  });

  it('maps XTA exceptions, bare faults and HTTP errors to the right error class', async () => {
    standIn.failNext('getStatusList', 'permission-denied');
    expect(await rejection(client.getStatusList(account, 1))).toMatchObject({ name: 'PermanentError', code: 'xta2-permission-denied' });
    standIn.failNext('getStatusList', 'technical-problem');
    expect(await rejection(client.getStatusList(account, 1))).toMatchObject({ name: 'RetryableError', code: 'xta2-technical-problem' });
    standIn.failNext('sendMessage', 'schema-violation');
    expect(await rejection(client.sendMessage('<x/>', { body: Buffer.from('a'), contentType: 'text/plain' }))).toMatchObject({ code: 'xta2-schema-violation' });
    standIn.failNext('close', 'client-fault');
    expect(await rejection(client.close(account, 'urn:x', undefined))).toBeInstanceOf(PermanentError);
    standIn.failNext('createMessageId', 'server-fault');
    expect(await rejection(client.createMessageId(account))).toBeInstanceOf(RetryableError);
    standIn.failNext('checkAccountActive', 'http-500');
    expect(await rejection(client.checkAccountActive(account))).toMatchObject({ name: 'RetryableError', code: 'soap-server-fault' });
    expect(await rejection(client.getMessage(account, 'urn:never:there'))).toMatchObject({ name: 'PermanentError', code: 'xta2-invalid-message-id' });
  });

  it('gives up on a server that does not answer after timeoutMs, as something that may pass', async () => {
    standIn.failNext('getStatusList', 'hang');
    const started = Date.now();
    const error = await rejection(client.getStatusList(account, 1));
    expect(error).toMatchObject({ name: 'RetryableError', code: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops a call at once when its signal aborts, with the abort reason rather than a mapped error', async () => {
    standIn.failNext('getStatusList', 'hang');
    const controller = new AbortController();
    const started = Date.now();
    const pending = rejection(client.getStatusList(account, 1, controller.signal));
    setTimeout(() => controller.abort(), 50);
    const error = await pending;
    expect(error.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports an unreachable server as something that may pass, and a port without address as permanent', async () => {
    const port = await freePort();
    const offline = await Xta2Client.create({ wsdlPath: xta2WsdlPath(), endpoints: { msgBox: `http://127.0.0.1:${port}/xta/MsgBoxPort` }, timeoutMs: 1000 });
    expect(await rejection(offline.getStatusList(account, 1))).toMatchObject({ name: 'RetryableError', code: 'unreachable' });
    expect(await rejection(offline.createMessageId(account))).toMatchObject({ name: 'PermanentError', code: 'xta2-no-endpoint' });
  });

  it('refuses a WSDL it cannot read as a permanent problem', async () => {
    expect(await rejection(Xta2Client.create({ wsdlPath: '/nonexistent/XTA.wsdl', endpoints: {}, timeoutMs: 1000 }))).toMatchObject({ code: 'wsdl-unreadable' });
  });
});
