import { readXmlForIntake, serialiseXmlWorkerError } from '@app/xml';
import type { XmlIntakeOptions, XmlIntakeResult, XmlWorkerError } from '@app/xml';
import { readArguments } from './soap-arguments.reader.js';
import type { ArgumentsPlan } from './soap-arguments.reader.js';
import { SoapRefusal, checkEnvelope } from './soap-envelope.guard.js';
import type { AcceptedEnvelope, EnvelopeCheckInput } from './soap-envelope.guard.js';
import type { SoapFaultResponse } from './soap-fault.builder.js';
import { soapText } from './soap-value.reader.js';
import { leafText } from './xml-tree.reader.js';
import { WsSecurityError, readUsernameToken } from './ws-security.verifier.js';
import type { UsernameToken, WsSecurityFaultCode } from './ws-security.verifier.js';

/** The worker task name of readEnvelope (see SOAP_XML_WORKER_TASKS). */
export const SOAP_ENVELOPE_TASK = 'soap-envelope';

export interface EnvelopeReadInput extends Omit<EnvelopeCheckInput, 'body'> {
  /** The request body, content-encoding undone (a Buffer in-process, its bytes on a worker). */
  body: Uint8Array;
  /** Read the wsse:Security UsernameToken too (the endpoint checks tokens). */
  readToken: boolean;
  /** How node-soap would build the handler's arguments (planArguments). */
  plan: ArgumentsPlan;
}

/**
 * The document read along with the envelope: its UTF-8 bytes, and what readXmlForIntake gave for them
 * or the error it threw (as plain data; reviveXmlWorkerError gives the error back).
 */
export interface EnvelopeDocument {
  /** The selector's value the options were picked by. */
  selector: string;
  body: Uint8Array;
  read?: XmlIntakeResult;
  error?: XmlWorkerError;
}

/**
 * What a request's envelope gave, as plain data so that it crosses a worker boundary: a refusal to
 * answer, or the checked operation with its arguments where they are of the plain shape
 * (readArguments), else `text`, the envelope for node-soap to read the request itself.
 */
export type EnvelopeReading =
  | { refusal: SoapFaultResponse }
  | {
      operation: string;
      /** Local name of the operation element in the Body. */
      element: string;
      args?: Record<string, unknown>;
      /** The checked envelope for node-soap, given where there are no `args` (node-soap reads the request itself). */
      text?: string;
      token?: UsernameToken;
      /** The token could not be read: refused before any password is checked. */
      tokenError?: { faultCode: WsSecurityFaultCode; message: string; reason: string };
      /** The XML document an argument carries, where the reader was asked to read it too (readEnvelopeWithDocument). */
      document?: EnvelopeDocument;
    };

/**
 * Everything a SOAP request needs of its XML before a handler runs, in one function without state, so
 * that it can run on a worker thread: the envelope check, the WS-Security UsernameToken, and the
 * arguments. Checking the token's password and nonce stays with the caller (it needs Redis).
 */
export function readEnvelope(input: EnvelopeReadInput): EnvelopeReading {
  return read(input).reading;
}

/**
 * readEnvelope, and the envelope as checked. `document`: its argument comes as UTF-8 bytes when the
 * operation is the document's (readArguments' asBytes).
 */
function read(input: EnvelopeReadInput, document?: EnvelopeDocumentRequest): { reading: EnvelopeReading; accepted?: AcceptedEnvelope } {
  let accepted: AcceptedEnvelope;
  try {
    accepted = checkInput(input);
  } catch (error) {
    if (error instanceof SoapRefusal) return { reading: { refusal: error.response } };
    throw error;
  }
  const reading: EnvelopeReading = { operation: accepted.operation.name, element: accepted.element.local };
  if (input.readToken) {
    try {
      reading.token = readUsernameToken(accepted.source, accepted.header, input.version);
    } catch (error) {
      if (!(error instanceof WsSecurityError)) throw error;
      reading.tokenError = { faultCode: error.faultCode, message: error.message, reason: error.reason };
    }
  }
  const args = readArguments(input.plan, accepted, document?.operation === reading.operation ? document.argument : undefined);
  // The envelope text only goes back where node-soap has to read it (it would stay alive with the request).
  if (args) reading.args = args;
  else reading.text = accepted.text;
  return { reading, accepted };
}

/** The checked envelope text of a request readEnvelope accepted, for node-soap where a reading came without it. */
export function checkedEnvelopeText(input: EnvelopeReadInput): string {
  return checkInput(input).text;
}

function checkInput(input: EnvelopeReadInput): AcceptedEnvelope {
  // A Buffer in-process; its bytes as a plain Uint8Array on a worker.
  const body = Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
  return checkEnvelope({ ...input, body });
}

/** The worker task name of readEnvelopeWithDocument (see SOAP_XML_WORKER_TASKS). */
export const SOAP_ENVELOPE_DOCUMENT_TASK = 'soap-envelope-document';

/**
 * An XML document that an operation carries as text in one of its arguments (submitDocument's
 * xmlDocument, say), to be read together with the envelope: on a worker thread that saves sending the
 * document there a second time.
 */
export interface EnvelopeDocumentRequest {
  operation: string;
  /** The argument whose text is the XML document. */
  argument: string;
  /** The argument whose text picks the reading options (a route id, say). A value without options: not read. */
  selector: string;
  /** readXmlForIntake options by the selector's value. */
  options: Readonly<Record<string, XmlIntakeOptions>>;
  /** Arguments that change how the document is to be taken (a content type, say): when one is given, it is not read. */
  unlessGiven?: readonly string[];
}

export interface EnvelopeDocumentReadInput extends EnvelopeReadInput {
  document: EnvelopeDocumentRequest;
}

/**
 * readEnvelope, then the XML document the request carries where `document` says so; its argument is
 * then taken out of `args` (the bytes are in `document.body`). The document's refusal is not the
 * envelope's: it comes back in `document.error` for the handler to raise where it would have read the
 * document itself, so every check before that still comes first.
 */
export async function readEnvelopeWithDocument(input: EnvelopeDocumentReadInput): Promise<EnvelopeReading> {
  const request = input.document;
  const { reading, accepted } = read(input, request);
  if (!accepted || 'refusal' in reading || reading.operation !== request.operation || !reading.args) return reading;
  const args = reading.args;
  // The document's text came as its UTF-8 bytes (own ones, never a pooled Buffer's: they cross a thread).
  const body = args[request.argument];
  if (!(body instanceof Uint8Array)) return reading;
  const selector = soapText(args[request.selector]);
  if (selector === undefined || !Object.hasOwn(request.options, selector) || request.unlessGiven?.some((name) => Object.hasOwn(args, name))) {
    // Not read here: the handler gets the text, as readEnvelope gives it.
    const element = accepted.element.children.find((child) => child.local === request.argument)!;
    args[request.argument] = leafText(accepted.source, element);
    return reading;
  }
  const document: EnvelopeDocument = { selector, body };
  try {
    document.read = await readXmlForIntake(body, request.options[selector]!);
  } catch (error) {
    document.error = serialiseXmlWorkerError(error);
  }
  // The text is in document.body now: not sent back (and kept with the request) twice.
  const { [request.argument]: _read, ...rest } = args;
  return { ...reading, args: rest, document };
}

/** The SOAP envelope tasks for an XML worker (XmlWorkerPool / serveXmlWorkerTasks). */
export const SOAP_ENVELOPE_TASKS = { [SOAP_ENVELOPE_TASK]: readEnvelope, [SOAP_ENVELOPE_DOCUMENT_TASK]: readEnvelopeWithDocument } as const;
