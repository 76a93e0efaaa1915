import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parsePasswordHash, verifyPassword, DEFAULT_SCRYPT } from './password.hash.js';
import type { ParsedPasswordHash } from './password.hash.js';
import { targetsThisNode } from './soap-envelope.guard.js';
import type { FaultSubcode } from './soap-fault.builder.js';
import { attribute, leafText } from './xml-tree.reader.js';
import type { XmlElement } from './xml-tree.reader.js';
import type { NonceStore } from './ws-security.nonces.js';
import type { SoapVersion } from './wsdl.inspector.js';

/** OASIS Web Services Security 1.0 (2004) and its UsernameToken Profile 1.0. */
export const WSSE_NAMESPACE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NAMESPACE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
export const PASSWORD_TEXT_TYPE = `${PROFILE}#PasswordText`;
export const PASSWORD_DIGEST_TYPE = `${PROFILE}#PasswordDigest`;
export const BASE64_ENCODING_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** The fault codes of WSS 1.0 (section 12) that this verifier answers with. */
export type WsSecurityFaultCode = 'FailedAuthentication' | 'InvalidSecurity' | 'InvalidSecurityToken' | 'MessageExpired';

export type PasswordType = 'PasswordText' | 'PasswordDigest';

/** One text for every failed login: the answer must not tell an unknown user from a wrong password. */
export const FAILED_AUTHENTICATION_MESSAGE = 'The security token could not be authenticated or authorized';

/**
 * A request refused by the WS-Security check. `message` goes to the client; `reason` (a short code)
 * and `username` (only a configured one, never what a stranger typed) are for the audit trail.
 */
export class WsSecurityError extends Error {
  constructor(
    readonly faultCode: WsSecurityFaultCode,
    message: string,
    readonly reason: string,
    readonly username?: string,
  ) {
    super(message);
    this.name = 'WsSecurityError';
  }

  /** The fault subcode (SOAP 1.2) or faultcode (SOAP 1.1) to answer with. */
  get subcode(): FaultSubcode {
    return { ns: WSSE_NAMESPACE, prefix: 'wsse', local: this.faultCode };
  }
}

export interface UsernameToken {
  username: string;
  passwordType: PasswordType;
  /** Absent when the token carries no Password element. */
  password?: string;
  nonce?: Buffer;
  /** wsu:Created as sent (the digest covers these exact characters) and as milliseconds since 1970. */
  created?: { text: string; ms: number };
  /** A wsu:Timestamp beside the token, if any. */
  timestamp?: { createdMs?: number; expiresMs?: number };
}

const invalidToken = (message: string, reason = 'malformed-token') => new WsSecurityError('InvalidSecurityToken', message, reason);
const invalidSecurity = (message: string, reason: string) => new WsSecurityError('InvalidSecurity', message, reason);

/** xs:dateTime with a time zone; one without is ambiguous and refused. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_USERNAME_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 1024;
const MAX_NONCE_BYTES = 256;

function dateTime(text: string, what: string): number {
  const value = text.trim();
  const ms = DATE_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw invalidToken(`${what} "${value.slice(0, 40)}" is not an xs:dateTime with a time zone, e.g. 2025-03-01T10:00:00Z`);
  return ms;
}

function only(parent: XmlElement, ns: string, local: string, what: string): XmlElement | undefined {
  const found = parent.children.filter((c) => c.ns === ns && c.local === local);
  if (found.length > 1) throw invalidToken(`${what} appears ${found.length} times; at most once is allowed`);
  return found[0];
}

function text(source: string, element: XmlElement, what: string): string {
  try {
    return leafText(source, element);
  } catch {
    throw invalidToken(`${what} must hold text only`);
  }
}

/**
 * Reads the UsernameToken from the one wsse:Security header block meant for this endpoint. Throws
 * WsSecurityError for a missing or ambiguous header (InvalidSecurity) and for a token that does not
 * follow the profile (InvalidSecurityToken). `source` is the text the Header's offsets point into.
 */
