import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Application } from 'express';
import soap from 'soap';
import type { ISoapServiceMethod, IServices } from 'soap';
import { takePostsBeforeApp } from './http-front.router.js';
import type { AppServer } from './http-front.router.js';
import { planArguments } from './soap-arguments.reader.js';
import type { ArgumentsPlan, NodeSoapWsdlModel } from './soap-arguments.reader.js';
import { SoapRefusal, isSoapMediaType, parseMediaType, refuse } from './soap-envelope.guard.js';
import type { MediaType } from './soap-envelope.guard.js';
import { checkedEnvelopeText, readEnvelope } from './soap-envelope.reader.js';
import type { EnvelopeDocument, EnvelopeReadInput, EnvelopeReading } from './soap-envelope.reader.js';
import { SOAP_MEDIA_TYPE, faultForError, newErrorReference, soapContentType, soapFaultResponse } from './soap-fault.builder.js';
import type { SoapFaultResponse } from './soap-fault.builder.js';
import { DEFAULT_MTOM_LIMITS, MtomError, unpackMtom } from './mtom.reader.js';
import type { MtomLimits } from './mtom.reader.js';
import { WSSE_NAMESPACE, WsSecurityError } from './ws-security.verifier.js';
import type { UsernameTokenVerifier } from './ws-security.verifier.js';
import { describeWsdl, findPort } from './wsdl.inspector.js';
import type { SoapVersion } from './wsdl.inspector.js';

export interface SoapHandlerContext {
  soapVersion: SoapVersion;
  /** The client address as Express sees it (honours the app's `trust proxy` setting), else the peer's address. */
  ip: string | undefined;
  operation: string;
  /** The user the WS-Security UsernameToken authenticated, when the endpoint checks tokens. */
  username?: string;
  /** The XML document an argument carries, where the envelope reader read it too (readEnvelopeWithDocument). */
  document?: EnvelopeDocument;
}

/** What a refused WS-Security check is reported with (the request got no further). */
export interface SoapRefusalContext {
  soapVersion: SoapVersion;
  ip: string | undefined;
  operation: string;
}

export interface SoapSecurityOptions {
  /** Checks the UsernameToken of every request; wsse:Security then counts as understood. */
  verifier: UsernameTokenVerifier;
  /**
   * Told about every refused token before the fault goes out, e.g. to audit it. A failure here is
   * passed to onError and does not change the answer.
   */
  onRefused?: (refusal: WsSecurityError, ctx: SoapRefusalContext) => Promise<void> | void;
}

/** Receives the request element's content as node-soap parses it; answers the response element's content. */
export type SoapOperationHandler = (args: any, ctx: SoapHandlerContext) => Promise<any>;

export interface SoapEndpointOptions {
  /** Express path, e.g. `/soap/v1`; should match the port's address path in the WSDL. */
  path: string;
  version: SoapVersion;
  /** The WSDL to serve at `?wsdl`, addresses already set (see setWsdlAddresses). */
  wsdlXml: string;
  serviceName: string;
  portName: string;
  /** One handler per operation of the port, by operation name. */
  handlers: Record<string, SoapOperationHandler>;
  /** Largest accepted request body in bytes (after gzip/deflate is undone). */
  maxBodyBytes: number;
  /** Called for every internal error the client only sees a reference for: log it there. */
  onError?: (err: unknown, ref: string) => void;
  /** WS-Security UsernameToken: when given, every request must carry a valid token. */
  security?: SoapSecurityOptions;
  /** Limits for MTOM requests (multipart/related); the body as a whole stays under maxBodyBytes. */
  mtomLimits?: MtomLimits;
  /**
   * Runs readEnvelope for every request, e.g. on an XML worker pool (task SOAP_ENVELOPE_TASK), so that
   * the thread serving HTTP does not parse envelopes; or readEnvelopeWithDocument, whose document the
   * handler finds in its context. Default: readEnvelope in-process.
   */
  envelopeReader?: (input: EnvelopeReadInput) => Promise<EnvelopeReading>;
  /**
   * The server the app is served by: POST requests for exactly `path` are then taken from it before the
   * app, skipping Express's middleware and router (takePostsBeforeApp); `?wsdl`, other methods and
   * paths still go through the app. Not done for an app that trusts proxies: only Express works out
   * the client address then.
   */
  server?: AppServer;
}

