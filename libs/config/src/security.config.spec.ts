import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectThrown, makeTestCertificates, type TestCertificates } from '@app/testing';
import { ConfigError, loadConfig } from './config.loader.js';

const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

let dir: string;
let certs: TestCertificates;

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, text);
  return at;
}

const routes = (writebackSecurity = '') => `
routes:
  akten:
    steps:
      - { id: sprache, task: detect-language }
    writeback:
      type: soap
      wsdl: legacy.wsdl
      operation: store
      mapping: { id: document.id }${writebackSecurity}
`;

function load(env: Record<string, string>, routesYaml = routes()) {
  return loadConfig({ SCHNITTSTELLE_ROUTES: file('routes.yaml', routesYaml), ...env }, dir);
}

const configError = (fn: () => unknown): string => expectThrown(ConfigError, fn).message;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-security-'));
  certs = makeTestCertificates(fs.mkdtempSync(path.join(dir, 'tls-')));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('TLS settings', () => {
  it('are off by default', () => {
    expect(load({}).security.tls).toBeUndefined();
  });

  it('read the files, relative to the working directory', () => {
    const tls = load({ TLS_CERT_FILE: path.relative(dir, certs.serverCert), TLS_KEY_FILE: certs.serverKey, TLS_CA_FILE: certs.caCert, TLS_CLIENT_CERT: 'require' }).security.tls!;
    expect(tls).toMatchObject({ certFile: certs.serverCert, clientCertificate: 'require', caFile: certs.caCert });
    expect(tls.cert.equals(fs.readFileSync(certs.serverCert))).toBe(true);
    expect(tls.ca?.equals(fs.readFileSync(certs.caCert))).toBe(true);
  });

  it.each([
    [{ TLS_CERT_FILE: '/nonexistent/server.crt', TLS_KEY_FILE: 'K' }, /Cannot read TLS_CERT_FILE \/nonexistent\/server\.crt: ENOENT/],
    [{ TLS_CERT_FILE: 'C' }, /TLS_KEY_FILE is missing/],
    [{ TLS_CA_FILE: 'ca.crt' }, /TLS_CA_FILE is set, but TLS_CERT_FILE and TLS_KEY_FILE are not/],
    [{ TLS_CLIENT_CERT: 'require' }, /TLS_CLIENT_CERT=require needs HTTPS/],
    [{ TLS_CLIENT_CERT: 'sometimes' }, /TLS_CLIENT_CERT/],
  ])('refuse %j', (env, message) => {
    expect(configError(() => load(env))).toMatch(message);
  });

  it('name the setting when a file is unreadable, the key does not fit or the CA is not PEM', () => {
    const base = { TLS_CERT_FILE: certs.serverCert, TLS_KEY_FILE: certs.serverKey };
    expect(configError(() => load({ ...base, TLS_CA_FILE: '/nonexistent/ca.crt', TLS_CLIENT_CERT: 'require' }))).toMatch(/TLS_CA_FILE \/nonexistent\/ca\.crt: ENOENT/);
    expect(configError(() => load({ ...base, TLS_CLIENT_CERT: 'request' }))).toMatch(/TLS_CLIENT_CERT=request needs TLS_CA_FILE/);
    expect(configError(() => load({ ...base, TLS_KEY_FILE: certs.clientKey }))).toMatch(/TLS_CERT_FILE .* and TLS_KEY_FILE .* are not a usable PEM certificate and its private key/);
    expect(configError(() => load({ ...base, TLS_CA_FILE: file('not-a-ca.pem', 'hello'), TLS_CLIENT_CERT: 'require' }))).toMatch(/TLS_CA_FILE .* is not a usable PEM CA certificate/);
  });
});

