import { describe, expect, it } from '@jest/globals';
import { canonicalAuditPayload, computeAuditHash, GENESIS_HASH } from './audit.hash.js';

const record = {
  seq: 1,
  at: '2026-01-02T03:04:05.678Z',
  prevHash: GENESIS_HASH,
  documentId: 'doc-1',
  routeId: 'akten',
  step: 'kurz',
  outcome: 'done' as const,
};

describe('computeAuditHash', () => {
  it('is a stable sha256 hex digest', () => {
    const hash = computeAuditHash(record);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeAuditHash({ ...record })).toBe(hash);
  });

  it('does not depend on property order', () => {
    const reordered = { outcome: record.outcome, step: record.step, routeId: record.routeId, documentId: record.documentId, prevHash: record.prevHash, at: record.at, seq: record.seq };
    expect(computeAuditHash(reordered)).toBe(computeAuditHash(record));
  });

  it('changes with every field', () => {
    const base = computeAuditHash(record);
    const variants = [
      { seq: 2 },
      { at: '2026-01-02T03:04:05.679Z' },
      { prevHash: 'f'.repeat(64) },
      { documentId: 'doc-2' },
      { routeId: 'other' },
      { step: 'thema' },
      { outcome: 'failed' as const },
      { provider: 'embedded' },
      { model: 'm' },
      { detail: 'x' },
    ];
    for (const change of variants) expect(computeAuditHash({ ...record, ...change })).not.toBe(base);
  });

  it('tells an absent field from an empty one', () => {
    expect(canonicalAuditPayload({ ...record, detail: '' })).not.toBe(canonicalAuditPayload(record));
  });

  it('starts the chain with 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });
});
