import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Paths of PEM files made for one test run; `read` gives their bytes. */
export interface TestCertificates {
  dir: string;
  /** The CA that signs the server and the client certificate. */
  caCert: string;
  /** For localhost and 127.0.0.1. */
  serverCert: string;
  serverKey: string;
  /** A client certificate the CA signed (CN=schnittstelle-test-client). */
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA, which the server must not trust. */
  strangerCert: string;
  strangerKey: string;
  read(file: string): Buffer;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the openssl command is needed to make test certificates (Debian: apt-get install openssl)');
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function signed(dir: string, name: string, cn: string, ca: string, extensions: string): void {
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
}

/**
 * A throwaway CA with a server and a client certificate, and a second CA's client certificate, made
 * with the openssl command in a new temporary folder (remove it with fs.rmSync(dir, { recursive: true })).
 * Valid for two days, P-256 keys: made in well under a second.
 */
export function makeTestCertificates(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schnittstelle-tls-'))): TestCertificates {
  selfSignedCa(dir, 'ca', 'Schnittstelle Test CA');
  signed(dir, 'server', 'localhost', 'ca', 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', 'schnittstelle-test-client', 'ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  selfSignedCa(dir, 'stranger-ca', 'Somebody Else CA');
  signed(dir, 'stranger', 'stranger-client', 'stranger-ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  const at = (file: string) => path.join(dir, file);
  return {
    dir,
    caCert: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.crt'),
    strangerKey: at('stranger.key'),
    read: (file) => fs.readFileSync(file),
  };
}