describe('SOAP users', () => {
  it('are not required without a credentials file', () => {
    expect(load({}).security.soapAuth).toEqual({ required: false, users: [], maxAgeSeconds: 300, clockSkewSeconds: 60 });
  });

  it('come from a YAML or JSON file and make authentication required', () => {
    const yaml = file('users.yaml', `users:\n  dms:\n    passwordHash: "${HASH}"\n  melde:\n    digestPassword: "geheim"\n`);
    const auth = load({ SOAP_CREDENTIALS_FILE: yaml, SOAP_WSS_MAX_AGE_SECONDS: '120', SOAP_WSS_CLOCK_SKEW_SECONDS: '5' }).security.soapAuth;
    expect(auth).toEqual({
      required: true,
      credentialsFile: yaml,
      users: [
        { username: 'dms', passwordHash: HASH },
        { username: 'melde', digestPassword: 'geheim' },
      ],
      maxAgeSeconds: 120,
      clockSkewSeconds: 5,
    });
    const json = file('users.json', JSON.stringify({ users: { dms: { passwordHash: HASH } } }));
    expect(load({ SOAP_CREDENTIALS_FILE: json, SOAP_AUTH: 'required' }).security.soapAuth.users).toEqual([{ username: 'dms', passwordHash: HASH }]);
  });

  it('refuse contradictions and bad files, without quoting secrets', () => {
    expect(configError(() => load({ SOAP_AUTH: 'required' }))).toMatch(/SOAP_AUTH=required, but SOAP_CREDENTIALS_FILE is not set/);
    const users = file('u.yaml', `users:\n  dms:\n    passwordHash: "${HASH}"\n`);
    expect(configError(() => load({ SOAP_AUTH: 'none', SOAP_CREDENTIALS_FILE: users }))).toMatch(/SOAP_AUTH=none contradicts SOAP_CREDENTIALS_FILE/);
    expect(configError(() => load({ SOAP_CREDENTIALS_FILE: '/nonexistent/users.yaml' }))).toMatch(/Cannot read SOAP_CREDENTIALS_FILE \/nonexistent\/users\.yaml: ENOENT/);
    const plain = configError(() => load({ SOAP_CREDENTIALS_FILE: file('plain.yaml', 'users:\n  dms:\n    passwordHash: "klartext-passwort"\n') }));
    expect(plain).toMatch(/users\.dms\.passwordHash: an scrypt hash/);
    expect(plain).not.toContain('klartext-passwort');
    expect(configError(() => load({ SOAP_CREDENTIALS_FILE: file('none.yaml', 'users:\n  dms: {}\n') }))).toMatch(/give passwordHash \(PasswordText\) and\/or digestPassword/);
    expect(configError(() => load({ SOAP_CREDENTIALS_FILE: file('broken.yaml', 'users: [geheim: "x"') }))).toMatch(/not valid YAML or JSON/);
    expect(configError(() => load({ SOAP_CREDENTIALS_FILE: file('broken2.yaml', 'users: [geheim: "x"') }))).not.toContain('geheim');
  });
});

describe('SOAP write-back credentials', () => {
  const security = `
      security:
        usernameToken: { username: sst, passwordEnv: LEGACY_PASSWORD, passwordType: PasswordDigest }
        tls: { certFile: client.crt, keyFile: client.key, caFile: ca.crt, passphraseEnv: LEGACY_KEY_PASS }`;

  it('take the password from the environment variable the route names and the files relative to the routes file', () => {
    for (const name of ['client.crt', 'client.key', 'ca.crt']) file(name, 'pem');
    const config = load({ LEGACY_PASSWORD: 'alt-geheim', LEGACY_KEY_PASS: 'pass' }, routes(security));
    expect(config.security.soapClients).toEqual({
      akten: {
        usernameToken: { username: 'sst', password: 'alt-geheim', passwordType: 'PasswordDigest', mustUnderstand: true },
        tls: { certFile: path.join(dir, 'client.crt'), keyFile: path.join(dir, 'client.key'), caFile: path.join(dir, 'ca.crt'), passphrase: 'pass' },
      },
    });
  });

  it('name every missing variable and file by its key', () => {
    const message = configError(() => load({}, routes(security.replace('caFile: ca.crt', 'caFile: missing-ca.crt'))));
    expect(message).toContain('routes.akten.writeback.security.usernameToken.passwordEnv: the environment variable LEGACY_PASSWORD is not set');
    expect(message).toContain('routes.akten.writeback.security.tls.passphraseEnv: the environment variable LEGACY_KEY_PASS is not set');
    expect(message).toMatch(/routes\.akten\.writeback\.security\.tls\.caFile: cannot read .*missing-ca\.crt \(ENOENT\)/);
  });

  it('refuse a password written into the routes file and a certificate without key', () => {
    expect(configError(() => load({}, routes('\n      security:\n        usernameToken: { username: sst, password: geheim, passwordEnv: X }')))).toMatch(/password/);
    expect(configError(() => load({}, routes('\n      security:\n        tls: { certFile: client.crt }')))).toMatch(/both certFile and keyFile/);
  });
});
