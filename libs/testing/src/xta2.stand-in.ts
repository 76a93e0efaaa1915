import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import soap from 'soap';
import type { IServices, Server as SoapServer } from 'soap';
import { describeWsdl, setWsdlAddresses } from '@app/soap';
import { escapeXml, escapeXmlAttribute } from '@app/xml';

const WSDL = 'contracts/xta2/3.1.1/XTA.wsdl';
const SERVICE = 'XTAService';
const PORTS = ['MsgBoxPort', 'SendXtaPort', 'ManagementPort'] as const;
type PortName = (typeof PORTS)[number];

const XTA_NS = 'http://xoev.de/transport/xta/211';
const OSCI_NS = 'http://www.osci.eu/ws/2008/05/transport';
const OSCIMETA_NS = 'http://www.osci.eu/ws/2014/10/transport';
const WSA_NS = 'http://www.w3.org/2005/08/addressing';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const XOP_NS = 'http://www.w3.org/2004/08/xop/include';
const NO_MATCH = 'http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/NoMatch';

/** Operations whose input message (EmptyBody) has no part: their Body must stay empty. */
const EMPTY_INPUT = new Set(['checkAccountActive', 'createMessageId']);

/** The vendored XTA 2 WSDL next to the sources when run from them, else relative to the working directory. */
export function xta2WsdlPath(): string {
  const besideSources = fileURLToPath(new URL(`../../../${WSDL}`, import.meta.url));
  return existsSync(besideSources) ? besideSources : resolve(WSDL);
}

export interface Xta2Identifier {
  id: string;
  type: string;
}

/** A message waiting in the stand-in's box. */
export interface Xta2BoxMessage {
  messageId: string;
  body: Buffer;
  contentType: string;
  filename?: string;
  attachments: Array<{ body: Buffer; contentType: string; filename?: string }>;
  /** Offered as xenc:EncryptedData instead of a readable ContentContainer. */
  encrypted: boolean;
  author: Xta2Identifier;
  reader: Xta2Identifier;
  service: string;
  businessScenario: string;
  messageType: { code: string; payloadSchema: string };
  /** Size the status list states; defaults to the body's. */
  listedSize?: number;
  closed: boolean;
  /** How often getMessage handed it out. */
  fetches: number;
}

export type Xta2EnqueueInput = Partial<Omit<Xta2BoxMessage, 'body' | 'closed' | 'fetches'>> & { body: Buffer | string };

/**
 * Failures the stand-in can be told to answer with. The XTA exceptions come as SOAP 1.2 env:Receiver
 * faults with the exception element in the Detail (as common SOAP stacks send declared exceptions);
 * 'server-fault' and 'client-fault' are bare env:Receiver / env:Sender faults; 'http-500' an HTML error
 * page; 'hang' never answers (for timeouts and aborts).
 */
export type Xta2FailureKind =
  | 'technical-problem'
  | 'permission-denied'
  | 'parameter-invalid'
  | 'schema-violation'
  | 'virus'
  | 'invalid-message-id'
  | 'server-fault'
  | 'client-fault'
  | 'http-500'
  | 'hang';

export interface Xta2Call {
  port: PortName;
  /** The operation node-soap dispatched to (by the action). */
  operation: string;
  /** action parameter of the Content-Type (SOAP 1.2). */
  action?: string;
  /** WS-Addressing headers as sent. */
  wsa: { action?: string; messageId?: string; to?: string; replyTo?: string };
  /** oscimeta:Author identifier, when sent. */
  author?: Xta2Identifier;
  /** The request element's content as node-soap parsed it. */
  args: any;
  /** The SOAP headers as node-soap parsed them (MessageMetaData of sendMessage among them). */
  headers: any;
  /** Set when this call was answered with a failure (from failNext or a refusal of the stand-in). */
  failedWith?: Xta2FailureKind | 'refused';
  /** getMessage answered as MTOM, with this many XOP parts. */
  mtomParts?: number;
}

