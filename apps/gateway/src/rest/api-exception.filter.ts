import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { InputError, UnavailableError } from '@app/contracts';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

const logger = new Logger('RestApi');

/** Every REST error answers JSON `{ error, message }` with a status that says whose fault it was; no stack ever. */
export function sendApiError(res: Response, error: unknown): void {
  const [status, body] = describeApiError(error);
  if (error instanceof InputError && error.retryAt !== undefined) res.setHeader('retry-after', String(Math.max(1, Math.ceil((error.retryAt - Date.now()) / 1000))));
  res.status(status).json(body);
}

function describeApiError(error: unknown): [number, { error: string; message: string; reference?: string }] {
  if (error instanceof InputError) return [error.httpStatus, { error: error.code, message: error.message }];
  if (error instanceof UnavailableError) return [503, { error: 'unavailable', message: `service temporarily unavailable: ${error.message}` }];
  const parser = error as BodyParserError;
  if (parser.type === 'entity.too.large') return [413, { error: 'too-large', message: `the body is larger than ${parser.limit} bytes` }];
  if (parser.type === 'entity.parse.failed') return [400, { error: 'bad-json', message: 'the JSON body is not valid JSON' }];
  if (parser.type === 'charset.unsupported' || parser.type === 'encoding.unsupported') return [415, { error: 'unsupported-encoding', message: 'the body encoding is not supported' }];
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return [status, { error: status === 404 ? 'not-found' : 'http-error', message: error.message }];
  }
  const reference = randomBytes(8).toString('hex');
  logger.error({ err: error, reference }, 'internal error');
  return [500, { error: 'internal', message: `internal error; reference ${reference}`, reference }];
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    sendApiError(host.switchToHttp().getResponse<Response>(), error);
  }
}