export function readUsernameToken(source: string, header: XmlElement | undefined, version: SoapVersion): UsernameToken {
  const blocks = (header?.children ?? []).filter((b) => b.ns === WSSE_NAMESPACE && b.local === 'Security' && targetsThisNode(b, version));
  if (blocks.length === 0) {
    throw invalidSecurity('this endpoint requires a wsse:Security header with a UsernameToken (WS-Security UsernameToken Profile 1.0)', 'no-security-header');
  }
  if (blocks.length > 1) throw invalidSecurity(`the request holds ${blocks.length} wsse:Security headers for this endpoint; send one`, 'several-security-headers');
  const security = blocks[0]!;
  if (security.hasText) throw invalidSecurity('wsse:Security holds text outside its elements', 'malformed-security-header');
  for (const child of security.children) {
    const known = (child.ns === WSSE_NAMESPACE && child.local === 'UsernameToken') || (child.ns === WSU_NAMESPACE && child.local === 'Timestamp');
    if (!known) {
      throw invalidSecurity(`wsse:Security holds {${child.ns ?? ''}}${child.local}, which this endpoint does not process; it takes a UsernameToken and an optional wsu:Timestamp`, 'unsupported-security-element');
    }
  }
  const tokens = security.children.filter((c) => c.local === 'UsernameToken');
  if (tokens.length !== 1) {
    throw invalidSecurity(tokens.length === 0 ? 'wsse:Security holds no UsernameToken' : `wsse:Security holds ${tokens.length} UsernameTokens; send one`, 'no-username-token');
  }
  const timestamps = security.children.filter((c) => c.local === 'Timestamp');
  if (timestamps.length > 1) throw invalidSecurity('wsse:Security holds more than one wsu:Timestamp', 'malformed-security-header');

  const token = tokens[0]!;
  for (const child of token.children) {
    const known =
      (child.ns === WSSE_NAMESPACE && (child.local === 'Username' || child.local === 'Password' || child.local === 'Nonce')) ||
      (child.ns === WSU_NAMESPACE && child.local === 'Created');
    if (!known) throw invalidToken(`UsernameToken holds {${child.ns ?? ''}}${child.local}; it takes Username, Password, Nonce and wsu:Created`);
  }
  const usernameElement = only(token, WSSE_NAMESPACE, 'Username', 'wsse:Username');
  if (!usernameElement) throw invalidToken('UsernameToken holds no wsse:Username');
  const username = text(source, usernameElement, 'wsse:Username').trim();
  if (username === '' || username.length > MAX_USERNAME_LENGTH) throw invalidToken(`wsse:Username must be 1 to ${MAX_USERNAME_LENGTH} characters`);

  const result: UsernameToken = { username, passwordType: 'PasswordText' };
  const passwordElement = only(token, WSSE_NAMESPACE, 'Password', 'wsse:Password');
  if (passwordElement) {
    // The profile makes PasswordText the default when Type is absent.
    const type = attribute(passwordElement, 'Type')?.value.trim() ?? PASSWORD_TEXT_TYPE;
    if (type === PASSWORD_DIGEST_TYPE) result.passwordType = 'PasswordDigest';
    else if (type !== PASSWORD_TEXT_TYPE) throw invalidToken(`wsse:Password Type "${type.slice(0, 200)}" is not supported; use ${PASSWORD_TEXT_TYPE} or ${PASSWORD_DIGEST_TYPE}`);
    const password = text(source, passwordElement, 'wsse:Password');
    if (password.length > MAX_PASSWORD_LENGTH) throw invalidToken(`wsse:Password is longer than ${MAX_PASSWORD_LENGTH} characters`);
    result.password = result.passwordType === 'PasswordDigest' ? password.trim() : password;
  }

  const nonceElement = only(token, WSSE_NAMESPACE, 'Nonce', 'wsse:Nonce');
  if (nonceElement) {
    const encoding = attribute(nonceElement, 'EncodingType')?.value.trim() ?? BASE64_ENCODING_TYPE;
    if (encoding !== BASE64_ENCODING_TYPE) throw invalidToken(`wsse:Nonce EncodingType "${encoding.slice(0, 200)}" is not supported; send it base64 encoded (${BASE64_ENCODING_TYPE})`);
    const value = text(source, nonceElement, 'wsse:Nonce').replace(/\s+/g, '');
    if (!BASE64.test(value) || value.length % 4 !== 0) throw invalidToken('wsse:Nonce is not valid base64');
    const nonce = Buffer.from(value, 'base64');
    if (nonce.length === 0 || nonce.length > MAX_NONCE_BYTES) throw invalidToken(`wsse:Nonce must be 1 to ${MAX_NONCE_BYTES} bytes`);
    result.nonce = nonce;
  }

  const createdElement = only(token, WSU_NAMESPACE, 'Created', 'wsu:Created');
  if (createdElement) {
    const createdText = text(source, createdElement, 'wsu:Created');
    result.created = { text: createdText, ms: dateTime(createdText, 'wsu:Created') };
  }

  const timestamp = timestamps[0];
  if (timestamp) {
    for (const child of timestamp.children) {
      if (child.ns !== WSU_NAMESPACE || (child.local !== 'Created' && child.local !== 'Expires')) throw invalidToken(`wsu:Timestamp holds {${child.ns ?? ''}}${child.local}; it takes Created and Expires`);
    }
    const created = only(timestamp, WSU_NAMESPACE, 'Created', 'wsu:Timestamp/wsu:Created');
    const expires = only(timestamp, WSU_NAMESPACE, 'Expires', 'wsu:Timestamp/wsu:Expires');
    result.timestamp = {};
    if (created) result.timestamp.createdMs = dateTime(text(source, created, 'wsu:Created'), 'wsu:Timestamp/wsu:Created');
    if (expires) result.timestamp.expiresMs = dateTime(text(source, expires, 'wsu:Expires'), 'wsu:Timestamp/wsu:Expires');
  }

  if (result.passwordType === 'PasswordDigest' && (!result.nonce || !result.created)) {
    throw invalidToken('a PasswordDigest token must carry wsse:Nonce and wsu:Created: the digest is Base64(SHA-1(nonce + created + password))');
  }
  if (!result.created) throw invalidToken('the UsernameToken must carry wsu:Created, so that its age can be checked');
  return result;
}

