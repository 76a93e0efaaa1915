import type { Logger } from '@nestjs/common';

const QUIET_MS = 10_000;
const lastLogged = new Map<string, number>();

/** Logs a connection error of a source at most once every ten seconds: a Redis outage must not flood the log. */
export function logConnectionError(logger: Logger, source: string, error: Error): void {
  const now = Date.now();
  if (now - (lastLogged.get(source) ?? 0) < QUIET_MS) return;
  lastLogged.set(source, now);
  logger.warn(`${source}: ${error.message} (retrying)`);
}
