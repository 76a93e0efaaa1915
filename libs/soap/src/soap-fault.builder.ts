import { randomBytes } from 'node:crypto';
import { InputError, PermanentError, UnavailableError } from '@app/contracts';
import { escapeXml, escapeXmlAttribute } from '@app/xml';
import type { QualifiedName, SoapVersion } from './wsdl.inspector.js';

export const SOAP11_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE_NAMESPACE = 'http://www.w3.org/2003/05/soap-envelope';
/** Namespace of the fault detail element `error` (Schnittstelle's contract, see schnittstelle.wsdl). */
export const FAULT_DETAIL_NAMESPACE = 'urn:schnittstelle:v1';

export const SOAP_MEDIA_TYPE: Record<SoapVersion, string> = { '1.1': 'text/xml', '1.2': 'application/soap+xml' };

export function envelopeNamespace(version: SoapVersion): string {
  return version === '1.1' ? SOAP11_ENVELOPE_NAMESPACE : SOAP12_ENVELOPE_NAMESPACE;
}

/**
 * client: the request is wrong (1.1 soap:Client, 1.2 env:Sender); server: Schnittstelle could not
 * do it (soap:Server / env:Receiver); version-mismatch: the envelope is not of this SOAP version;
 * must-understand: a header block marked mustUnderstand that this endpoint does not process.
 */
export type SoapFaultKind = 'client' | 'server' | 'version-mismatch' | 'must-understand';

export interface SoapFaultDetail {
  /** Machine-readable reason, e.g. an InputError code. */
  code: string;
  /** For internal errors: the reference that finds the log entry. */
  reference?: string;
}

export interface SoapFaultSpec {
  version: SoapVersion;
  kind: SoapFaultKind;
  /** Human-readable, English; never a stack or an internal error text. */
  message: string;
  detail?: SoapFaultDetail;
  /** VersionMismatch: envelope versions this endpoint accepts, sent as an Upgrade header (SOAP 1.2 Part 1, 5.4.7). */
  upgrade?: SoapVersion[];
  /** MustUnderstand (SOAP 1.2): the header blocks not understood, sent as NotUnderstood headers. */
  notUnderstood?: QualifiedName[];
  /**
   * A more precise code from another specification, such as WS-Security's wsse:FailedAuthentication.
   * SOAP 1.1 has no subcodes, so there it replaces the faultcode (as WSS 1.0 prescribes); SOAP 1.2
   * keeps Sender/Receiver as the Code and carries it as the Subcode.
   */
  subcode?: FaultSubcode;
}

export interface FaultSubcode {
  ns: string;
  /** Prefix to write it with, e.g. `wsse`; declared on the Fault element. */
  prefix: string;
  local: string;
}

const CODES: Record<SoapVersion, Record<SoapFaultKind, string>> = {
  '1.1': { 'client': 'Client', 'server': 'Server', 'version-mismatch': 'VersionMismatch', 'must-understand': 'MustUnderstand' },
  '1.2': { 'client': 'Sender', 'server': 'Receiver', 'version-mismatch': 'VersionMismatch', 'must-understand': 'MustUnderstand' },
};

