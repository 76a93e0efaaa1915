import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import soap from 'soap';
import type { Client } from 'soap';
import { PermanentError, RetryableError } from '@app/contracts';
import { describeWsdl } from './wsdl.inspector.js';
import type { SoapVersion, WsdlDescription } from './wsdl.inspector.js';

export interface SoapCallerOptions {
  /** The legacy system's WSDL: a file path (relative to the working directory) or an http(s) URL. */
  wsdlPath: string;
  /** Overrides the address in the WSDL. */
  endpoint?: string;
  soapVersion: SoapVersion;
  /** Upper bound for one call, connect to last byte. */
  timeoutMs: number;
  /** A WS-Security UsernameToken (with nonce and Created) sent in every call. */
  usernameToken?: OutboundUsernameToken;
  /** Client certificate and trusted CA for https endpoints (and an https WSDL); read once, at create. */
  tls?: OutboundTls;
}

export interface OutboundUsernameToken {
  username: string;
  password: string;
  /** PasswordText (default) sends the password itself, so only over https; PasswordDigest sends SHA-1(nonce + created + password). */
  passwordType?: 'PasswordText' | 'PasswordDigest';
  /** Marks the Security header mustUnderstand (default true): a server that cannot check it must refuse the call. */
  mustUnderstand?: boolean;
}

export interface OutboundTls {
  /** PEM client certificate (chain) and its private key, presented when the server asks for one. */
  certFile?: string;
  keyFile?: string;
  /** PEM CA certificate(s) the server's certificate must chain to, instead of the system's list. */
  caFile?: string;
  /** For an encrypted private key. */
  passphrase?: string;
}

type SoapMethod = (args: object, callback: (err: unknown, result: unknown) => void, options?: object) => void;

/** Codes of network failures where the other side may well answer later. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED', 'ABORT_ERR', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Calls operations of a legacy system's SOAP service for the write-back. The node-soap client is
 * created once from the WSDL and reused. Every failure comes out as PermanentError (the same call
 * would fail again: soap:Client/env:Sender fault, HTTP 4xx, unknown operation, bad WSDL) or
 * RetryableError (it may pass later: soap:Server/env:Receiver fault, HTTP 5xx, timeout, connection
 * refused or reset), which is what the queue needs to decide between retrying and giving up.
 */
export class SoapCaller {
  private constructor(
    private readonly client: Client,
    private readonly methods: Record<string, SoapMethod>,
    private readonly opts: SoapCallerOptions,
    /** Where calls go, for messages. */
    readonly endpoint: string,
    private readonly httpsAgent?: Agent,
  ) {}

  static async create(opts: SoapCallerOptions): Promise<SoapCaller> {
    if (!Number.isSafeInteger(opts.timeoutMs) || opts.timeoutMs < 1) throw new RangeError(`timeoutMs must be a positive integer, got ${String(opts.timeoutMs)}`);
    const isUrl = /^https?:\/\//i.test(opts.wsdlPath);
    const httpsAgent = opts.tls ? await tlsAgent(opts.tls) : undefined;

    let description: WsdlDescription | undefined;
    if (!isUrl) {
      let text: string;
      try {
        text = await readFile(opts.wsdlPath, 'utf8');
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unreadable';
        throw new PermanentError(`cannot read WSDL ${opts.wsdlPath} (${code})`, 'wsdl-unreadable', { cause: error });
      }
      try {
        description = describeWsdl(text);
      } catch (error) {
        throw new PermanentError(`WSDL ${opts.wsdlPath} is not usable: ${(error as Error).message}`, 'wsdl-invalid', { cause: error });
      }
    }

    let client: Client;
    try {
      // node-soap caches parsed WSDLs by path and keeps client options (the SOAP version among them)
      // on that shared object: without disableCache a 1.2 caller would turn an earlier 1.1 caller into 1.2.
      client = await soap.createClientAsync(
        opts.wsdlPath,
        { forceSoap12Headers: opts.soapVersion === '1.2', disableCache: true, ...(httpsAgent ? { wsdl_options: { httpsAgent } } : {}) },
        opts.endpoint,
      );
    } catch (error) {
      if (isUrl && networkCode(error)) {
        throw new RetryableError(`cannot load WSDL ${opts.wsdlPath} (${networkCode(error)})`, 'unreachable', { cause: error });
      }
      throw new PermanentError(`WSDL ${opts.wsdlPath} is not usable: ${(error as Error).message}`, isUrl ? 'wsdl-unreadable' : 'wsdl-invalid', { cause: error });
    }

    const { service, port, location } = choosePort(client, description, opts);
    const methods = (client as unknown as Record<string, Record<string, Record<string, SoapMethod>>>)[service]![port]!;
    if (opts.usernameToken) {
      const { username, password, passwordType = 'PasswordText', mustUnderstand = true } = opts.usernameToken;
      // A nonce with PasswordText too: it is what lets the receiver refuse a replayed call.
      client.setSecurity(new soap.WSSecurity(username, password, { passwordType, mustUnderstand, hasNonce: true, hasTokenCreated: true }));
    }
    return new SoapCaller(client, methods, opts, opts.endpoint ?? location ?? '(address from WSDL)', httpsAgent);
  }

