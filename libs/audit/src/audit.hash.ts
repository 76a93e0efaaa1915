import { createHash } from 'node:crypto';
import type { AuditRecord } from './audit.types.js';

/** prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Bump when the serialization changes, so old chains stay verifiable by their own rule. */
const FORMAT = 'schnittstelle-audit/v1';

/**
 * A fixed-position JSON array: no key order to depend on, and absent optional fields become null
 * so "missing" and "empty string" do not hash alike.
 */
export function canonicalAuditPayload(record: Omit<AuditRecord, 'hash'>): string {
  return JSON.stringify([
    FORMAT,
    record.seq,
    record.at,
    record.prevHash,
    record.documentId,
    record.routeId ?? null,
    record.step,
    record.outcome,
    record.provider ?? null,
    record.model ?? null,
    record.detail ?? null,
  ]);
}

export function computeAuditHash(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditPayload(record), 'utf8').digest('hex');
}
