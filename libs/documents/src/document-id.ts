import { createHash } from 'node:crypto';

/**
 * A document id derived from what identifies a delivery, so the same delivery taken in twice
 * (a retrying client, a file dropped again, a message fetched twice) gets the same id and is processed once.
 * Key: the caller's correlation id if given, else the XÖV process id and message type, else the content hash.
 */
export function deriveDocumentId(routeId: string, identity: { correlationId?: string; processId?: string; messageTypeCode?: string; sha256: string }): string {
  const key = identity.correlationId
    ? `correlation:${identity.correlationId}`
    : identity.processId
      ? `xoev:${identity.processId}:${identity.messageTypeCode ?? ''}`
      : `content:${identity.sha256}`;
  const hex = createHash('sha256').update(`${routeId}\n${key}`).digest('hex');
  // Formatted like a UUID (version nibble 8: custom) so operators and legacy systems can store it as one.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