type AcceptedReading = Exclude<EnvelopeReading, { refusal: unknown }>;

/** The parts of node-soap's Server (1.13) that a request is dispatched through once its arguments are read. */
interface NodeSoapServer {
  wsdl: NodeSoapWsdlModel & {
    definitions: { services: Record<string, { ports: Record<string, { location: string; binding: NodeSoapBinding }> }> };
  };
  _executeMethod(
    options: { serviceName: string; portName: string; methodName: string; outputName: string; args: unknown; headers: unknown; style: 'document' },
    req: IncomingMessage,
    res: ServerResponse,
    callback: (result: string, statusCode?: number) => void,
    includeTimestamp?: boolean,
  ): void;
}

interface NodeSoapBinding {
  style?: string;
  topElements?: Record<string, { methodName: string; outputName: string } | undefined>;
  methods: Record<string, { style?: string } | undefined>;
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

interface RequestState {
  /** The operation the envelope check found. */
  operation: string;
  handlerDone: boolean;
  answered: boolean;
  username: string | undefined;
  document: EnvelopeDocument | undefined;
  /** Sends a fault through the real response methods, bypassing what node-soap would write. */
  sendFault: (fault: SoapFaultResponse) => void;
}

/**
 * Mounts a SOAP endpoint for one port of a WSDL on an Express app, with node-soap doing the XML to
 * object mapping. Resolves when node-soap has registered its route (its `?wsdl` is 404 before).
 * Call it before the app's catch-all handlers (Nest: before `app.init()`/`listen()`).
 *
 * node-soap is kept on a short lead: a middleware on the same path reads and checks the request
 * first (size, content type, safe XML, envelope version, known operation, SOAPAction) and answers
 * its own fault when something is wrong, so handlers only see requests that passed. Everything
 * node-soap writes is captured and replaced by our response: handler results pass, our faults go
 * out per SOAP version, and node-soap's own error answers (which carry internal exception texts)
 * become a generic internal fault with a reference.
 */
export async function mountSoapEndpoint(app: Application, opts: SoapEndpointOptions): Promise<void> {
  const { version, path, onError } = opts;
  if (!Number.isSafeInteger(opts.maxBodyBytes) || opts.maxBodyBytes < 1) {
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${String(opts.maxBodyBytes)}`);
  }
  const wsdl = describeWsdl(opts.wsdlXml);
  const port = findPort(wsdl, opts.portName, opts.serviceName);
  if (!port) {
    const ports = wsdl.ports.map((p) => `${p.service}/${p.name}`).join(', ');
    throw new Error(`WSDL has no port ${opts.serviceName}/${opts.portName}; ports: ${ports || 'none'}`);
  }
  if (port.version !== version) {
    throw new Error(`port ${opts.portName} is bound to ${port.version ? `SOAP ${port.version}` : 'no SOAP binding'}, not SOAP ${version}`);
  }
  for (const op of port.operations.values()) {
    if (op.style !== 'document' || !op.input) throw new Error(`operation ${op.name} is not document/literal: mountSoapEndpoint supports document/literal only`);
    if (!Object.hasOwn(opts.handlers, op.name) || typeof opts.handlers[op.name] !== 'function') throw new Error(`no handler for operation ${op.name}`);
  }
  const extra = Object.keys(opts.handlers).filter((name) => !port.operations.has(name));
  if (extra.length > 0) throw new Error(`handlers for operations the port does not have: ${extra.join(', ')}`);

  const states = new WeakMap<IncomingMessage, RequestState>();
  const envelopeReader = opts.envelopeReader ?? (async (input: EnvelopeReadInput) => readEnvelope(input));
  let ready = false;
  let nodeSoap: NodeSoapServer | undefined;
  let argumentsPlan: ArgumentsPlan = { elements: new Map() };
  let targetOf: ReturnType<typeof nodeSoapTargets> | undefined;

  app.route(path).all((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    // GET serves the WSDL; a request taken before the app comes here only to be handed to node-soap (guard).
    if (req.method === 'GET' || req.method === 'HEAD' || states.has(req)) return next();
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      const refusal = refuse(version, 'client', `HTTP method ${req.method} is not supported; send SOAP requests with POST`, 'method', { status: 405 });
      return drainAndSend(req, res, refusal.response);
    }
    post(req, res, next);
  });
  if (opts.server && !app.enabled('trust proxy')) takePostsBeforeApp(opts.server, path, post);

  function post(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    if (!ready) {
      return drainAndSend(req, res, soapFaultResponse({ version, kind: 'server', message: 'endpoint is starting; try again', detail: { code: 'unavailable' } }, 503));
    }
    guard(req, res, next).catch((error: unknown) => {
      // Not expected: guard answers every failure itself. Never let it reach Express's HTML error page.
      if (!res.headersSent) send(res, faultForError(error, version, onError));
    });
  }

  async function guard(req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> {
    let accepted: AcceptedReading;
    let input: EnvelopeReadInput;
    let username: string | undefined;
    try {
      const mediaType = parseMediaType(req.headers['content-type']);
      if (!mediaType || !(isSoapMediaType(mediaType.type) || mediaType.type === 'multipart/related')) {
        const got = req.headers['content-type'] ? `Content-Type ${req.headers['content-type']}` : 'no Content-Type';
        throw refuse(version, 'client', `SOAP ${version} requires Content-Type ${SOAP_MEDIA_TYPE[version]} (or multipart/related for MTOM); got ${got}`, 'content-type', { status: 415 });
      }
      const body = await readBody(req, version, opts.maxBodyBytes);
      if (body.length === 0) throw refuse(version, 'client', 'request body is empty; expected a SOAP envelope', 'empty');
      const envelope = mediaType.type === 'multipart/related' ? fromMtom(body, mediaType) : { body, mediaType, maxBodyBytes: opts.maxBodyBytes };
      input = {
        version,
        ...envelope,
        soapActionHeader: headerValue(req.headers['soapaction']),
        operations: port!.operations,
        understoodHeaders: opts.security ? [{ ns: WSSE_NAMESPACE, local: 'Security' }] : [],
        readToken: opts.security !== undefined,
        plan: argumentsPlan,
      };
      const reading = await envelopeReader(input);
      if ('refusal' in reading) throw new SoapRefusal(reading.refusal);
      accepted = reading;
      if (opts.security) username = await authenticate(opts.security, accepted, req);
    } catch (error) {
      // A client that hung up mid-request is nobody's error and cannot read an answer.
      if (error instanceof ClientGone) return;
      const response = error instanceof SoapRefusal ? error.response : faultForError(error, version, onError);
      return drainAndSend(req, res, response);
    }

    let capture: ResponseCapture | undefined;
    const state: RequestState = {
      operation: accepted.operation,
      handlerDone: false,
      answered: false,
      username,
      document: accepted.document,
      sendFault: (fault) => {
        if (state.answered) return;
        state.answered = true;
        capture?.release();
        send(res, fault);
      },
    };
    states.set(req, state);
    if (dispatchDirectly(req, res, accepted, state)) return;

    // node-soap reads the request itself: what it writes is held back until we know what to answer.
    capture = captureResponse(res);
    capture.onEnd = (status, chunks) => {
      capture?.release();
      answer(res, state, status, Buffer.concat(chunks));
    };
    // It would undo the content encoding and look the operation up by SOAPAction once more.
    delete req.headers['soapaction'];
    delete req.headers['content-encoding'];
    // node-soap uses an already read req.body; its SOAPAction lookup is looser than ours, so it
    // dispatches by the Body element, which was checked against the WSDL above. A reading with arguments
    // came without the text (node-soap would not have needed it): checked again here for it.
    (req as { body?: unknown }).body = accepted.text ?? checkedEnvelopeText(input);
    next();
  }

  /** What node-soap made of a request becomes the answer: the handler's result, else a fault of ours. */
  function answer(res: ServerResponse, state: RequestState, status: number, body: string | Buffer): void {
    if (state.answered) return;
    if (state.handlerDone && status < 400) {
      state.answered = true;
      res.statusCode = 200;
      res.setHeader('Content-Type', soapContentType(version));
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
      return;
    }
    // node-soap answered on its own (parse or dispatch failure): its text stays in the log.
    const text = body.toString('utf8').slice(0, 2000);
    state.sendFault(faultForError(new Error(`node-soap answered HTTP ${status} itself: ${text}`), version, onError));
  }

  /**
   * The plain request (see soap-arguments.reader): its arguments come from the checked tree and go
   * to node-soap's own dispatch, which calls the handler and serialises its result as it would after
   * its own parse; the answer is written from that. False: node-soap reads the request itself (next()).
   */
  function dispatchDirectly(req: IncomingMessage, res: ServerResponse, accepted: AcceptedReading, state: RequestState): boolean {
    const { args } = accepted;
    if (!nodeSoap || !targetOf || !args) return false;
    const target = targetOf(req.url, accepted.element);
    if (!target) return false;
    try {
      // node-soap hands the answer (or its own error envelope) to the callback; it writes nothing itself.
      nodeSoap._executeMethod({ ...target, args, headers: undefined, style: 'document' }, req, res, (result, statusCode) => answer(res, state, statusCode ?? 200, result));
    } catch (error) {
      state.sendFault(faultForError(error, version, onError));
    }
    return true;
  }

  /**
   * MTOM: the envelope is put back together with the attachments as base64 text. Its media type is
   * the endpoint's own as long as the root part names a SOAP type at all: node-soap 1.13 sends
   * `type="text/xml"` even for SOAP 1.2, and the envelope's namespace decides the version anyway.
   */
  function fromMtom(body: Buffer, mediaType: MediaType): { body: Buffer; mediaType: MediaType; maxBodyBytes: number } {
    let unpacked: ReturnType<typeof unpackMtom>;
    try {
      unpacked = unpackMtom(body, mediaType, opts.mtomLimits ?? DEFAULT_MTOM_LIMITS);
    } catch (error) {
      if (error instanceof MtomError) throw refuse(version, 'client', `malformed MTOM request: ${error.message}`, error.code);
      throw error;
    }
    const params: Record<string, string> = { charset: 'utf-8' };
    if (unpacked.action) params['action'] = unpacked.action;
    // Base64 makes the attachments a third larger than the bytes that passed the body limit.
    return { body: unpacked.envelope, mediaType: { type: SOAP_MEDIA_TYPE[version], params }, maxBodyBytes: Math.ceil((opts.maxBodyBytes * 4) / 3) + 4 };
  }

  async function authenticate(security: SoapSecurityOptions, accepted: AcceptedReading, req: IncomingMessage): Promise<string> {
    try {
      const { token, tokenError } = accepted;
      if (tokenError) throw new WsSecurityError(tokenError.faultCode, tokenError.message, tokenError.reason);
      if (!token) throw new Error('the envelope reader did not read the UsernameToken');
      // A Buffer comes back from a worker thread as a plain Uint8Array.
      const nonce = token.nonce as Uint8Array | undefined;
      if (nonce && !Buffer.isBuffer(nonce)) token.nonce = Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength);
      return (await security.verifier.verify(token)).username;
    } catch (error) {
      if (!(error instanceof WsSecurityError)) throw error;
      try {
        await security.onRefused?.(error, { soapVersion: version, ip: clientAddress(req), operation: accepted.operation });
      } catch (reportError) {
        onError?.(reportError, newErrorReference());
      }
      const code = error.faultCode.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase();
      throw new SoapRefusal(soapFaultResponse({ version, kind: 'client', message: error.message, detail: { code }, subcode: error.subcode }));
    }
  }

  const wrap =
    (operation: string, handler: SoapOperationHandler): ISoapServiceMethod =>
    (args: unknown, callback?: (error: unknown, result?: unknown) => void, _headers?: unknown, req?: IncomingMessage): void => {
      if (!callback || !req) throw new Error('node-soap called a handler without callback or request');
      const state = states.get(req);
      if (!state || state.operation !== operation) {
        // Only reachable if node-soap dispatched differently from the check: refuse rather than guess.
        const fault = faultForError(new Error(`node-soap dispatched ${operation}, checked ${state?.operation ?? 'nothing'}`), version, onError);
        if (state) state.sendFault(fault);
        return;
      }
      const ctx: SoapHandlerContext = { soapVersion: version, ip: clientAddress(req), operation };
      if (state.username !== undefined) ctx.username = state.username;
      if (state.document !== undefined) ctx.document = state.document;
      Promise.resolve()
        .then(() => handler(args, ctx))
        .then(
          (result) => {
            state.handlerDone = true;
            try {
              // Undefined would make node-soap take the one-argument callback style.
              callback(null, result ?? {});
            } catch (error) {
              // Serialising the result failed inside node-soap.
              state.sendFault(faultForError(error, version, onError));
            }
          },
          (error: unknown) => state.sendFault(faultForError(error, version, onError)),
        );
      // Returning undefined makes node-soap wait for the callback instead of a returned value.
    };

  const handlers = Object.fromEntries(Object.entries(opts.handlers).map(([name, handler]) => [name, wrap(name, handler)]));
  // node-soap looks handlers up under the port whose address path matches the request, falling
  // back to the last port of the service: registering them under every port keeps dispatch exact.
  const servicePorts = wsdl.ports.filter((p) => p.service === opts.serviceName);
  const services: IServices = { [opts.serviceName]: Object.fromEntries(servicePorts.map((p) => [p.name, handlers])) };

  await new Promise<void>((resolve, reject) => {
    const server = soap.listen(app, {
      path,
      services,
      xml: opts.wsdlXml,
      forceSoap12Headers: version === '1.2',
      suppressStack: true,
      enableChunkedEncoding: false,
      callback: (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
    });
    // Text (an XML document in xmlDocument) must arrive exactly as sent, not trimmed. node-soap
    // reads this from its WSDL options but copies it there only for clients, not from listen().
    const wsdlOptions = (server as unknown as { wsdl?: { options?: Record<string, unknown> } }).wsdl?.options;
    if (!wsdlOptions) throw new Error('node-soap changed: Server.wsdl.options is missing; whitespace in text could not be preserved');
    wsdlOptions['preserveWhitespace'] = true;
    nodeSoap = server as unknown as NodeSoapServer;
  });
  if (typeof nodeSoap?._executeMethod !== 'function' || !nodeSoap.wsdl.definitions?.messages) {
    throw new Error('node-soap changed: Server._executeMethod or wsdl.definitions is missing');
  }
  argumentsPlan = planArguments(nodeSoap.wsdl, [...port.operations.values()].map((op) => op.input!.local));
  targetOf = nodeSoapTargets(nodeSoap);
  ready = true;
}

interface NodeSoapTarget {
  serviceName: string;
  portName: string;
  methodName: string;
  outputName: string;
}

/**
 * Service, port and method as node-soap 1.13 finds them for a request (Server._process): the port
 * whose address path is the request's path, else the first port's binding under the last port's
 * names. Undefined where node-soap would not dispatch a document-style call by the Body element.
 * The ports' paths are worked out once; a request's path as node-soap does, the last one remembered.
 */
function nodeSoapTargets(server: NodeSoapServer): (url: string | undefined, elementName: string) => NodeSoapTarget | undefined {
  const pathOf = (url: string) => new URL(url, 'http://localhost').pathname.replace(/\/$/, '');
  const ports: Array<{ serviceName: string; portName: string; binding: NodeSoapBinding; path: string }> = [];
  const services = server.wsdl.definitions.services;
  for (const serviceName in services) {
    const servicePorts = services[serviceName]!.ports;
    for (const portName in servicePorts) ports.push({ serviceName, portName, binding: servicePorts[portName]!.binding, path: pathOf(servicePorts[portName]!.location) });
  }
  const last = ports.at(-1);
  const fallback = last && { ...last, binding: ports[0]!.binding };
  let lastUrl: string | undefined;
  let lastPath = '';
  return (url = '/', elementName) => {
    if (url !== lastUrl) {
      lastPath = pathOf(url);
      lastUrl = url;
    }
    const port = ports.find((candidate) => candidate.path === lastPath) ?? fallback;
    const pair = port?.binding.topElements?.[elementName];
    if (!port || !pair) return undefined;
    if ((port.binding.methods[pair.methodName]?.style || port.binding.style) !== 'document') return undefined;
    return { serviceName: port.serviceName, portName: port.portName, methodName: pair.methodName, outputName: pair.outputName };
  };
}

/** Express's req.ip where the request came through Express, else the peer's address (no proxy is trusted then). */
function clientAddress(req: IncomingMessage): string | undefined {
  return (req as { ip?: string }).ip ?? req.socket?.remoteAddress;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function send(res: ServerResponse, fault: SoapFaultResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = fault.status;
  res.setHeader('Content-Type', fault.contentType);
  res.setHeader('Content-Length', Buffer.byteLength(fault.body));
  res.end(fault.body);
}

/** How long the rest of a refused body is read and dropped before the connection is cut. */
const DRAIN_MS = 30_000;

/**
 * Answers before the body was (fully) read: the rest of the request is read and dropped first, then the
 * answer goes out. Answering while the client is still sending and then closing would reset the
 * connection under it (it would see ECONNRESET, not the fault); once the body is read, the connection is
 * as clean as after any answer and stays open, as REST's refusals leave it. A client that keeps sending
 * longer than DRAIN_MS is cut off.
 */
function drainAndSend(req: IncomingMessage, res: ServerResponse, fault: SoapFaultResponse): void {
  if (req.readableEnded) {
    send(res, fault);
    return;
  }
  const cut = setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
  req.once('end', () => {
    clearTimeout(cut);
    send(res, fault);
  });
  req.once('close', () => clearTimeout(cut));
  req.resume();
}

class BodyTooLarge extends Error {}
class ClientGone extends Error {}

async function readBody(req: IncomingMessage, version: SoapVersion, limit: number): Promise<Buffer> {
  const tooLarge = (size: string) => refuse(version, 'client', `request body is ${size}; at most ${limit} bytes are accepted`, 'too-large', { status: 413 });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(`${declared} bytes`);

  const encoding = (headerValue(req.headers['content-encoding']) ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    throw refuse(version, 'client', `Content-Encoding ${encoding} is not supported; use gzip, deflate or none`, 'content-encoding', { status: 415 });
  }

  let raw: Buffer;
  const preRead = (req as { body?: unknown }).body;
  if (Buffer.isBuffer(preRead) || typeof preRead === 'string') {
    // A body parser ran before us; its result still has to pass the limit.
    raw = Buffer.isBuffer(preRead) ? preRead : Buffer.from(preRead, 'utf8');
    if (raw.length > limit) throw tooLarge(`larger than that`);
  } else if (req.readableEnded) {
    throw new Error('the request body was read before the SOAP endpoint saw it: is a body parser mounted on this path?');
  } else {
    try {
      raw = await readStream(req, limit);
    } catch (error) {
      if (error instanceof BodyTooLarge) throw tooLarge('larger than that');
      throw error;
    }
  }
  if (encoding === 'identity') return raw;
  try {
    // maxOutputLength stops a compression bomb while it inflates.
    return encoding === 'deflate' ? await inflate(raw, { maxOutputLength: limit }) : await gunzip(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('larger than that once decompressed');
    throw refuse(version, 'client', `request body is not valid ${encoding} data`, 'content-encoding');
  }
}

function readStream(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    // An aborted upload ends in 'error' (ECONNRESET) or just 'close', never in 'end'.
    const onGone = () => {
      cleanup();
      reject(new ClientGone());
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

interface ResponseCapture {
  onEnd: (status: number, chunks: Buffer[]) => void;
  /** Puts the real methods back so that the final answer can be written. */
  release: () => void;
}

/** Keeps whatever node-soap (or Express behind it) writes from reaching the client until we decide. */
function captureResponse(res: ServerResponse): ResponseCapture {
  const chunks: Buffer[] = [];
  const original = { write: res.write, end: res.end, writeHead: res.writeHead };
  const toBuffer = (chunk: unknown, encoding: unknown): Buffer | undefined => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
    if (Buffer.isBuffer(chunk)) return chunk;
    if (chunk instanceof Uint8Array) return Buffer.from(chunk);
    return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  };
  const capture: ResponseCapture = {
    onEnd: () => undefined,
    release: () => {
      res.write = original.write;
      res.end = original.end;
      res.writeHead = original.writeHead;
    },
  };
  res.write = function write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const buffer = toBuffer(chunk, encoding);
    if (buffer) chunks.push(buffer);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  } as ServerResponse['write'];
  res.end = function end(chunk?: unknown, encoding?: unknown, cb?: unknown): ServerResponse {
    const buffer = toBuffer(chunk, encoding);
    if (buffer) chunks.push(buffer);
    capture.onEnd(res.statusCode, chunks);
    const done = typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return res;
  } as ServerResponse['end'];
  res.writeHead = function writeHead(status: number): ServerResponse {
    // Only the status is kept; headers are set again when the final answer is written.
    res.statusCode = status;
    return res;
  } as ServerResponse['writeHead'];
  return capture;
}

