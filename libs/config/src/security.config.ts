import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Route } from '@app/contracts';
import type { envSchema } from './app-config.schema.js';

/** none: no client certificate asked for; request: asked for, one that does not verify is refused; require: no connection without one. */
export type ClientCertificateMode = 'none' | 'request' | 'require';

/** HTTPS for the HTTP server, the files already read (a missing one stops the start). */
export interface TlsConfig {
  certFile: string;
  keyFile: string;
  caFile?: string;
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  clientCertificate: ClientCertificateMode;
}

/** A SOAP user of the credentials file. */
export interface SoapUser {
  username: string;
  /** scrypt hash: PasswordText tokens. */
  passwordHash?: string;
  /** The password itself: PasswordDigest tokens (the server cannot check a digest without it). */
  digestPassword?: string;
}

export interface SoapAuthConfig {
  /** True when every SOAP request needs a valid WS-Security UsernameToken. */
  required: boolean;
  credentialsFile?: string;
  users: SoapUser[];
  maxAgeSeconds: number;
  clockSkewSeconds: number;
}

/** What a route's SOAP write-back sends to prove who it is; secrets already taken from the environment. */
export interface SoapClientSecurity {
  usernameToken?: { username: string; password: string; passwordType: 'PasswordText' | 'PasswordDigest'; mustUnderstand: boolean };
  /** Paths absolute (relative ones are taken from the routes file's folder). */
  tls?: { certFile?: string; keyFile?: string; caFile?: string; passphrase?: string };
}

export interface SecurityConfig {
  /** Set when TLS_CERT_FILE and TLS_KEY_FILE are: the server speaks HTTPS only. */
  tls?: TlsConfig;
  soapAuth: SoapAuthConfig;
  /** By route id, for routes whose SOAP write-back has `security`. */
  soapClients: Record<string, SoapClientSecurity>;
}

type Env = z.infer<typeof envSchema>;

/** The same form password.hash.ts of @app/soap reads; the exact parameter bounds are checked there at start. */
const SCRYPT_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/;

const credentialsFileSchema = z.strictObject({
  users: z
    .record(
      z.string().min(1).max(256).regex(/^\S(.*\S)?$/, 'no spaces at either end'),
      z
        .strictObject({
          /** For PasswordText tokens: `scrypt$N$r$p$salt$hash`. */
          passwordHash: z.string().regex(SCRYPT_HASH, 'an scrypt hash: scrypt$N$r$p$<salt base64>$<hash base64>').optional(),
          /** For PasswordDigest tokens: the password itself. */
          digestPassword: z.string().min(1).optional(),
        })
        .refine((u) => u.passwordHash !== undefined || u.digestPassword !== undefined, 'give passwordHash (PasswordText) and/or digestPassword (PasswordDigest)'),
    )
    .refine((users) => Object.keys(users).length > 0, 'name at least one user'),
});

function keyPath(p: PropertyKey[]): string {
  return p.map(String).join('.');
}

export function loadSoapCredentials(file: string, makeError: (message: string) => Error): SoapUser[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw makeError(`Cannot read SOAP_CREDENTIALS_FILE ${file}: ${(error as NodeJS.ErrnoException).code ?? error}.`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  // The messages quote no content: the file holds secrets.
  if (doc.errors.length > 0) throw makeError(`SOAP_CREDENTIALS_FILE ${file} is not valid YAML or JSON (${doc.errors.map((e) => e.code).join(', ')}).`);
  const result = credentialsFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw makeError(`SOAP_CREDENTIALS_FILE ${file} has bad settings:\n${result.error.issues.map((i) => `  - ${keyPath(i.path)}: ${i.message}`).join('\n')}`);
  }
  return Object.entries(result.data.users).map(([username, user]) => ({ username, ...user }));
}

function readSetting(name: string, file: string, makeError: (message: string) => Error): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw makeError(`Cannot read ${name} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}.`);
  }
}

