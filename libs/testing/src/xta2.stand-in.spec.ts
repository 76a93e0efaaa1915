import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { disposeXsdSchemas, loadXsdSchema } from '@app/xml';
import { startXta2StandIn, type Xta2StandIn } from './xta2.stand-in.js';

const METADATA_XSD = fileURLToPath(new URL('../../../contracts/xta2/3.1.1/OSCI_MessageMetaData_V2.02.xsd', import.meta.url));
const STATUS_LIST_ACTION = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest';
const FETCH_ACTION = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxFetchRequest';
const CLOSE_ACTION = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxCloseRequest';
const AUTHOR = '<m:Author xmlns:m="http://www.osci.eu/ws/2014/10/transport"><m:Identifier type="xoev">ags:1</m:Identifier></m:Author>';

/** A SOAP 1.2 request written by hand, so the stand-in is checked without the client under test. */
async function post(url: string, action: string | undefined, body: string, opts: { addressing?: boolean; headers?: string } = {}) {
  const wsa = opts.addressing === false ? '' : `<a:Action xmlns:a="http://www.w3.org/2005/08/addressing">${action}</a:Action><a:MessageID xmlns:a="http://www.w3.org/2005/08/addressing">urn:uuid:${randomUUID()}</a:MessageID>`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': `application/soap+xml; charset=utf-8${action ? `; action="${action}"` : ''}` },
    body: `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${wsa}${opts.headers ?? AUTHOR}</s:Header><s:Body>${body}</s:Body></s:Envelope>`,
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

describe('XTA 2 stand-in', () => {
  let standIn: Xta2StandIn;
  beforeEach(async () => {
    standIn = await startXta2StandIn();
  });
  afterEach(() => standIn.close());
  afterAll(() => disposeXsdSchemas());

  it('serves the WSDL with each port at its own address', async () => {
    const wsdl = await (await fetch(`${standIn.endpoints.send}?wsdl`)).text();
    expect(wsdl).not.toContain('REPLACE_WITH_ACTUAL_URL');
    for (const [port, url] of [['MsgBoxPort', standIn.endpoints.msgBox], ['SendXtaPort', standIn.endpoints.send], ['ManagementPort', standIn.endpoints.management]]) {
      expect(wsdl).toMatch(new RegExp(`<port name="${port}"[^>]*>\\s*<soap:address location="${url}"`));
    }
  });

  it('lists, delivers and closes a message with the headers XTA defines, and lists valid OSCI metadata', async () => {
    const id = standIn.enqueueMessage({ body: '<a>ä</a>', filename: 'a.xml' });
    standIn.enqueueMessage({ body: '<b/>' });

    const list = await post(standIn.endpoints.msgBox, STATUS_LIST_ACTION, '<o:MsgBoxStatusListRequest xmlns:o="http://www.osci.eu/ws/2008/05/transport" maxListItems="1" ListForm="MessageMetaData"/>');
    expect(list.status).toBe(200);
    expect(list.text).toMatch(/<osci:MsgBoxResponse [^>]*MsgBoxRequestID="urn:uuid:[^"]+"><osci:ItemsPending>1<\/osci:ItemsPending><\/osci:MsgBoxResponse>/);
    const metaData = /<oscimeta:MessageMetaData[\s\S]*?<\/oscimeta:MessageMetaData>/.exec(list.text)![0];
    expect(metaData).toContain(`<wsa:MessageID>${id}</wsa:MessageID>`);
    const xsd = await loadXsdSchema(METADATA_XSD);
    expect(xsd.validate(metaData).errors).toEqual([]);

    const fetched = await post(
      standIn.endpoints.msgBox,
      FETCH_ACTION,
      `<o:MsgBoxFetchRequest xmlns:o="http://www.osci.eu/ws/2008/05/transport"><o:MsgSelector><a:MessageID xmlns:a="http://www.w3.org/2005/08/addressing">${id}</a:MessageID></o:MsgSelector></o:MsgBoxFetchRequest>`,
    );
    expect(fetched.status).toBe(200);
    expect(fetched.text).toContain(`>${Buffer.from('<a>ä</a>').toString('base64')}<`);
    expect(fetched.text).toMatch(/<xta:Message[^>]*contentType="text\/xml"/);
    const requestId = /MsgBoxRequestID="([^"]+)"/.exec(fetched.text)![1]!;
    expect(standIn.box.get(id)!.fetches).toBe(1);
    expect(standIn.openMessageIds()).toContain(id);

    const closed = await post(
      standIn.endpoints.msgBox,
      CLOSE_ACTION,
      `<o:MsgBoxCloseRequest xmlns:o="http://www.osci.eu/ws/2008/05/transport" MsgBoxRequestID="${requestId}"><o:LastMsgReceived>${id}</o:LastMsgReceived></o:MsgBoxCloseRequest>`,
    );
    expect(closed.status).toBe(200);
    expect(closed.text).toMatch(/<env:Body\/>/);
    expect(standIn.closed).toEqual([{ messageId: id, requestId }]);
    expect(standIn.openMessageIds()).not.toContain(id);

    standIn.reoffer(id);
    expect(standIn.openMessageIds()).toContain(id);
  });

  it('refuses requests the WSDL does not allow: no action, no WS-Addressing, a body on an EmptyBody operation', async () => {
    const request = '<o:MsgBoxStatusListRequest xmlns:o="http://www.osci.eu/ws/2008/05/transport"/>';
    const noAddressing = await post(standIn.endpoints.msgBox, STATUS_LIST_ACTION, request, { addressing: false });
    expect(noAddressing.status).toBe(400);
    expect(noAddressing.text).toContain('<env:Value>env:Sender</env:Value>');
    expect(noAddressing.text).toContain('WS-Addressing headers Action and MessageID are required');

    const wrongAction = await post(standIn.endpoints.msgBox, 'http://www.xta.de/XTA/SendMessage', request);
    expect(wrongAction.status).toBe(400);
    expect(wrongAction.text).toContain('MsgBoxPort has no operation with the action http://www.xta.de/XTA/SendMessage');

    const bodyOnEmpty = await post(standIn.endpoints.management, 'http://www.xta.de/XTA/CheckAccountActive', '<EmptyBody/>');
    expect(bodyOnEmpty.status).toBe(400);
    expect(bodyOnEmpty.text).toContain('checkAccountActive takes an empty Body');
    const empty = await post(standIn.endpoints.management, 'http://www.xta.de/XTA/CheckAccountActive', '');
    expect(empty.status).toBe(200);

    expect(standIn.calls.map((c) => [c.operation, c.failedWith])).toEqual([
      ['getStatusList', 'refused'],
      ['(unknown action)', 'refused'],
      ['checkAccountActive', 'refused'],
      ['checkAccountActive', undefined],
    ]);
  });

  it('answers a failure it was told to with an XTA exception in a SOAP 1.2 fault, once', async () => {
    standIn.failNext('getStatusList', 'permission-denied');
    const request = '<o:MsgBoxStatusListRequest xmlns:o="http://www.osci.eu/ws/2008/05/transport"/>';
    const failed = await post(standIn.endpoints.msgBox, STATUS_LIST_ACTION, request);
    expect(failed.status).toBe(500);
    expect(failed.contentType).toContain('application/soap+xml');
    expect(failed.text).toContain('<env:Value>env:Receiver</env:Value>');
    expect(failed.text).toMatch(/<env:Detail><xta:PermissionDeniedException xmlns:xta="http:\/\/xoev.de\/transport\/xta\/211"><xta:errorCode [^>]*><code>STANDIN-PERM<\/code>/);
    expect((await post(standIn.endpoints.msgBox, STATUS_LIST_ACTION, request)).status).toBe(200);
    expect(standIn.calls.map((c) => c.failedWith)).toEqual(['permission-denied', undefined]);
  });

  it('holds a call it should hang on without answering, and still closes at once', async () => {
    standIn.failNext('*', 'hang');
    const pending = post(standIn.endpoints.management, 'http://www.xta.de/XTA/CreateMessageID', '').then(
      () => 'answered',
      () => 'connection closed',
    );
    const early = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))]);
    expect(early).toBe('still waiting');
    const started = Date.now();
    await standIn.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('connection closed');
    standIn = await startXta2StandIn(); // afterEach closes this one
  });
});
