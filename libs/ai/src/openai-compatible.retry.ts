/**
 * How long a server asks to wait before the next request, from `Retry-After` (RFC 9110: delay-seconds or an
 * HTTP date) or the non-standard `retry-after-ms`. Undefined when the headers say nothing usable; never
 * negative (a date in the past means "now").
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now: Date): number | undefined {
  const millis = headers?.get('retry-after-ms')?.trim();
  if (millis && /^\d+(\.\d+)?$/.test(millis)) return Math.ceil(Number(millis));
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Only the HTTP date form (IMF-fixdate and the obsolete forms Date.parse reads), not any string.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * Exponential backoff for attempt n (1 = the wait after the first failure): base * 2^(n-1), with up to a
 * quarter taken off at random so that workers failing together do not come back together; capped.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(capMs, Math.round(exponential * (1 - 0.25 * random())));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
