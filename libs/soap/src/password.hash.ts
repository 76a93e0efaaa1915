import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes for SOAP users who log in with a WS-Security PasswordText token: the server keeps
 * only `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, never the password. Node's own scrypt, so
 * any operator can make one without this code (the README shows how).
 */
export const PASSWORD_HASH_PATTERN = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export interface ScryptParameters {
  /** CPU and memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** About 50 ms and 16 MiB per check on a 2-core machine: the classic interactive-login setting. */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 16_384, r: 8, p: 1 };

const KEY_LENGTH = 32;
/** Upper bounds so that a hash in a configuration file cannot make one check take seconds or gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

export interface ParsedPasswordHash {
  params: ScryptParameters;
  salt: Buffer;
  hash: Buffer;
}

/** Reads a stored hash; throws a message that says what is wrong with it (never the hash itself). */
export function parsePasswordHash(encoded: string): ParsedPasswordHash {
  const m = PASSWORD_HASH_PATTERN.exec(encoded);
  if (!m) throw new Error('not a password hash of the form scrypt$N$r$p$salt$hash (base64 salt and hash)');
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0) throw new Error(`scrypt N must be a power of two from 2 to ${MAX_N}, got ${N}`);
  if (r < 1 || r > MAX_R) throw new Error(`scrypt r must be 1 to ${MAX_R}, got ${r}`);
  if (p < 1 || p > MAX_P) throw new Error(`scrypt p must be 1 to ${MAX_P}, got ${p}`);
  const salt = Buffer.from(m[4]!, 'base64');
  const hash = Buffer.from(m[5]!, 'base64');
  if (salt.length < 8) throw new Error('the salt must be at least 8 bytes');
  if (hash.length < 16 || hash.length > 64) throw new Error('the hash must be 16 to 64 bytes');
  return { params: { N, r, p }, salt, hash };
}

function derive(password: string, salt: Buffer, length: number, { N, r, p }: ScryptParameters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Node refuses more than 32 MiB by default; the parameters were bounded above.
    scrypt(password, salt, length, { N, r, p, maxmem: 128 * N * r * p + 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  if (password.length === 0) throw new Error('an empty password cannot be hashed');
  const salt = randomBytes(16);
  const hash = await derive(password, salt, KEY_LENGTH, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Compares in constant time; resolves false for a wrong password. */
export async function verifyPassword(password: string, stored: ParsedPasswordHash): Promise<boolean> {
  const candidate = await derive(password, stored.salt, stored.hash.length, stored.params);
  return timingSafeEqual(candidate, stored.hash);
}
