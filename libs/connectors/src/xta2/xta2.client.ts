import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import soap from 'soap';
import type { Client } from 'soap';
import { PermanentError } from '@app/contracts';
import { describeWsdl, setWsdlAddresses } from '@app/soap';
import { escapeXml } from '@app/xml';
import { XTA2_PORTS, XTA2_SERVICE, WSA_ANONYMOUS, WSA_NAMESPACE } from './xta2.constants.js';
import type { Xta2PortKey } from './xta2.constants.js';
import { mapXta2Error } from './xta2-fault.mapper.js';
import { buildAuthorHeader } from './xta2-metadata.builder.js';
import type { Xta2Party } from './xta2-metadata.builder.js';
import { readMessageMetaData, soapAttributes, soapChild, soapList, soapText } from './xta2-metadata.reader.js';
import type { Xta2MetaDataSummary } from './xta2-metadata.reader.js';

export interface Xta2TlsOptions {
  /** Client certificate and key (PEM) for mutual TLS, which XTA servers require. */
  cert: Buffer;
  key: Buffer;
  /** CA certificates (PEM) to trust instead of the system's. */
  ca?: Buffer;
}

export interface Xta2ClientOptions {
  /** `XTA.wsdl` with its XSDs beside it (the vendored `contracts/xta2/3.1.1/XTA.wsdl`). */
  wsdlPath: string;
  /** Address of each port; a port without one refuses its operations. */
  endpoints: Partial<Record<Xta2PortKey, string>>;
  /** Upper bound for one call, connect to last byte. */
  timeoutMs: number;
  tls?: Xta2TlsOptions;
  /** Largest response body accepted, in bytes; a larger one fails the call instead of filling memory. */
  maxResponseBytes?: number;
}

/** One part of a GenericContentContainer: the message or an attachment, decoded. */
export interface Xta2Content {
  body: Buffer;
  /** MIME type the sender declared (`contentType`, mandatory in XTA). */
  contentType: string;
  filename?: string;
  description?: string;
  encoding?: string;
}

export interface Xta2StatusEntry {
  /** Undefined when the server listed an entry without one (it cannot be fetched). */
  messageId?: string;
  sizeBytes?: number;
  metaData: Xta2MetaDataSummary;
}

export interface Xta2StatusList {
  /** MsgBoxResponse@MsgBoxRequestID. */
  requestId?: string;
  /** Messages waiting beyond this list, when the server says so. */
  itemsPending?: number;
  /** MsgBoxResponse/NoMessageAvailable@reason, when the box is empty. */
  noMessageAvailable?: string;
  entries: Xta2StatusEntry[];
}

export type Xta2FetchedContent =
  | { kind: 'plain'; message: Xta2Content; attachments: Xta2Content[] }
  /** End-to-end encrypted by the author (xenc:EncryptedData): Schnittstelle cannot read it. */
  | { kind: 'encrypted' };

export interface Xta2FetchedMessage {
  messageId: string;
  /** MsgBoxResponse@MsgBoxRequestID of the fetch, to name in close. */
  requestId?: string;
  metaData?: Xta2MetaDataSummary;
  content: Xta2FetchedContent;
}

type SoapCallback = (err: unknown, result: unknown, rawResponse: unknown, soapHeader: unknown, rawRequest: unknown, mtom?: MtomAttachments) => void;
type SoapMethod = (args: object, callback: SoapCallback, options?: object) => void;
interface MtomAttachments {
  parts: Array<{ headers: Record<string, string>; body: Buffer | null }>;
}

/** MsgBoxCloseRequest@MsgBoxRequestID is mandatory; servers that answered a fetch without one close by MessageID alone. */
const FALLBACK_REQUEST_ID = '1';

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * A typed client for the three ports of the XTA 2 web service (version 3.1.1), over node-soap and the
 * vendored WSDL. Every request carries the WS-Addressing headers the WSDL's policy makes mandatory
 * (Action, MessageID, To, ReplyTo) and the caller's identity: `oscimeta:Author` on MsgBox and Management
 * operations, `oscimeta:MessageMetaData` on sendMessage. Failures come out as PermanentError or
 * RetryableError (see mapXta2Error); a call cancelled through its signal rejects with the signal's reason.
 */
