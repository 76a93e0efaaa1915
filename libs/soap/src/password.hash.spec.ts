import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { hashPassword, parsePasswordHash, verifyPassword } from './password.hash.js';

/** The command the README gives operators to make a hash without this code; kept equal to it by hand. */
const README_ONE_LINER =
  'const c=require("crypto"),s=c.randomBytes(16),p=require("fs").readFileSync(0,"utf8").replace(/\\r?\\n$/,"");' +
  'console.log(`scrypt$16384$8$1$${s.toString("base64")}$${c.scryptSync(p,s,32,{N:16384,r:8,p:1}).toString("base64")}`)';

describe('password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = parsePasswordHash(await hashPassword('Zugang 2025!'));
    await expect(verifyPassword('Zugang 2025!', stored)).resolves.toBe(true);
    await expect(verifyPassword('Zugang 2025', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('reads hashes made by the one-liner of the README', async () => {
    const line = execFileSync(process.execPath, ['-e', README_ONE_LINER], { input: 'Übergabe-Passwort\n' }).toString().trim();
    expect(line).toMatch(/^scrypt\$16384\$8\$1\$/);
    await expect(verifyPassword('Übergabe-Passwort', parsePasswordHash(line))).resolves.toBe(true);
  });

  it.each([
    ['bcrypt$2b$10$abc', /not a password hash/],
    ['scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==', /N must be a power of two/],
    ['scrypt$16384$0$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==', /r must be/],
    ['scrypt$16384$8$99$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==', /p must be/],
    ['scrypt$16384$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', /salt must be at least 8 bytes/],
    ['scrypt$16384$8$1$c2FsdHNhbHQ=$aGFzaA==', /hash must be 16 to 64 bytes/],
    [`scrypt$${2 ** 21}$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==`, /from 2 to 1048576/],
  ])('refuses %s', (encoded, message) => {
    expect(() => parsePasswordHash(encoded)).toThrow(message);
  });
});