export interface Xta2SentMessage {
  /** MsgIdentification/MessageID of the MessageMetaData header. */
  messageId: string;
  /** The MessageMetaData header as node-soap parsed it. */
  metaData: any;
  /** The MessageMetaData header element exactly as it arrived. */
  metaDataXml: string;
  body: Buffer;
  /** Attributes of ContentContainer/Message (contentType, filename, size, ...). */
  attributes: Record<string, string>;
}

export interface Xta2StandIn {
  /** Base of the port addresses: `<baseUrl>/MsgBoxPort`, `/SendXtaPort`, `/ManagementPort`. */
  baseUrl: string;
  endpoints: { msgBox: string; send: string; management: string };
  /** Puts a message into the box and returns its MessageID. */
  enqueueMessage(input: Xta2EnqueueInput): string;
  /** Offers a closed message again (a box that delivers a message twice). */
  reoffer(messageId: string): void;
  /** Every message ever enqueued, by MessageID. */
  box: ReadonlyMap<string, Xta2BoxMessage>;
  /** MessageIDs not closed yet, in box order. */
  openMessageIds(): string[];
  /** Every call that reached an operation, in order. */
  calls: Xta2Call[];
  /** Successful close calls: which MessageID, under which MsgBoxRequestID. */
  closed: Array<{ messageId: string; requestId: string }>;
  /** Messages accepted by sendMessage. */
  sent: Xta2SentMessage[];
  /** MessageIDs issued by createMessageId. */
  issuedMessageIds: string[];
  /** The next `count` calls of `operation` ('*' for any) fail with `kind`. */
  failNext(operation: string, kind: Xta2FailureKind, count?: number): void;
  /** Answer getMessage as MTOM (multipart/related, the message as an XOP part) instead of inline base64. */
  mtom: boolean;
  close(): Promise<void>;
}

type Outcome =
  | { kind: 'result'; result: unknown; headerXml: string; parts?: MtomPart[] }
  | { kind: 'empty' }
  | { kind: 'fault'; failure: Xta2FailureKind | 'refused'; exception?: string; sender: boolean; reason: string }
  | { kind: 'html' }
  | { kind: 'hang' };

interface MtomPart {
  contentId: string;
  contentType: string;
  body: Buffer;
}

interface RequestState {
  raw: string;
  bodyWasEmpty: boolean;
  outcome?: Outcome;
}

const EXCEPTIONS: Partial<Record<Xta2FailureKind, { element: string; code: string; name: string }>> = {
  'technical-problem': { element: 'XTAWSTechnicalProblemException', code: 'STANDIN-TECH', name: 'Technisches Problem im XTA-Server (Stand-in)' },
  'permission-denied': { element: 'PermissionDeniedException', code: 'STANDIN-PERM', name: 'Account gesperrt oder nicht vorhanden (Stand-in)' },
  'parameter-invalid': { element: 'ParameterIsNotValidException', code: 'STANDIN-PARAM', name: 'Parameter ungueltig (Stand-in)' },
  'schema-violation': { element: 'MessageSchemaViolationException', code: 'STANDIN-SCHEMA', name: 'Fachnachricht schemaungueltig (Stand-in)' },
  'virus': { element: 'MessageVirusDetectionException', code: 'STANDIN-VIRUS', name: 'Schadcode gefunden (Stand-in)' },
  'invalid-message-id': { element: 'InvalidMessageIDException', code: 'STANDIN-MSGID', name: 'MessageID unbekannt (Stand-in)' },
};

const text = (value: unknown): string | undefined => {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '$value' in value) return text((value as { $value: unknown }).$value);
  return undefined;
};
const attrs = (value: unknown): Record<string, string> => {
  const node = Array.isArray(value) ? value[0] : value;
  const a = node && typeof node === 'object' ? (node as { attributes?: Record<string, unknown> }).attributes : undefined;
  return a ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, String(v)])) : {};
};
const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

function identifierXml(element: string, party: Xta2Identifier): string {
  return `<oscimeta:${element}><oscimeta:Identifier type="${escapeXmlAttribute(party.type)}">${escapeXml(party.id)}</oscimeta:Identifier></oscimeta:${element}>`;
}

