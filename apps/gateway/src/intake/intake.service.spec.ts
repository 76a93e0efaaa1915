import { describe, expect, it } from '@jest/globals';
import { expectInputError } from '@app/testing';
import { kindOf } from './intake.service.js';

const xml = Buffer.from('<?xml version="1.0"?><a/>');
const text = Buffer.from('Sehr geehrte Damen und Herren,');

describe('kindOf', () => {
  it.each([
    [xml, 'application/xml', undefined, 'xml'],
    [xml, 'text/xml; charset=utf-8', undefined, 'xml'],
    [xml, 'application/xdomea+xml', undefined, 'xml'],
    [text, 'text/plain', undefined, 'text'],
    [xml, undefined, 'nachricht.XML', 'xml'],
    [text, undefined, 'brief.txt', 'text'],
    [Buffer.from('\ufeff  <a/>'), undefined, undefined, 'xml'],
    [text, 'application/octet-stream', undefined, 'text'],
  ])('%#: %s as %s named %s is %s', (body, type, name, expected) => {
    expect(kindOf(body, type, name)).toBe(expected);
  });

  it('refuses what it cannot read with 415, naming what it takes', () => {
    for (const [type, name] of [['application/pdf', undefined], [undefined, 'scan.pdf'], ['image/png', 'x.xml']] as const) {
      const error = expectInputError(() => kindOf(text, type, name));
      expect(error.httpStatus).toBe(415);
      expect(error.message).toMatch(/not supported/);
    }
  });
});
