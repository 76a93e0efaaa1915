import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError, RetryableError } from '@app/contracts';
import { startLegacyStandIn } from '@app/testing';
import type { LegacyStandIn } from '@app/testing';
import { SoapCaller } from './soap.caller.js';

const WSDL = 'test/fixtures/legacy/dms-archive.wsdl';

const args = {
  documentId: 'doc-1',
  processId: 'P-2025-0042',
  messageType: '0503',
  language: 'deu',
  summary: 'Antrag auf Baugenehmigung für ein Carport.',
  category: 'bauen',
  confidence: 0.87,
  aiLabel: {
    aiGenerated: true,
    digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
    provider: 'embedded',
    model: 'extractive-summary-1',
    generatedAt: '2025-03-01T10:00:01.000Z',
    reviewState: 'unreviewed',
  },
};

let standIn: LegacyStandIn;

beforeAll(async () => {
  standIn = await startLegacyStandIn();
});

afterAll(async () => {
  await standIn.close();
});

beforeEach(() => {
  standIn.calls.length = 0;
});

async function errorOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe.each(['1.1', '1.2'] as const)('SoapCaller over SOAP %s against the legacy stand-in', (soapVersion) => {
  let caller: SoapCaller;

  beforeAll(async () => {
    caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: soapVersion === '1.1' ? standIn.url : standIn.url12, soapVersion, timeoutMs: 5000 });
  });

  it('stores an analysis, reusing one client for several calls', async () => {
    expect(caller.operations).toEqual(['storeAnalysis']);
    const first = await caller.call('storeAnalysis', args);
    const second = await caller.call('storeAnalysis', { ...args, documentId: 'doc-2' });
    expect(first).toEqual({ archiveRef: expect.stringMatching(/^ARCH-\d{4}-\d{6}$/) });
    expect(second).not.toEqual(first);
    expect(standIn.calls).toHaveLength(2);
    const [call] = standIn.calls;
    expect(call).toMatchObject({ operation: 'storeAnalysis', soapVersion });
    expect(call!.contentType).toMatch(soapVersion === '1.1' ? /^text\/xml/ : /^application\/soap\+xml; charset=utf-8; action="urn:example:stadt:dms:v1\/storeAnalysis"/);
    expect(call!.args).toMatchObject({ documentId: 'doc-1', processId: 'P-2025-0042', confidence: 0.87, category: 'bauen' });
    expect(call!.args.aiLabel).toEqual({ ...args.aiLabel, generatedAt: new Date(args.aiLabel.generatedAt) });
  });

  it('turns a client fault into a PermanentError carrying the fault text', async () => {
    standIn.failNext(1, 'client-fault');
    const error = await errorOf(caller.call('storeAnalysis', args));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('soap-client-fault');
    expect(error.message).toContain('Dokument doc-1 ist nicht bekannt');
    expect(error.message).toContain(soapVersion === '1.1' ? 'soap:Client' : 'soap:Sender');
  });

  it('turns a server fault into a RetryableError', async () => {
    standIn.failNext(1, 'server-fault');
    const error = await errorOf(caller.call('storeAnalysis', args));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe('soap-server-fault');
    expect(error.message).toContain('Archiv voruebergehend nicht erreichbar');
    // The next call passes again.
    await expect(caller.call('storeAnalysis', args)).resolves.toEqual({ archiveRef: expect.any(String) });
  });

  it('turns a plain HTTP 500 page into a RetryableError', async () => {
    standIn.failNext(1, 'http-500');
    const error = await errorOf(caller.call('storeAnalysis', args));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe('soap-server-fault');
    expect(error.message).toContain('HTTP 500');
  });

  it('refuses an operation the WSDL does not have, naming the known ones', async () => {
    const error = await errorOf(caller.call('deleteArchive', args));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`operation deleteArchive is not in WSDL ${WSDL}; known: storeAnalysis`);
    expect(standIn.calls).toHaveLength(0);
  });
});

describe('SoapCaller failures without a SOAP answer', () => {
  let silent: Server;
  let silentUrl: string;

  beforeAll(async () => {
    // Accepts the request and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/dms/v1/archiv`;
  });

  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('gives up after timeoutMs against a server that never answers: RetryableError timeout', async () => {
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: silentUrl, soapVersion: '1.1', timeoutMs: 300 });
    const started = Date.now();
    const error = await errorOf(caller.call('storeAnalysis', args));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out on the stand-in holding the call as well', async () => {
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: standIn.url12, soapVersion: '1.2', timeoutMs: 300 });
    standIn.failNext(1, 'no-answer');
    expect((await errorOf(caller.call('storeAnalysis', args))).code).toBe('timeout');
  });

  it('maps a refused connection to RetryableError unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: `http://127.0.0.1:${port}/dms/v1/archiv`, soapVersion: '1.1', timeoutMs: 2000 });
    const error = await errorOf(caller.call('storeAnalysis', args));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe('unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('maps an HTTP 4xx that is no fault to a PermanentError', async () => {
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: standIn.url.replace('/dms/v1/archiv', '/nowhere'), soapVersion: '1.1', timeoutMs: 2000 });
    const error = await errorOf(caller.call('storeAnalysis', args));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('HTTP 404');
  });
});

describe('SoapCaller instances on the same WSDL', () => {
  it('keep their own SOAP version (node-soap would share one parsed WSDL and its options)', async () => {
    const v11 = await SoapCaller.create({ wsdlPath: WSDL, endpoint: standIn.url, soapVersion: '1.1', timeoutMs: 5000 });
    const v12 = await SoapCaller.create({ wsdlPath: WSDL, endpoint: standIn.url12, soapVersion: '1.2', timeoutMs: 5000 });
    await v11.call('storeAnalysis', args);
    await v12.call('storeAnalysis', args);
    expect(standIn.calls.map((c) => c.contentType?.split(';')[0])).toEqual(['text/xml', 'application/soap+xml']);
  });
});

describe('SoapCaller.create', () => {
  it('names the path of a WSDL that is missing', async () => {
    const error = await errorOf(SoapCaller.create({ wsdlPath: 'config/nowhere/dms.wsdl', soapVersion: '1.1', timeoutMs: 1000 }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('wsdl-unreadable');
    expect(error.message).toBe('cannot read WSDL config/nowhere/dms.wsdl (ENOENT)');
  });

  it('refuses a file that is not a WSDL, and a WSDL without a port of the asked SOAP version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soap-caller-'));
    try {
      const notWsdl = join(dir, 'not.wsdl');
      writeFileSync(notWsdl, '<html><body>Login</body></html>');
      expect(await errorOf(SoapCaller.create({ wsdlPath: notWsdl, soapVersion: '1.1', timeoutMs: 1000 }))).toMatchObject({ code: 'wsdl-invalid' });

      const only11 = join(dir, 'only11.wsdl');
      writeFileSync(only11, readFileSync(WSDL, 'utf8').replace(/<wsdl:port name="DmsArchivSoap12"[\s\S]*?<\/wsdl:port>/, ''));
      const error = await errorOf(SoapCaller.create({ wsdlPath: only11, soapVersion: '1.2', timeoutMs: 1000 }));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe(`WSDL ${only11} has no SOAP 1.2 port; ports: DmsArchivSoap11 (SOAP 1.1)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