/** A complete SOAP envelope holding one fault, in the format of the given SOAP version. */
export function buildSoapFault(spec: SoapFaultSpec): string {
  const env = spec.version === '1.1' ? 'soap' : 'env';
  const code = `${env}:${CODES[spec.version][spec.kind]}`;
  const detail = spec.detail ? detailXml(spec.detail) : '';
  const header = headerXml(spec, env);
  const sub = spec.subcode;
  if (sub && (!/^[A-Za-z_][\w.-]*$/.test(sub.prefix) || sub.prefix === env || !/^[A-Za-z_][\w.-]*$/.test(sub.local))) {
    throw new Error(`fault subcode ${sub.prefix}:${sub.local} is not a usable qualified name`);
  }
  const faultOpen = sub ? `<${env}:Fault xmlns:${sub.prefix}="${escapeXmlAttribute(sub.ns)}">` : `<${env}:Fault>`;
  const subcode = sub ? `<${env}:Subcode><${env}:Value>${sub.prefix}:${sub.local}</${env}:Value></${env}:Subcode>` : '';
  const fault =
    spec.version === '1.1'
      ? `${faultOpen}<faultcode>${sub ? `${sub.prefix}:${sub.local}` : code}</faultcode><faultstring>${escapeXml(spec.message)}</faultstring>` +
        (detail ? `<detail>${detail}</detail>` : '') +
        `</${env}:Fault>`
      : `${faultOpen}<${env}:Code><${env}:Value>${code}</${env}:Value>${subcode}</${env}:Code>` +
        `<${env}:Reason><${env}:Text xml:lang="en">${escapeXml(spec.message)}</${env}:Text></${env}:Reason>` +
        (detail ? `<${env}:Detail>${detail}</${env}:Detail>` : '') +
        `</${env}:Fault>`;
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<${env}:Envelope xmlns:${env}="${envelopeNamespace(spec.version)}">` +
    header +
    `<${env}:Body>${fault}</${env}:Body></${env}:Envelope>`
  );
}

function detailXml(detail: SoapFaultDetail): string {
  const reference = detail.reference === undefined ? '' : `<s:reference>${escapeXml(detail.reference)}</s:reference>`;
  return `<s:error xmlns:s="${FAULT_DETAIL_NAMESPACE}"><s:code>${escapeXml(detail.code)}</s:code>${reference}</s:error>`;
}

function headerXml(spec: SoapFaultSpec, env: string): string {
  const blocks: string[] = [];
  if (spec.kind === 'version-mismatch' && spec.upgrade?.length) {
    // Upgrade is a SOAP 1.2 construct; in a 1.1 envelope it is still written in the 1.2 namespace.
    const upg = spec.version === '1.2' ? env : 'upg';
    const declare = spec.version === '1.2' ? '' : ` xmlns:upg="${SOAP12_ENVELOPE_NAMESPACE}"`;
    const supported = spec.upgrade
      .map((v, i) => `<${upg}:SupportedEnvelope qname="v${i}:Envelope" xmlns:v${i}="${envelopeNamespace(v)}"/>`)
      .join('');
    blocks.push(`<${upg}:Upgrade${declare}>${supported}</${upg}:Upgrade>`);
  }
  if (spec.kind === 'must-understand' && spec.version === '1.2') {
    // An unqualified name needs no prefix: the fault envelope declares no default namespace.
    for (const block of spec.notUnderstood ?? []) {
      const local = escapeXmlAttribute(block.local);
      blocks.push(
        block.ns === undefined
          ? `<${env}:NotUnderstood qname="${local}"/>`
          : `<${env}:NotUnderstood qname="h:${local}" xmlns:h="${escapeXmlAttribute(block.ns)}"/>`,
      );
    }
  }
  return blocks.length ? `<${env}:Header>${blocks.join('')}</${env}:Header>` : '';
}

/** HTTP status of a fault: SOAP 1.1 answers every fault with 500; SOAP 1.2 a Sender fault with 400. */
export function faultHttpStatus(version: SoapVersion, kind: SoapFaultKind): number {
  return version === '1.2' && kind === 'client' ? 400 : 500;
}

export function soapContentType(version: SoapVersion): string {
  return `${SOAP_MEDIA_TYPE[version]}; charset=utf-8`;
}

/** A fault ready to send: the envelope, its HTTP status and Content-Type. */
export interface SoapFaultResponse {
  status: number;
  contentType: string;
  body: string;
  spec: SoapFaultSpec;
}

export function soapFaultResponse(spec: SoapFaultSpec, status = faultHttpStatus(spec.version, spec.kind)): SoapFaultResponse {
  return { status, contentType: soapContentType(spec.version), body: buildSoapFault(spec), spec };
}

/** A reference to quote for an internal error: short enough to read out on the phone, unique enough to find the log entry. */
export function newErrorReference(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Maps an error thrown by an operation handler to the fault the client sees. Input and permanent
 * errors are the client's to fix and say so; unavailable backing services ask for a retry (503);
 * anything else is an internal error whose text stays in the log, the client gets a reference.
 */
export function faultForError(
  error: unknown,
  version: SoapVersion,
  onInternalError?: (error: unknown, reference: string) => void,
): SoapFaultResponse {
  if (error instanceof InputError) {
    const status = error.httpStatus === 413 ? 413 : faultHttpStatus(version, 'client');
    return soapFaultResponse({ version, kind: 'client', message: error.message, detail: { code: error.code } }, status);
  }
  if (error instanceof PermanentError) {
    return soapFaultResponse({ version, kind: 'client', message: error.message, detail: { code: error.code } });
  }
  if (error instanceof UnavailableError) {
    const message = `service temporarily unavailable: ${error.message}`;
    return soapFaultResponse({ version, kind: 'server', message, detail: { code: error.code } }, 503);
  }
  const reference = newErrorReference();
  onInternalError?.(error, reference);
  return soapFaultResponse({ version, kind: 'server', message: `Internal error; reference ${reference}`, detail: { code: 'internal', reference } });
}