/** MessageMetaData as an XTA server lists and delivers it. */
function metaDataXml(m: Xta2BoxMessage): string {
  return (
    `<oscimeta:MessageMetaData xmlns:oscimeta="${OSCIMETA_NS}" xmlns:wsa="${WSA_NS}">` +
    `<oscimeta:DeliveryAttributes><oscimeta:Delivery>${new Date().toISOString()}</oscimeta:Delivery></oscimeta:DeliveryAttributes>` +
    `<oscimeta:Originators>${identifierXml('Author', m.author)}</oscimeta:Originators>` +
    `<oscimeta:Destinations>${identifierXml('Reader', m.reader)}</oscimeta:Destinations>` +
    `<oscimeta:MsgIdentification><wsa:MessageID>${escapeXml(m.messageId)}</wsa:MessageID></oscimeta:MsgIdentification>` +
    `<oscimeta:Qualifier><oscimeta:Service>${escapeXml(m.service)}</oscimeta:Service>` +
    `<oscimeta:BusinessScenario><oscimeta:Undefined>${escapeXml(m.businessScenario)}</oscimeta:Undefined></oscimeta:BusinessScenario>` +
    `<oscimeta:MessageType listURI="urn:de:payloadSchema:elementName" listVersionID="1.0" payloadSchema="${escapeXmlAttribute(m.messageType.payloadSchema)}">` +
    `<code>${escapeXml(m.messageType.code)}</code></oscimeta:MessageType></oscimeta:Qualifier>` +
    `<oscimeta:MsgSize>${Math.max(1, m.listedSize ?? m.body.length)}</oscimeta:MsgSize>` +
    `</oscimeta:MessageMetaData>`
  );
}

/** MsgBoxResponse: NoMessageAvailable when nothing was handed out, else how many more wait. */
function msgBoxResponseXml(requestId: string, handedOut: number, pending: number): string {
  const inner = handedOut > 0 ? `<osci:ItemsPending>${pending}</osci:ItemsPending>` : `<osci:NoMessageAvailable reason="${NO_MATCH}"/>`;
  return `<osci:MsgBoxResponse xmlns:osci="${OSCI_NS}" MsgBoxRequestID="${escapeXmlAttribute(requestId)}">${inner}</osci:MsgBoxResponse>`;
}

function faultXml(outcome: Extract<Outcome, { kind: 'fault' }>): string {
  const exception = outcome.exception ? EXCEPTIONS[outcome.exception as Xta2FailureKind] : undefined;
  const detail = exception
    ? `<env:Detail><xta:${exception.element} xmlns:xta="${XTA_NS}"><xta:errorCode listURI="urn:de:xta:webservice:codeliste:fehlernummer" listVersionID="1.0">` +
      `<code>${exception.code}</code><name>${escapeXml(exception.name)}</name></xta:errorCode></xta:${exception.element}></env:Detail>`
    : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${SOAP12_NS}"><env:Body><env:Fault>` +
    `<env:Code><env:Value>env:${outcome.sender ? 'Sender' : 'Receiver'}</env:Value></env:Code>` +
    `<env:Reason><env:Text xml:lang="de">${escapeXml(outcome.reason)}</env:Text></env:Reason>${detail}` +
    `</env:Fault></env:Body></env:Envelope>`
  );
}

/** The element `local` (any prefix) of the SOAP Header, exactly as written in the request. */
function rawHeaderElement(raw: string, local: string): string | undefined {
  const header = /<(?:[\w.-]+:)?Header[\s>][\s\S]*?<\/(?:[\w.-]+:)?Header>/.exec(raw)?.[0];
  if (!header) return undefined;
  const open = new RegExp(`<([\\w.-]+:)?${local}[\\s>/]`).exec(header);
  if (!open) return undefined;
  const close = `</${open[1] ?? ''}${local}>`;
  const end = header.indexOf(close, open.index);
  return end < 0 ? undefined : header.slice(open.index, end + close.length);
}

