import type { NextFunction, Request, Response } from 'express';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

/**
 * Until access control exists, operator routes answer only to callers on this machine. The socket address
 * is used, never X-Forwarded-For, which any caller can set.
 */
export function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  if (isLoopbackAddress(req.socket.remoteAddress)) return next();
  res.status(403).json({ error: 'loopback-only', message: 'operator routes answer only on the loopback interface (127.0.0.1, ::1)' });
}