  /** Operation names of the port in use. */
  get operations(): string[] {
    return Object.keys(this.methods).sort();
  }

  /** Calls one operation; resolves with the content of its response element. */
  async call(operation: string, args: object): Promise<unknown> {
    const method = Object.hasOwn(this.methods, operation) ? this.methods[operation] : undefined;
    if (!method) {
      throw new PermanentError(`operation ${operation} is not in WSDL ${this.opts.wsdlPath}; known: ${this.operations.join(', ')}`, 'soap-unknown-operation');
    }
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    try {
      return await new Promise((resolve, reject) => {
        const options = { timeout: this.opts.timeoutMs, signal, ...(this.httpsAgent ? { httpsAgent: this.httpsAgent } : {}) };
        method.call(this.client, args, (err, result) => (err ? reject(err) : resolve(result)), options);
      });
    } catch (error) {
      throw mapCallError(error, `${operation} at ${this.endpoint}`, this.opts.timeoutMs);
    }
  }
}

/** One agent per caller: the files are read and checked once, and connections can be reused. */
async function tlsAgent(tls: OutboundTls): Promise<Agent> {
  if (!!tls.certFile !== !!tls.keyFile) throw new PermanentError('a client certificate needs both certFile and keyFile', 'tls-invalid');
  const read = async (file: string | undefined, what: string) => {
    if (!file) return undefined;
    try {
      return await readFile(file);
    } catch (error) {
      throw new PermanentError(`cannot read the TLS ${what} ${file} (${(error as { code?: string }).code ?? 'unreadable'})`, 'tls-unreadable', { cause: error });
    }
  };
  const options = {
    cert: await read(tls.certFile, 'client certificate'),
    key: await read(tls.keyFile, 'client key'),
    ca: await read(tls.caFile, 'CA file'),
    passphrase: tls.passphrase,
  };
  try {
    // Fails here, with the reason, on a key that does not fit the certificate or a file that is not PEM.
    createSecureContext(options);
  } catch (error) {
    throw new PermanentError(`the TLS files are not usable (${tls.certFile ?? ''} ${tls.keyFile ?? ''} ${tls.caFile ?? ''}): ${(error as Error).message}`, 'tls-invalid', { cause: error });
  }
  return new Agent({ ...options, keepAlive: true });
}

function choosePort(client: Client, description: WsdlDescription | undefined, opts: SoapCallerOptions): { service: string; port: string; location?: string } {
  const services = (client as unknown as { wsdl: { definitions: { services: Record<string, { ports: Record<string, { location?: string }> }> } } }).wsdl.definitions.services;
  const available = Object.entries(services).flatMap(([service, s]) => Object.entries(s.ports).map(([port, p]) => ({ service, port, location: p.location })));
  // node-soap does not tell SOAP 1.1 and 1.2 bindings apart; the WSDL's own reading does.
  const fitting = description ? available.filter((a) => description.ports.some((p) => p.service === a.service && p.name === a.port && p.version === opts.soapVersion)) : [];
  const chosen = fitting[0] ?? (description ? undefined : available[0]);
  if (!chosen) {
    const ports = description?.ports.map((p) => `${p.name} (${p.version ? `SOAP ${p.version}` : 'not SOAP'})`).join(', ');
    throw new PermanentError(`WSDL ${opts.wsdlPath} has no SOAP ${opts.soapVersion} port; ports: ${ports || 'none'}`, 'wsdl-no-port');
  }
  return chosen;
}