/**
 * An XTA 2 server for tests, built from the vendored XTA 2 WSDL with node-soap: the three ports of
 * XTAService at their own paths (`/xta/MsgBoxPort`, `/xta/SendXtaPort`, `/xta/ManagementPort`) on an
 * ephemeral port of 127.0.0.1, SOAP 1.2. It holds an in-memory message box (`enqueueMessage`), answers
 * getStatusList, getMessage, close, sendMessage, createMessageId and checkAccountActive, records every
 * call, close and sent message, and fails on request (`failNext`). A message stays in the box until it
 * is closed, so a fetched but unclosed message is offered again, and `reoffer` offers a closed one again.
 *
 * It insists on what the WSDL demands: the action of the operation (SOAP 1.2 Content-Type), the
 * WS-Addressing headers Action and MessageID (the policy makes addressing mandatory), an empty Body for
 * EmptyBody operations, and the MessageMetaData header on sendMessage; anything else is refused with an
 * env:Sender fault and recorded as `failedWith: 'refused'`.
 */
export async function startXta2StandIn(opts: { wsdlPath?: string } = {}): Promise<Xta2StandIn> {
  const wsdlPath = opts.wsdlPath ?? xta2WsdlPath();
  const original = await readFile(wsdlPath, 'utf8');
  const description = describeWsdl(original);
  const operationsOf = new Map(description.ports.map((p) => [p.name, p.operations]));

  const box = new Map<string, Xta2BoxMessage>();
  const order: string[] = [];
  const calls: Xta2Call[] = [];
  const closed: Xta2StandIn['closed'] = [];
  const sent: Xta2SentMessage[] = [];
  const issuedMessageIds: string[] = [];
  const failures: Array<{ operation: string; kind: Xta2FailureKind }> = [];
  const states = new WeakMap<IncomingMessage, RequestState>();
  let sequence = 0;

  const openIds = () => order.filter((id) => !box.get(id)!.closed);

  const server = createServer();
  // Innermost listener: anything node-soap does not serve.
  server.on('request', (_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/xta`;
  const xml = setWsdlAddresses(original, Object.fromEntries(PORTS.map((p) => [p, `${baseUrl}/${p}`])));

  const standIn: Xta2StandIn = {
    baseUrl,
    endpoints: { msgBox: `${baseUrl}/MsgBoxPort`, send: `${baseUrl}/SendXtaPort`, management: `${baseUrl}/ManagementPort` },
    box,
    calls,
    closed,
    sent,
    issuedMessageIds,
    mtom: false,
    enqueueMessage(input) {
      const messageId = input.messageId ?? `urn:de:xta:messageid:standin:${randomUUID()}`;
      if (box.has(messageId)) throw new Error(`message ${messageId} is already in the box`);
      box.set(messageId, {
        messageId,
        body: Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8'),
        contentType: input.contentType ?? 'text/xml',
        ...(input.filename ? { filename: input.filename } : {}),
        attachments: input.attachments ?? [],
        encrypted: input.encrypted ?? false,
        author: input.author ?? { id: 'ags:09162000', type: 'xoev' },
        reader: input.reader ?? { id: 'ags:09162999', type: 'xoev' },
        service: input.service ?? 'urn:xoev-de:xdomea:schema:3.0.0',
        businessScenario: input.businessScenario ?? 'XDOMEAGAD_DATA',
        messageType: input.messageType ?? { code: 'xdomea.0601', payloadSchema: 'urn:xoev-de:xdomea:schema:3.0.0' },
        ...(input.listedSize !== undefined ? { listedSize: input.listedSize } : {}),
        closed: false,
        fetches: 0,
      });
      order.push(messageId);
      return messageId;
    },
    reoffer(messageId) {
      const message = box.get(messageId);
      if (!message) throw new Error(`message ${messageId} was never in the box`);
      message.closed = false;
    },
    openMessageIds: openIds,
    failNext(operation, kind, count = 1) {
      for (let i = 0; i < count; i++) failures.push({ operation, kind });
    },
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((err) => (err ? reject(err) : resolveClose()));
        // Calls held by 'hang' and idle keep-alive sockets would keep close() waiting.
        server.closeAllConnections();
      }),
  };

  const refuse = (reason: string): Outcome => ({ kind: 'fault', failure: 'refused', sender: true, reason });
  const fail = (kind: Xta2FailureKind, reason: string): Outcome => {
    if (kind === 'hang') return { kind: 'hang' };
    if (kind === 'http-500') return { kind: 'html' };
    if (kind === 'client-fault') return { kind: 'fault', failure: kind, sender: true, reason };
    if (kind === 'server-fault') return { kind: 'fault', failure: kind, sender: false, reason };
    return { kind: 'fault', failure: kind, exception: kind, sender: false, reason };
  };

  /** Runs one operation; called by node-soap before the handler, so that its result can set the response headers. */
  const run = (portName: PortName, operation: string, args: any, headers: any, req: IncomingMessage): Outcome => {
    const state = states.get(req)!;
    const wsa = {
      ...(text(headers?.Action) ? { action: text(headers?.Action)! } : {}),
      ...(text(headers?.MessageID) ? { messageId: text(headers?.MessageID)! } : {}),
      ...(text(headers?.To) ? { to: text(headers?.To)! } : {}),
      ...(text(headers?.ReplyTo?.Address) ? { replyTo: text(headers?.ReplyTo?.Address)! } : {}),
    };
    const authorId = text(headers?.Author?.Identifier);
    const contentAction = /(?:^|;)\s*action="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
    const call: Xta2Call = {
      port: portName,
      operation,
      ...(contentAction ? { action: contentAction } : {}),
      wsa,
      ...(authorId ? { author: { id: authorId, type: attrs(headers?.Author?.Identifier)['type'] ?? '' } } : {}),
      args,
      headers,
    };
    calls.push(call);
    const done = (outcome: Outcome): Outcome => {
      if (outcome.kind === 'fault') call.failedWith = outcome.failure;
      else if (outcome.kind === 'html') call.failedWith = 'http-500';
      else if (outcome.kind === 'hang') call.failedWith = 'hang';
      return outcome;
    };

    const expected = operationsOf.get(portName)?.get(operation)?.soapAction;
    if (!contentAction || contentAction !== expected) return done(refuse(`${portName} expects the action ${expected ?? '(none)'} for ${operation}, got ${contentAction ?? 'none'}`));
    if (wsa.action !== expected || !wsa.messageId) return done(refuse('WS-Addressing headers Action and MessageID are required (wsam:Addressing is not optional)'));
    if (EMPTY_INPUT.has(operation) && !state.bodyWasEmpty) return done(refuse(`${operation} takes an empty Body (input message EmptyBody has no part)`));

    const failureAt = failures.findIndex((f) => f.operation === operation || f.operation === '*');
    if (failureAt >= 0) {
      const [failure] = failures.splice(failureAt, 1);
      return done(fail(failure!.kind, `${operation} failed as the test asked (${failure!.kind})`));
    }

    switch (operation) {
      case 'getStatusList': {
        const max = Number(attrs(args)['maxListItems']) || 100;
        const open = openIds();
        const listed = open.slice(0, max).map((id) => box.get(id)!);
        const result = listed.length ? { $xml: listed.map(metaDataXml).join('') } : {};
        return done({ kind: 'result', result, headerXml: msgBoxResponseXml(`urn:uuid:${randomUUID()}`, listed.length, open.length - listed.length) });
      }
      case 'getMessage': {
        const id = text(args?.MsgSelector?.MessageID);
        const message = id ? box.get(id) : undefined;
        if (!message || message.closed) return done(fail('invalid-message-id', `message ${id ?? '(none)'} is not in the box`));
        message.fetches += 1;
        const pending = openIds().length - 1;
        const headerXml = metaDataXml(message) + msgBoxResponseXml(`urn:uuid:${randomUUID()}`, 1, pending);
        if (message.encrypted) {
          const encrypted = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>${message.body.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`;
          return done({ kind: 'result', result: { $xml: encrypted }, headerXml });
        }
        const parts: MtomPart[] = [];
        const content = (c: { body: Buffer; contentType: string; filename?: string }) => {
          const attributes = { contentType: c.contentType, ...(c.filename ? { filename: c.filename } : {}), size: c.body.length };
          if (!standIn.mtom) return { attributes, $value: c.body.toString('base64') };
          const contentId = `part${++sequence}@xta2.stand-in`;
          parts.push({ contentId, contentType: c.contentType, body: c.body });
          return { attributes, $xml: `<xop:Include xmlns:xop="${XOP_NS}" href="cid:${encodeURIComponent(contentId)}"/>` };
        };
        const container = {
          Message: content(message),
          ...(message.attachments.length ? { Attachment: message.attachments.map(content) } : {}),
        };
        if (parts.length) call.mtomParts = parts.length;
        return done({ kind: 'result', result: { ContentContainer: container }, headerXml, ...(parts.length ? { parts } : {}) });
      }
      case 'close': {
        const ids = list(args?.LastMsgReceived).map(text).filter((id): id is string => Boolean(id));
        const requestId = attrs(args)['MsgBoxRequestID'];
        if (!requestId) return done(refuse('MsgBoxCloseRequest needs the attribute MsgBoxRequestID'));
        if (ids.length === 0) return done(refuse('MsgBoxCloseRequest names no LastMsgReceived'));
        const unknown = ids.find((id) => !box.get(id) || box.get(id)!.closed);
        if (unknown) return done(fail('invalid-message-id', `message ${unknown} is not open in the box`));
        for (const id of ids) {
          box.get(id)!.closed = true;
          closed.push({ messageId: id, requestId });
        }
        return done({ kind: 'empty' });
      }
      case 'sendMessage': {
        const metaData = headers?.MessageMetaData;
        const messageId = text(metaData?.MsgIdentification?.MessageID);
        const metaXml = rawHeaderElement(state.raw, 'MessageMetaData');
        if (!metaData || !metaXml || !messageId) return done(fail('parameter-invalid', 'sendMessage needs the MessageMetaData header with a MessageID'));
        const message = args?.ContentContainer?.Message;
        if (!message) return done(fail('parameter-invalid', 'sendMessage needs ContentContainer/Message'));
        sent.push({ messageId, metaData, metaDataXml: metaXml, body: Buffer.from(text(message) ?? '', 'base64'), attributes: attrs(message) });
        return done({ kind: 'empty' });
      }
      case 'createMessageId': {
        const id = `urn:de:xta:messageid:standin:${randomUUID()}`;
        issuedMessageIds.push(id);
        return done({ kind: 'result', result: id, headerXml: '' });
      }
      case 'checkAccountActive':
        return done({ kind: 'empty' });
      default:
        return done(refuse(`the stand-in does not implement ${operation}`));
    }
  };

  const handler =
    (portName: PortName) =>
    (_args: unknown, _callback: unknown, _headers: unknown, req: IncomingMessage, res: ServerResponse): unknown => {
      const outcome = states.get(req)?.outcome;
      if (!outcome) throw new Error(`no outcome for a ${portName} call: node-soap did not call the header function`);
      switch (outcome.kind) {
        case 'result':
          return outcome.result;
        case 'empty':
          res.statusCode = 200;
          res.setHeader('Content-Type', 'application/soap+xml; charset=utf-8');
          res.end(`<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${SOAP12_NS}"><env:Body/></env:Envelope>`);
          return undefined;
        case 'fault':
          res.statusCode = outcome.sender ? 400 : 500;
          res.setHeader('Content-Type', 'application/soap+xml; charset=utf-8');
          res.end(faultXml(outcome));
          return undefined;
        case 'html':
          res.statusCode = 500;
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.end('<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>');
          return undefined;
        case 'hang':
          return undefined;
      }
    };

  for (const portName of PORTS) {
    const operations = [...(operationsOf.get(portName)?.keys() ?? [])];
    // node-soap looks handlers up under the port whose address matches the path; every port gets them all.
    const handlers = Object.fromEntries(operations.map((op) => [op, handler(portName)]));
    const services: IServices = { [SERVICE]: Object.fromEntries(PORTS.map((p) => [p, handlers])) };
    const soapServer = await new Promise<SoapServer>((resolveListen, reject) => {
      const s: SoapServer = soap.listen(server, {
        path: `/xta/${portName}`,
        services,
        xml,
        uri: wsdlPath,
        forceSoap12Headers: true,
        suppressStack: true,
        enableChunkedEncoding: false,
        callback: (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolveListen(s)),
      });
    });
    // Header functions run before the handler; the operation runs here so that its result can fill the headers.
    soapServer.addSoapHeader((methodName: string, args: unknown, headers: unknown, req: IncomingMessage) => {
      const state = states.get(req)!;
      state.outcome = run(portName, methodName, args, headers, req);
      return state.outcome.kind === 'result' ? state.outcome.headerXml : '';
    });
  }

  // In front of node-soap: read the request, keep it raw for the records, and make up for two things
  // node-soap's server does not do with this WSDL.
  const soapListeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks).toString('utf8');
      const state: RequestState = { raw, bodyWasEmpty: false };
      states.set(req, state);
      if (req.method === 'POST') {
        // 1. SOAP 1.2 carries the action in the Content-Type; node-soap dispatches by SOAPAction or else by the
        //    body element, which is ambiguous here (sendMessage/sendMessageSync share GenericContentContainer).
        const action = /(?:^|;)\s*action="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
        const portName = PORTS.find((p) => new URL(req.url ?? '/', baseUrl).pathname === `/xta/${p}`);
        const known = portName && [...(operationsOf.get(portName)?.values() ?? [])].some((op) => op.soapAction === action);
        if (portName && !known) {
          // node-soap would fail on an unknown action with an internal error; answer what a server should.
          calls.push({ port: portName, operation: '(unknown action)', ...(action ? { action } : {}), wsa: {}, args: undefined, headers: undefined, failedWith: 'refused' });
          res.statusCode = 400;
          res.setHeader('Content-Type', 'application/soap+xml; charset=utf-8');
          res.end(faultXml({ kind: 'fault', failure: 'refused', sender: true, reason: `${portName} has no operation with the action ${action ?? '(none)'}` }));
          return;
        }
        if (action) req.headers['soapaction'] = action;
        // 2. node-soap cannot dispatch an empty Body (EmptyBody has no part); give it a placeholder to parse.
        const empty = /<([\w.-]+:)?Body(\s[^>]*)?(\/>|>\s*<\/\1?Body>)/.exec(raw);
        if (empty) {
          state.bodyWasEmpty = true;
          const prefix = empty[1] ?? '';
          raw = raw.replace(empty[0], `<${prefix}Body><EmptyBody/></${prefix}Body>`);
        }
        (req as IncomingMessage & { body?: Buffer }).body = Buffer.from(raw, 'utf8');
        if (standIn.mtom) wrapAsMtom(res, () => state.outcome);
      }
      for (const listener of soapListeners) listener.call(server, req, res);
    });
  });

  return standIn;
}

/** Sends node-soap's envelope as the root part of a multipart/related (XOP) answer when the outcome has MTOM parts. */
function wrapAsMtom(res: ServerResponse, outcome: () => Outcome | undefined): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    const current = outcome();
    if (current?.kind !== 'result' || !current.parts?.length || chunk === undefined || typeof chunk === 'function') return end(chunk);
    const boundary = `MIMEBoundary_${randomUUID()}`;
    const root = 'root.message@xta2.stand-in';
    const pieces: Buffer[] = [
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${root}>\r\n\r\n`,
      ),
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8'),
    ];
    for (const part of current.parts) {
      pieces.push(Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${part.contentType}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${part.contentId}>\r\n\r\n`), part.body);
    }
    pieces.push(Buffer.from(`\r\n--${boundary}--\r\n`));
    res.setHeader('Content-Type', `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<${root}>"; start-info="application/soap+xml"`);
    return end(Buffer.concat(pieces));
  }) as ServerResponse['end'];
}
