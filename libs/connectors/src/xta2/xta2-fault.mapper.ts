import { PermanentError, RetryableError } from '@app/contracts';
import { mapCallError } from '@app/soap';
import { soapChild, soapText } from './xta2-metadata.reader.js';

interface XtaException {
  retryable: boolean;
  code: string;
  meaning: string;
}

/**
 * The exceptions the XTA 2 WSDL declares as faults, by element name. Only a technical problem of the XTA
 * server may pass on another try; the others describe the account, the request or the message, which a
 * retry sends unchanged. The detail decides, not the fault code: servers built on common SOAP stacks send
 * every declared exception as soap:Receiver.
 */
const XTA_EXCEPTIONS: Readonly<Record<string, XtaException>> = {
  XTAWSTechnicalProblemException: { retryable: true, code: 'xta2-technical-problem', meaning: 'technical problem of the XTA server' },
  PermissionDeniedException: { retryable: false, code: 'xta2-permission-denied', meaning: 'the account is locked, unknown or not allowed to do this' },
  ParameterIsNotValidException: { retryable: false, code: 'xta2-parameter-invalid', meaning: 'a parameter of the request is not valid' },
  MessageSchemaViolationException: { retryable: false, code: 'xta2-schema-violation', meaning: 'the message does not match its schema' },
  MessageVirusDetectionException: { retryable: false, code: 'xta2-virus-detected', meaning: 'malicious code was found in the message' },
  SyncAsyncException: { retryable: false, code: 'xta2-sync-async', meaning: 'the message is not valid for this (a)synchronous way of sending' },
  InvalidMessageIDException: { retryable: false, code: 'xta2-invalid-message-id', meaning: 'the MessageID is not known here' },
  CancelDeniedException: { retryable: false, code: 'xta2-cancel-denied', meaning: 'the message can no longer be cancelled' },
};

/** The error code of an XTA exception's detail (`errorCode/code` and `name`, XTA-WS Fehlernummer code list). */
export interface Xta2FaultInfo {
  exception: string;
  errorCode?: string;
  errorName?: string;
}

/** The declared XTA exception in a node-soap fault error, if the fault carries one. */
export function readXta2Fault(error: unknown): Xta2FaultInfo | undefined {
  const fault = (error as { root?: { Envelope?: { Body?: { Fault?: unknown } } } } | undefined)?.root?.Envelope?.Body?.Fault;
  if (!fault || typeof fault !== 'object') return undefined;
  const detail = soapChild(fault, 'Detail') ?? soapChild(fault, 'detail');
  if (!detail || typeof detail !== 'object') return undefined;
  for (const exception of Object.keys(XTA_EXCEPTIONS)) {
    const node = soapChild(detail, exception);
    if (node === undefined) continue;
    const errorCode = soapChild(node, 'errorCode');
    const code = soapText(soapChild(errorCode, 'code'));
    const name = soapText(soapChild(errorCode, 'name'));
    return { exception, ...(code ? { errorCode: code } : {}), ...(name ? { errorName: name } : {}) };
  }
  return undefined;
}

/**
 * Maps a failed XTA call to what the caller must do: RetryableError (technical problem of the XTA server,
 * soap:Receiver without a declared exception, HTTP 5xx, timeout, connection refused) or PermanentError
 * (a declared XTA exception other than the technical problem, soap:Sender, HTTP 4xx). `what` names the
 * operation and endpoint for the message; no message content goes into it.
 */
export function mapXta2Error(error: unknown, what: string, timeoutMs: number): PermanentError | RetryableError {
  if (error instanceof PermanentError || error instanceof RetryableError) return error;
  const xta = readXta2Fault(error);
  if (xta) {
    const known = XTA_EXCEPTIONS[xta.exception]!;
    const code = xta.errorCode ? ` (error ${xta.errorCode}${xta.errorName ? `: ${xta.errorName}` : ''})` : '';
    const message = `XTA server answered ${what} with ${xta.exception}${code}: ${known.meaning}`;
    return known.retryable ? new RetryableError(message, known.code, { cause: error }) : new PermanentError(message, known.code, { cause: error });
  }
  return mapCallError(error, what, timeoutMs);
}
