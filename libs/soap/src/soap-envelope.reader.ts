import { readArguments } from './soap-arguments.reader.js';
import type { ArgumentsPlan } from './soap-arguments.reader.js';
import { SoapRefusal, checkEnvelope } from './soap-envelope.guard.js';
import type { EnvelopeCheckInput } from './soap-envelope.guard.js';
import type { SoapFaultResponse } from './soap-fault.builder.js';
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
 * What a request's envelope gave, as plain data so that it crosses a worker boundary: a refusal to
 * answer, or the checked operation with its arguments where they are of the plain shape
 * (readArguments); `text` is the envelope for node-soap when it has to read the request itself.
 */
export type EnvelopeReading =
  | { refusal: SoapFaultResponse }
  | {
      operation: string;
      /** Local name of the operation element in the Body. */
      element: string;
      args?: Record<string, unknown>;
      text: string;
      token?: UsernameToken;
      /** The token could not be read: refused before any password is checked. */
      tokenError?: { faultCode: WsSecurityFaultCode; message: string; reason: string };
    };

/**
 * Everything a SOAP request needs of its XML before a handler runs, in one function without state, so
 * that it can run on a worker thread: the envelope check, the WS-Security UsernameToken, and the
 * arguments. Checking the token's password and nonce stays with the caller (it needs Redis).
 */
export function readEnvelope(input: EnvelopeReadInput): EnvelopeReading {
  const body = Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
  let accepted: ReturnType<typeof checkEnvelope>;
  try {
    accepted = checkEnvelope({ ...input, body });
  } catch (error) {
    if (error instanceof SoapRefusal) return { refusal: error.response };
    throw error;
  }
  const reading: EnvelopeReading = { operation: accepted.operation.name, element: accepted.element.local, text: accepted.text };
  if (input.readToken) {
    try {
      reading.token = readUsernameToken(accepted.source, accepted.header, input.version);
    } catch (error) {
      if (!(error instanceof WsSecurityError)) throw error;
      reading.tokenError = { faultCode: error.faultCode, message: error.message, reason: error.reason };
    }
  }
  const args = readArguments(input.plan, accepted);
  if (args) reading.args = args;
  return reading;
}

/** The SOAP envelope task for an XML worker (XmlWorkerPool / serveXmlWorkerTasks). */
export const SOAP_ENVELOPE_TASKS = { [SOAP_ENVELOPE_TASK]: readEnvelope } as const;