export function loadTls(e: Env, cwd: string, makeError: (message: string) => Error): TlsConfig | undefined {
  const mode = e.TLS_CLIENT_CERT;
  if (!e.TLS_CERT_FILE && !e.TLS_KEY_FILE) {
    if (e.TLS_CA_FILE) throw makeError('TLS_CA_FILE is set, but TLS_CERT_FILE and TLS_KEY_FILE are not: client certificates need HTTPS.');
    if (mode !== 'none') throw makeError(`TLS_CLIENT_CERT=${mode} needs HTTPS: set TLS_CERT_FILE and TLS_KEY_FILE (and TLS_CA_FILE).`);
    return undefined;
  }
  if (!e.TLS_CERT_FILE || !e.TLS_KEY_FILE) throw makeError(`${e.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'} is missing: HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE.`);
  if (mode !== 'none' && !e.TLS_CA_FILE) throw makeError(`TLS_CLIENT_CERT=${mode} needs TLS_CA_FILE: the CA that signs the client certificates.`);
  const certFile = path.resolve(cwd, e.TLS_CERT_FILE);
  const keyFile = path.resolve(cwd, e.TLS_KEY_FILE);
  const tls: TlsConfig = {
    certFile,
    keyFile,
    cert: readSetting('TLS_CERT_FILE', certFile, makeError),
    key: readSetting('TLS_KEY_FILE', keyFile, makeError),
    clientCertificate: mode,
  };
  if (e.TLS_CA_FILE) {
    tls.caFile = path.resolve(cwd, e.TLS_CA_FILE);
    tls.ca = readSetting('TLS_CA_FILE', tls.caFile, makeError);
  }
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (error) {
    throw makeError(`TLS_CERT_FILE ${certFile} and TLS_KEY_FILE ${keyFile} are not a usable PEM certificate and its private key: ${(error as Error).message}`);
  }
  if (tls.ca) {
    // Node takes a CA file without a single certificate in it silently, and then trusts no client.
    const blocks = tls.ca.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    try {
      if (blocks.length === 0) throw new Error('it holds no PEM certificate');
      for (const block of blocks) new X509Certificate(block);
    } catch (error) {
      throw makeError(`TLS_CA_FILE ${tls.caFile} is not a usable PEM CA certificate: ${(error as Error).message}`);
    }
  }
  return tls;
}

/** The secrets and files that routes' SOAP write-backs name; every one missing is listed by its key. */
export function soapClientSecurity(routes: Route[], env: NodeJS.ProcessEnv, routesFile: string, makeError: (message: string) => Error): Record<string, SoapClientSecurity> {
  const dir = path.dirname(routesFile);
  const problems: string[] = [];
  const out: Record<string, SoapClientSecurity> = {};
  const secret = (name: string, at: string): string => {
    const value = env[name];
    if (!value) problems.push(`  - ${at}: the environment variable ${name} is not set`);
    return value ?? '';
  };
  for (const route of routes) {
    const writeback = route.writeback;
    if (writeback.type !== 'soap' || !writeback.security) continue;
    const at = `routes.${route.id}.writeback.security`;
    const { usernameToken, tls } = writeback.security;
    const security: SoapClientSecurity = {};
    if (usernameToken) {
      const { passwordEnv, ...rest } = usernameToken;
      security.usernameToken = { ...rest, password: secret(passwordEnv, `${at}.usernameToken.passwordEnv`) };
    }
    if (tls) {
      const file = (key: 'certFile' | 'keyFile' | 'caFile') => {
        const value = tls[key];
        if (value === undefined) return undefined;
        const resolved = path.resolve(dir, value);
        try {
          fs.accessSync(resolved, fs.constants.R_OK);
        } catch (error) {
          problems.push(`  - ${at}.tls.${key}: cannot read ${resolved} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
        }
        return resolved;
      };
      security.tls = {};
      for (const key of ['certFile', 'keyFile', 'caFile'] as const) {
        const resolved = file(key);
        if (resolved) security.tls[key] = resolved;
      }
      if (tls.passphraseEnv) security.tls.passphrase = secret(tls.passphraseEnv, `${at}.tls.passphraseEnv`);
    }
    out[route.id] = security;
  }
  if (problems.length > 0) throw makeError(`The routes file ${routesFile} names secrets or files that are missing:\n${problems.join('\n')}`);
  return out;
}

/** Everything security-related the environment and the routes file configure, checked at start. */
export function loadSecurityConfig(e: Env, env: NodeJS.ProcessEnv, cwd: string, routes: Route[], routesFile: string, makeError: (message: string) => Error): SecurityConfig {
  const credentialsFile = e.SOAP_CREDENTIALS_FILE ? path.resolve(cwd, e.SOAP_CREDENTIALS_FILE) : undefined;
  if (e.SOAP_AUTH === 'required' && !credentialsFile) throw makeError('SOAP_AUTH=required, but SOAP_CREDENTIALS_FILE is not set: name the file of SOAP users.');
  if (e.SOAP_AUTH === 'none' && credentialsFile) throw makeError('SOAP_AUTH=none contradicts SOAP_CREDENTIALS_FILE: with users configured every SOAP request is authenticated. Unset one of them.');
  const soapAuth: SoapAuthConfig = {
    required: credentialsFile !== undefined,
    users: credentialsFile ? loadSoapCredentials(credentialsFile, makeError) : [],
    maxAgeSeconds: e.SOAP_WSS_MAX_AGE_SECONDS,
    clockSkewSeconds: e.SOAP_WSS_CLOCK_SKEW_SECONDS,
  };
  if (credentialsFile) soapAuth.credentialsFile = credentialsFile;
  const security: SecurityConfig = { soapAuth, soapClients: soapClientSecurity(routes, env, routesFile, makeError) };
  const tls = loadTls(e, cwd, makeError);
  if (tls) security.tls = tls;
  return security;
}