interface SoapClientError {
  code?: string;
  cause?: { code?: string };
  message?: string;
  response?: { status?: number };
  root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } };
}

function networkCode(error: unknown): string | undefined {
  const e = error as SoapClientError | undefined;
  const code = e?.code ?? e?.cause?.code;
  return code && (UNREACHABLE_CODES.has(code) || TIMEOUT_CODES.has(code)) ? code : undefined;
}

/** Text of a node-soap value that may be a plain string or `{ $value, attributes }`. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { $value?: unknown }).$value === 'string') return (value as { $value: string }).$value;
  return undefined;
}

function readFault(fault: Record<string, unknown>): { code: string; subcode?: string; reason: string } {
  // SOAP 1.1: faultcode/faultstring; SOAP 1.2: Code/Value (+Subcode) and Reason/Text.
  const code11 = textOf(fault['faultcode']);
  if (code11 !== undefined) return { code: code11.trim(), reason: (textOf(fault['faultstring']) ?? '').trim() };
  const code = fault['Code'] as { Value?: unknown; Subcode?: { Value?: unknown } } | undefined;
  const reason = fault['Reason'] as { Text?: unknown } | undefined;
  const text = Array.isArray(reason?.Text) ? reason.Text[0] : reason?.Text;
  // A subcode (e.g. WS-Security's wsse:FailedAuthentication) is the precise reason: keep it in the message.
  const subcode = textOf(code?.Subcode?.Value)?.trim();
  return { code: (textOf(code?.Value) ?? '').trim(), ...(subcode ? { subcode } : {}), reason: (textOf(text) ?? '').trim() };
}

export function mapCallError(error: unknown, what: string, timeoutMs: number): PermanentError | RetryableError {
  const e = (error ?? {}) as SoapClientError;
  const fault = e.root?.Envelope?.Body?.Fault;
  if (fault && typeof fault === 'object') {
    const { code, subcode, reason } = readFault(fault);
    const local = code.slice(code.indexOf(':') + 1);
    const message = `legacy system answered ${what} with fault ${code || '(no code)'}${subcode ? ` (${subcode})` : ''}: ${reason || '(no reason)'}`;
    if (/^(Client|Sender)(\.|$)/.test(local)) return new PermanentError(message, 'soap-client-fault', { cause: error });
    if (/^(VersionMismatch|MustUnderstand|DataEncodingUnknown)(\.|$)/.test(local)) return new PermanentError(message, 'soap-client-fault', { cause: error });
    // WS-Security (SOAP 1.1 puts its codes in faultcode): wrong credentials stay wrong; an expired
    // token or a nonce seen twice pass with the fresh token of the next try.
    if (/^(FailedAuthentication|InvalidSecurityToken|UnsupportedSecurityToken|UnsupportedAlgorithm)$/.test(local)) {
      return new PermanentError(message, 'soap-security-fault', { cause: error });
    }
    // Server/Receiver and codes of the service's own making: it may work on another try.
    return new RetryableError(message, 'soap-server-fault', { cause: error });
  }
  const code = e.code ?? e.cause?.code;
  if (code && TIMEOUT_CODES.has(code)) return new RetryableError(`${what} did not answer within ${timeoutMs} ms`, 'timeout', { cause: error });
  if (code && UNREACHABLE_CODES.has(code)) return new RetryableError(`${what} is unreachable (${code})`, 'unreachable', { cause: error });
  const status = e.response?.status;
  if (status !== undefined) {
    if (status >= 500) return new RetryableError(`${what} answered HTTP ${status}`, 'soap-server-fault', { cause: error });
    // Too many requests and request timeout are the HTTP way of saying "later".
    if (status === 408 || status === 429) return new RetryableError(`${what} answered HTTP ${status}`, 'http-retry-later', { cause: error });
    if (status >= 400) return new PermanentError(`${what} answered HTTP ${status}`, 'http-client-error', { cause: error });
    return new PermanentError(`${what} answered HTTP ${status} with something that is not a SOAP response`, 'soap-bad-response', { cause: error });
  }
  return new RetryableError(`${what} failed: ${e.message ?? String(error)}`, 'soap-call-failed', { cause: error });
}
