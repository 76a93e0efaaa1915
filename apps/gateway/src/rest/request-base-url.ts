import type { Request } from 'express';

/** The base URL the caller used, so status URLs in receipts work from where the caller stands. */
export function requestBaseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