export class Xta2Client {
  /** Per-call SOAP headers, keyed by the args object node-soap hands its header callback. */
  private readonly headers = new WeakMap<object, string>();
  private readonly agent: HttpsAgent | undefined;

  private constructor(
    private readonly client: Client,
    private readonly actions: ReadonlyMap<string, string>,
    private readonly opts: Xta2ClientOptions,
  ) {
    client.addSoapHeader((_method: unknown, _location: unknown, _action: unknown, args: unknown) =>
      typeof args === 'object' && args !== null ? (this.headers.get(args) ?? '') : '',
    );
    this.agent = opts.tls ? new HttpsAgent({ cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.ca ? { ca: opts.tls.ca } : {}), keepAlive: true }) : undefined;
  }

  static async create(opts: Xta2ClientOptions): Promise<Xta2Client> {
    if (!Number.isSafeInteger(opts.timeoutMs) || opts.timeoutMs < 1) throw new RangeError(`timeoutMs must be a positive integer, got ${String(opts.timeoutMs)}`);
    let text: string;
    try {
      text = await readFile(opts.wsdlPath, 'utf8');
    } catch (error) {
      throw new PermanentError(`cannot read the XTA 2 WSDL ${opts.wsdlPath} (${(error as { code?: string }).code ?? 'unreadable'})`, 'wsdl-unreadable', { cause: error });
    }
    const description = describeWsdl(text);
    const actions = new Map<string, string>();
    for (const port of description.ports.filter((p) => p.service === XTA2_SERVICE)) {
      for (const op of port.operations.values()) if (op.soapAction) actions.set(`${port.name}/${op.name}`, op.soapAction);
    }
    // The WSDL gives every port the same placeholder address; node-soap binds each port's methods to its address.
    const addresses = Object.fromEntries(Object.entries(opts.endpoints).flatMap(([key, url]) => (url ? [[XTA2_PORTS[key as Xta2PortKey], url]] : [])));
    const xml = setWsdlAddresses(text, addresses);
    const wsdl = new soap.WSDL(xml, opts.wsdlPath, { forceSoap12Headers: true });
    await new Promise<void>((resolve, reject) =>
      wsdl.onReady((err: unknown) => (err ? reject(new PermanentError(`the XTA 2 WSDL ${opts.wsdlPath} is not usable: ${String(err)}`, 'wsdl-invalid', { cause: err })) : resolve())),
    );
    // parseResponseAttachments: servers answer getMessage as MTOM (multipart/related) when the policy's MTOM is on.
    const client = new soap.Client(wsdl, undefined, { forceSoap12Headers: true, parseResponseAttachments: true });
    return new Xta2Client(client, actions, opts);
  }

  /** The address calls to a port go to, if configured. */
  endpoint(port: Xta2PortKey): string | undefined {
    return this.opts.endpoints[port];
  }

  /** getStatusList: the messages waiting in the account's box, with their metadata, at most `maxItems`. */
  async getStatusList(account: Xta2Party, maxItems: number, signal?: AbortSignal): Promise<Xta2StatusList> {
    const args = { attributes: { maxListItems: maxItems, ListForm: 'MessageMetaData' } };
    const { result, header } = await this.invoke('msgBox', 'getStatusList', args, buildAuthorHeader(account), signal);
    const fromMetaData = soapList(result, 'MessageMetaData').map((node) => {
      const metaData = readMessageMetaData(node);
      return { ...(metaData.messageId ? { messageId: metaData.messageId } : {}), ...(metaData.sizeBytes !== undefined ? { sizeBytes: metaData.sizeBytes } : {}), metaData };
    });
    // A server that ignores ListForm answers with MsgAttributes instead.
    const fromAttributes = soapList(result, 'MsgAttributes').map((node) => {
      const messageId = soapText(soapChild(node, 'MessageID'));
      const size = Number(soapText(soapChild(node, 'MsgSize')));
      return { ...(messageId ? { messageId } : {}), ...(Number.isSafeInteger(size) && size >= 0 ? { sizeBytes: size } : {}), metaData: { testMessage: false } };
    });
    return { ...readMsgBoxResponse(header), entries: [...fromMetaData, ...fromAttributes] };
  }

  /** getMessage: fetches one message by MessageID. It counts as fetched at the server only after close. */
  async getMessage(account: Xta2Party, messageId: string, signal?: AbortSignal): Promise<Xta2FetchedMessage> {
    const args = { MsgSelector: { MessageID: messageId } };
    const { result, header, mtom } = await this.invoke('msgBox', 'getMessage', args, buildAuthorHeader(account), signal);
    const what = `getMessage ${messageId}`;
    let content: Xta2FetchedContent;
    if (soapChild(result, 'EncryptedData') !== undefined) {
      content = { kind: 'encrypted' };
    } else {
      const container = soapChild(result, 'ContentContainer');
      const message = soapChild(container, 'Message');
      if (message === undefined) throw new PermanentError(`XTA server answered ${what} without a ContentContainer/Message`, 'xta2-bad-response');
      content = {
        kind: 'plain',
        message: decodeContent(message, mtom, `${what}: Message`),
        attachments: soapList(container, 'Attachment').map((a, i) => decodeContent(a, mtom, `${what}: Attachment ${i + 1}`)),
      };
    }
    const metaNode = soapChild(header, 'MessageMetaData');
    const response = readMsgBoxResponse(header);
    return {
      messageId,
      ...(response.requestId ? { requestId: response.requestId } : {}),
      ...(metaNode !== undefined ? { metaData: readMessageMetaData(metaNode) } : {}),
      content,
    };
  }

  /** close: confirms the fetch of `messageId`, so the box does not offer it again. */
  async close(account: Xta2Party, messageId: string, requestId: string | undefined, signal?: AbortSignal): Promise<void> {
    const args = { attributes: { MsgBoxRequestID: requestId ?? FALLBACK_REQUEST_ID }, LastMsgReceived: [messageId] };
    await this.invoke('msgBox', 'close', args, buildAuthorHeader(account), signal);
  }

  /** createMessageId: a MessageID issued by the XTA server for the next sendMessage. */
  async createMessageId(author: Xta2Party, signal?: AbortSignal): Promise<string> {
    const { result } = await this.invoke('management', 'createMessageId', {}, buildAuthorHeader(author), signal, true);
    const id = soapText(result) ?? soapText(soapChild(result, 'MessageID'));
    if (!id) throw new PermanentError('XTA server answered createMessageId without a MessageID', 'xta2-bad-response');
    return id;
  }

  /** checkAccountActive: resolves when the account may use the server; PermissionDenied otherwise. */
  async checkAccountActive(account: Xta2Party, signal?: AbortSignal): Promise<void> {
    await this.invoke('management', 'checkAccountActive', {}, buildAuthorHeader(account), signal, true);
  }

  /** sendMessage: hands a message with its MessageMetaData header (see buildMessageMetaData) to the XTA server. */
  async sendMessage(metaDataXml: string, message: Xta2Content, signal?: AbortSignal): Promise<void> {
    const attributes: Record<string, string | number> = { contentType: message.contentType };
    if (message.filename) attributes['filename'] = message.filename;
    if (message.description) attributes['contentDescription'] = message.description;
    if (message.encoding) attributes['encoding'] = message.encoding;
    if (message.body.length > 0) attributes['size'] = message.body.length;
    const args = { ContentContainer: { Message: { attributes, $value: message.body.toString('base64') } } };
    await this.invoke('send', 'sendMessage', args, metaDataXml, signal);
  }

  private async invoke(
    port: Xta2PortKey,
    operation: string,
    args: object,
    headerXml: string,
    signal: AbortSignal | undefined,
    emptyBody = false,
  ): Promise<{ result: unknown; header: unknown; mtom?: MtomAttachments }> {
    const portName = XTA2_PORTS[port];
    const endpoint = this.opts.endpoints[port];
    if (!endpoint) throw new PermanentError(`no address configured for the XTA ${portName} (needed for ${operation})`, 'xta2-no-endpoint');
    const action = this.actions.get(`${portName}/${operation}`);
    const method = (this.client as unknown as Record<string, Record<string, Record<string, SoapMethod>>>)[XTA2_SERVICE]?.[portName]?.[operation];
    if (!method || !action) throw new PermanentError(`operation ${operation} is not in the XTA 2 WSDL's ${portName}`, 'soap-unknown-operation');
    signal?.throwIfAborted();

    const addressing =
      `<wsa:Action xmlns:wsa="${WSA_NAMESPACE}">${escapeXml(action)}</wsa:Action>` +
      `<wsa:MessageID xmlns:wsa="${WSA_NAMESPACE}">urn:uuid:${randomUUID()}</wsa:MessageID>` +
      `<wsa:To xmlns:wsa="${WSA_NAMESPACE}">${escapeXml(endpoint)}</wsa:To>` +
      `<wsa:ReplyTo xmlns:wsa="${WSA_NAMESPACE}"><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>`;
    this.headers.set(args, addressing + headerXml);

    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const options: Record<string, unknown> = { timeout: this.opts.timeoutMs, signal: combined };
    if (this.agent) options['httpsAgent'] = this.agent;
    if (this.opts.maxResponseBytes) options['maxContentLength'] = this.opts.maxResponseBytes;
    // The WSDL's EmptyBody message has no part, so the Body stays empty; node-soap writes an element named after the message.
    if (emptyBody) options['postProcess'] = (xml: string) => xml.replace(/<soap:Body>\s*<EmptyBody\s*(?:\/>|>\s*<\/EmptyBody>)\s*<\/soap:Body>/, '<soap:Body></soap:Body>');

    try {
      return await new Promise((resolve, reject) => {
        method.call(
          this.client,
          args,
          (err, result, _raw, header, _request, mtom) => (err ? reject(err) : resolve({ result, header, ...(mtom ? { mtom } : {}) })),
          options,
        );
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw mapXta2Error(error, `${operation} at ${endpoint}`, this.opts.timeoutMs);
    } finally {
      this.headers.delete(args);
    }
  }

  /** Closes kept-alive TLS connections. */
  dispose(): void {
    this.agent?.destroy();
  }
}

function readMsgBoxResponse(header: unknown): Pick<Xta2StatusList, 'requestId' | 'itemsPending' | 'noMessageAvailable'> {
  const response = soapChild(header, 'MsgBoxResponse');
  if (response === undefined) return {};
  const requestId = soapAttributes(response)['MsgBoxRequestID'];
  const pending = Number(soapText(soapChild(response, 'ItemsPending')));
  const none = soapChild(response, 'NoMessageAvailable');
  return {
    ...(requestId ? { requestId } : {}),
    ...(Number.isSafeInteger(pending) && pending >= 0 ? { itemsPending: pending } : {}),
    ...(none !== undefined ? { noMessageAvailable: soapAttributes(none)['reason'] ?? 'no reason given' } : {}),
  };
}

/** Decodes one `xta:ContentType` element: base64 text, or an XOP reference to an MTOM part. */
function decodeContent(node: unknown, mtom: MtomAttachments | undefined, what: string): Xta2Content {
  const attrs = soapAttributes(node);
  let body: Buffer;
  const include = soapChild(node, 'Include');
  if (include !== undefined) {
    const href = soapAttributes(include)['href'] ?? '';
    const contentId = decodeURIComponent(href.replace(/^cid:/i, ''));
    const part = mtom?.parts.find((p) => (p.headers['content-id'] ?? '').replace(/^<|>$/g, '') === contentId);
    if (!part?.body) throw new PermanentError(`${what} refers to MTOM part ${href || '(no href)'}, which the response does not hold`, 'xta2-bad-response');
    body = part.body;
  } else {
    const text = soapText(node) ?? '';
    if (!BASE64.test(text)) throw new PermanentError(`${what} is not base64`, 'xta2-bad-response');
    body = Buffer.from(text, 'base64');
  }
  return {
    body,
    contentType: attrs['contentType'] || 'application/octet-stream',
    ...(attrs['filename'] ? { filename: attrs['filename'] } : {}),
    ...(attrs['contentDescription'] ? { description: attrs['contentDescription'] } : {}),
    ...(attrs['encoding'] ? { encoding: attrs['encoding'] } : {}),
  };
}
