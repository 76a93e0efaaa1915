import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@app/contracts';
import { assertSafeFilename, isIgnoredName } from './filename.guard.js';

describe('isIgnoredName', () => {
  it.each(['.hidden', '.work', 'a.tmp', 'a.TMP', 'b.part', 'c.partial', 'd.crdownload', 'e.xml~'])('ignores %j', (name) => {
    expect(isIgnoredName(name)).toBe(true);
  });

  it.each(['antrag.xml', 'a.tmp.xml', 'partial.xml', 'Bericht 2025.txt'])('takes %j', (name) => {
    expect(isIgnoredName(name)).toBe(false);
  });
});

describe('assertSafeFilename', () => {
  it.each(['antrag.xml', 'Bericht über Straße.txt', 'a.b.c', '2025-03-01T10-00-00-000Z_a.xml'])('accepts %j', (name) => {
    expect(() => assertSafeFilename(name)).not.toThrow();
  });

  it.each(['', '.', '..', '../x', 'a/b', 'a\\b', 'a..b', 'x\u0000', 'tab\there', 'C:x', 'ü'.repeat(128)])('refuses %j', (name) => {
    expect(() => assertSafeFilename(name)).toThrow(PermanentError);
  });

  it('names what was refused', () => {
    expect(() => assertSafeFilename('../x', 'route id')).toThrow('route id "../x" is not allowed: contains a path separator');
  });
});
