/**
 * Two kinds of failure decide what a queue does with a job: a permanent error will fail the same way
 * on every retry (bad input, policy refusal, soap:Client), a retryable one may pass later (timeout,
 * 5xx, soap:Server, Redis briefly away). Processors map them to BullMQ's UnrecoverableError or rethrow.
 */
export class PermanentError extends Error {
  readonly retryable = false;
  constructor(
    message: string,
    readonly code: string = 'permanent',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RetryableError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly code: string = 'retryable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input the caller must fix: answered as HTTP 4xx or a SOAP Client/Sender fault. */
export class InputError extends PermanentError {
  constructor(
    message: string,
    code: string,
    readonly httpStatus: number = 400,
    /** For a refusal that ends at a known time (HTTP 429): when to send again, epoch ms (Retry-After). */
    readonly retryAt?: number,
  ) {
    super(message, code);
  }
}

/** A backing service (Redis, database) does not answer: HTTP 503 or a SOAP Server/Receiver fault. */
export class UnavailableError extends RetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'unavailable', options);
  }
}

/**
 * Not a failure: the work must wait (a provider's rate or concurrency limit, a spent daily token budget).
 * The queue delays the job until `retryAt` (epoch ms) without using up one of its attempts.
 */
export class DeferredError extends RetryableError {
  constructor(
    message: string,
    code: string,
    readonly retryAt: number,
  ) {
    super(message, code);
  }
}

export function isRetryable(error: unknown): boolean {
  return !(error instanceof PermanentError);
}
