import { InputError } from '@app/contracts';
import { XsdSchemaLoadError } from './xsd-schema.loader.js';
import type { XsdValidationIssue } from './xsd.validator.js';

/** What every task gets: the bytes to read (transferred to the worker, never shared) and its own settings. */
export interface XmlWorkerPayload {
  body: Uint8Array;
}

/**
 * The work an XML worker can do, by task name. The same functions run in-process when there is no worker,
 * so a task's payload and result must be plain data (structured-cloneable) and its errors those that
 * serialiseXmlWorkerError keeps apart.
 */
export type XmlWorkerTasks = Readonly<Record<string, (payload: any) => unknown>>;

/** A job for an XML worker: which task, and its payload. */
export interface XmlWorkerJob {
  id: number;
  task: string;
  payload: XmlWorkerPayload;
}

/** An error as plain data: errors lose their class crossing a thread, so the kinds intake tells apart are kept by hand. */
export type XmlWorkerError =
  | { kind: 'input'; message: string; code: string; httpStatus: number; retryAt?: number }
  | { kind: 'schema-load'; message: string; schemaPath: string; details: XsdValidationIssue[]; refused: string[] }
  | { kind: 'other'; name: string; message: string; stack?: string };

/** What a worker posts: once `ready` after start, then one answer per job. */
export type XmlWorkerMessage = { ready: true } | { id: number; result: unknown } | { id: number; error: XmlWorkerError };

export function serialiseXmlWorkerError(error: unknown): XmlWorkerError {
  if (error instanceof InputError) {
    const plain: XmlWorkerError = { kind: 'input', message: error.message, code: error.code, httpStatus: error.httpStatus };
    if (error.retryAt !== undefined) plain.retryAt = error.retryAt;
    return plain;
  }
  if (error instanceof XsdSchemaLoadError) {
    return { kind: 'schema-load', message: error.message, schemaPath: error.schemaPath, details: [...error.details], refused: [...error.refused] };
  }
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, stack: error.stack };
  return { kind: 'other', name: 'Error', message: String(error) };
}

/** The error as the in-process reading would have thrown it: same class, message, code and status. */
export function reviveXmlWorkerError(plain: XmlWorkerError): Error {
  switch (plain.kind) {
    case 'input':
      return new InputError(plain.message, plain.code, plain.httpStatus, plain.retryAt);
    case 'schema-load':
      return new XsdSchemaLoadError(plain.message, plain.schemaPath, plain.details, plain.refused);
    default: {
      const error = plain.name === 'RangeError' ? new RangeError(plain.message) : plain.name === 'TypeError' ? new TypeError(plain.message) : new Error(plain.message);
      error.name = plain.name;
      if (plain.stack) error.stack = plain.stack;
      return error;
    }
  }
}