/** A SOAP user as the operator configured it. */
export interface SoapCredential {
  username: string;
  /** scrypt hash (see password.hash.ts): the user may log in with PasswordText. */
  passwordHash?: string;
  /** The password itself: the user may log in with PasswordDigest, which the server can only check knowing it. */
  digestPassword?: string;
}

export interface UsernameTokenVerifierOptions {
  users: readonly SoapCredential[];
  /** How old a token's Created may be. */
  maxAgeSeconds: number;
  /** How far Created may lie in the future, and the slack on Timestamp/Expires, for clocks that differ. */
  clockSkewSeconds: number;
  nonces: NonceStore;
  /** Milliseconds since 1970; tests set the clock. */
  now?: () => number;
}

interface User {
  username: string;
  hash?: ParsedPasswordHash;
  digestPassword?: Buffer;
}

/** Successful PasswordText checks are remembered this long, so a busy client does not cost a scrypt per request. */
const SUCCESS_CACHE_MS = 5 * 60_000;
const SUCCESS_CACHE_ENTRIES = 1000;

/**
 * Checks WS-Security UsernameTokens (PasswordText against a scrypt hash, PasswordDigest against the
 * stored password), the age of Created, an expired wsu:Timestamp, and that no nonce is used twice.
 *
 * Order matters: freshness first (it says nothing about users), then the password, in about the same
 * time whether the user exists or not, and the nonce last, so that only authenticated requests can
 * fill the replay store.
 */
export class UsernameTokenVerifier {
  private readonly users = new Map<string, User>();
  private readonly now: () => number;
  /** A stand-in for unknown users, so that their refusal costs the same scrypt as a wrong password. */
  private readonly decoy: ParsedPasswordHash;
  private readonly cacheKey = randomBytes(32);
  private readonly successes = new Map<string, number>();

  constructor(private readonly opts: UsernameTokenVerifierOptions) {
    if (!Number.isSafeInteger(opts.maxAgeSeconds) || opts.maxAgeSeconds < 1) throw new RangeError(`maxAgeSeconds must be a positive whole number, got ${opts.maxAgeSeconds}`);
    if (!Number.isSafeInteger(opts.clockSkewSeconds) || opts.clockSkewSeconds < 0) throw new RangeError(`clockSkewSeconds must be a whole number >= 0, got ${opts.clockSkewSeconds}`);
    if (opts.users.length === 0) throw new Error('no SOAP users configured: give at least one');
    for (const user of opts.users) {
      if (this.users.has(user.username)) throw new Error(`SOAP user "${user.username}" is configured twice`);
      if (!user.passwordHash && !user.digestPassword) throw new Error(`SOAP user "${user.username}" has neither passwordHash nor digestPassword`);
      const entry: User = { username: user.username };
      if (user.passwordHash) {
        try {
          entry.hash = parsePasswordHash(user.passwordHash);
        } catch (error) {
          throw new Error(`SOAP user "${user.username}": passwordHash is ${(error as Error).message}`);
        }
      }
      if (user.digestPassword) entry.digestPassword = Buffer.from(user.digestPassword, 'utf8');
      this.users.set(user.username, entry);
    }
    const model = [...this.users.values()].find((u) => u.hash)?.hash;
    this.decoy = { params: model?.params ?? DEFAULT_SCRYPT, salt: randomBytes(16), hash: randomBytes(model?.hash.length ?? 32) };
    this.now = opts.now ?? Date.now;
  }

