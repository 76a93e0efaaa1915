import { describe, expect, it } from '@jest/globals';
import { MAX_RESTART_DELAY_MS, MAX_TRANSPORT_META_ENTRIES, MAX_TRANSPORT_META_VALUE_CHARS, restartDelay, transportFactsOf } from './source-runner.service.js';

describe('restartDelay', () => {
  it('doubles from the base delay with each failure in a row and stops at the cap', () => {
    expect([1, 2, 3, 4].map((failures) => restartDelay(failures, 50))).toEqual([50, 100, 200, 400]);
    expect(restartDelay(30, 1000)).toBe(MAX_RESTART_DELAY_MS);
    expect(restartDelay(3, 1000, 1500)).toBe(1500);
  });
});

describe('transportFactsOf', () => {
  it('keeps the facts a source gave, trimmed, under its connector name', () => {
    expect(transportFactsOf('xta2', { messageId: 'urn:de:xta:messageid:1', sender: ' ags:05315000 ', senderType: 'xoev' })).toEqual({
      facts: { connector: 'xta2', meta: { messageId: 'urn:de:xta:messageid:1', sender: 'ags:05315000', senderType: 'xoev' } },
      dropped: [],
    });
  });

  it('gives no facts for a message without them, so the document stays as before', () => {
    expect(transportFactsOf('xta2', undefined)).toEqual({ dropped: [] });
    expect(transportFactsOf('xta2', {})).toEqual({ dropped: [] });
    expect(transportFactsOf('xta2', { sender: '  ' })).toEqual({ dropped: ['sender'] });
  });

  it('drops what is no short single-line identifier, and names odd keys without repeating them', () => {
    const { facts, dropped } = transportFactsOf('xta2', {
      messageId: 'm-1',
      subject: 'Zeile 1\nZeile 2',
      body: 'x'.repeat(MAX_TRANSPORT_META_VALUE_CHARS + 1),
      'bad key\n<script>': 'v',
      count: 7 as unknown as string,
    });
    expect(facts).toEqual({ connector: 'xta2', meta: { messageId: 'm-1' } });
    expect(dropped).toEqual(['subject', 'body', '(unnamed key)', 'count']);
  });

  it('keeps at most MAX_TRANSPORT_META_ENTRIES entries', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_TRANSPORT_META_ENTRIES + 3 }, (_, i) => [`k${i}`, `v${i}`]));
    const { facts, dropped } = transportFactsOf('xta2', many);
    expect(Object.keys(facts!.meta)).toHaveLength(MAX_TRANSPORT_META_ENTRIES);
    expect(dropped).toEqual([`k${MAX_TRANSPORT_META_ENTRIES}`, `k${MAX_TRANSPORT_META_ENTRIES + 1}`, `k${MAX_TRANSPORT_META_ENTRIES + 2}`]);
  });
});
