import { describe, expect, it } from '@jest/globals';
import type { NextFunction, Request, Response } from 'express';
import { isLoopbackAddress, loopbackOnly } from './loopback.guard.js';

describe('loopbackOnly', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:10.0.0.5', false],
    ['2001:db8::1', false],
    [undefined, false],
  ])('%s is loopback: %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it('refuses a remote caller with 403 and a reason, even with a forged X-Forwarded-For', () => {
    let status = 0;
    let body: unknown;
    let passed = false;
    const req = { socket: { remoteAddress: '10.1.2.3' }, headers: { 'x-forwarded-for': '127.0.0.1' } } as unknown as Request;
    const res = { status: (s: number) => ((status = s), res), json: (b: unknown) => ((body = b), res) } as unknown as Response;
    loopbackOnly(req, res, (() => (passed = true)) as NextFunction);
    expect(passed).toBe(false);
    expect(status).toBe(403);
    expect(body).toEqual(expect.objectContaining({ error: 'loopback-only' }));
  });
});