  /** How long a nonce must be remembered: as long as a token carrying it passes the Created check. */
  get nonceTtlSeconds(): number {
    return this.opts.maxAgeSeconds + this.opts.clockSkewSeconds + 1;
  }

  /** Resolves with the authenticated user name; rejects with WsSecurityError (or UnavailableError when the replay store is away). */
  async verify(token: UsernameToken): Promise<{ username: string }> {
    this.checkFreshness(token);
    const user = this.users.get(token.username);
    const ok = await this.checkPassword(user, token);
    if (!ok || !user) {
      throw new WsSecurityError('FailedAuthentication', FAILED_AUTHENTICATION_MESSAGE, user ? 'wrong-password' : 'unknown-user', user?.username);
    }
    if (token.nonce && !(await this.opts.nonces.claim(token.nonce, this.nonceTtlSeconds))) {
      throw new WsSecurityError('InvalidSecurity', 'the UsernameToken nonce was used before: a replayed request is refused; send a new nonce with every request', 'replayed-nonce', user.username);
    }
    return { username: user.username };
  }

  private checkFreshness(token: UsernameToken): void {
    const now = this.now();
    const skewMs = this.opts.clockSkewSeconds * 1000;
    const window = `${this.opts.maxAgeSeconds} s (clock skew ${this.opts.clockSkewSeconds} s)`;
    const created = token.created!.ms;
    if (now - created > this.opts.maxAgeSeconds * 1000) {
      throw new WsSecurityError('MessageExpired', `the UsernameToken's wsu:Created is older than ${window}; create a new token for every request`, 'stale-created');
    }
    if (created - now > skewMs) throw new WsSecurityError('MessageExpired', `the UsernameToken's wsu:Created lies in the future beyond the allowed clock skew of ${this.opts.clockSkewSeconds} s; check the sender's clock`, 'future-created');
    const ts = token.timestamp;
    if (ts?.expiresMs !== undefined && ts.expiresMs + skewMs < now) throw new WsSecurityError('MessageExpired', 'the wsu:Timestamp has expired', 'expired-timestamp');
    if (ts?.createdMs !== undefined && ts.createdMs - now > skewMs) throw new WsSecurityError('MessageExpired', 'the wsu:Timestamp is created in the future beyond the allowed clock skew', 'future-timestamp');
    if (ts?.createdMs !== undefined && ts.expiresMs !== undefined && ts.expiresMs < ts.createdMs) throw invalidToken('wsu:Timestamp expires before it was created');
  }

  private async checkPassword(user: User | undefined, token: UsernameToken): Promise<boolean> {
    if (token.password === undefined) return false;
    if (token.passwordType === 'PasswordDigest') {
      // Base64(SHA-1(nonce + created + password)), with Created exactly as sent.
      const secret = user?.digestPassword ?? this.decoy.hash;
      const expected = createHash('sha1').update(Buffer.concat([token.nonce!, Buffer.from(token.created!.text, 'utf8'), secret])).digest();
      const given = BASE64.test(token.password) ? Buffer.from(token.password, 'base64') : Buffer.alloc(0);
      return given.length === expected.length && timingSafeEqual(given, expected) && user?.digestPassword !== undefined;
    }
    const cacheKey = createHmac('sha256', this.cacheKey).update(token.username).update('\0').update(token.password).digest('base64');
    const until = this.successes.get(cacheKey);
    if (until !== undefined && until > this.now() && user?.hash) return true;
    const ok = await verifyPassword(token.password, user?.hash ?? this.decoy);
    if (ok && user?.hash) {
      this.successes.delete(cacheKey);
      this.successes.set(cacheKey, this.now() + SUCCESS_CACHE_MS);
      // Map keeps insertion order: the first key is the oldest.
      if (this.successes.size > SUCCESS_CACHE_ENTRIES) this.successes.delete(this.successes.keys().next().value!);
    }
    return ok && user?.hash !== undefined;
  }
}
