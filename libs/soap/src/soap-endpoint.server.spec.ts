import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import soap from 'soap';
import { InputError, PermanentError, UnavailableError } from '@app/contracts';
import { inspectXml } from '@app/xml';
import { mountSoapEndpoint } from './soap-endpoint.server.js';
import type { SoapHandlerContext } from './soap-endpoint.server.js';
import { SOAP11_ENVELOPE_NAMESPACE, SOAP12_ENVELOPE_NAMESPACE } from './soap-fault.builder.js';
import { setWsdlAddresses } from './wsdl.inspector.js';
import type { SoapVersion } from './wsdl.inspector.js';

const CONTRACT = readFileSync('contracts/schnittstelle/v1/schnittstelle.wsdl', 'utf8');
const MAX_BODY = 64 * 1024;
const TNS = 'urn:schnittstelle:v1';

let server: Server;
let base: string;
const calls: Array<{ operation: string; args: any; ctx: SoapHandlerContext }> = [];
const logged: Array<{ err: unknown; ref: string }> = [];
/** Replaces the handlers' normal answer for one test. */
let behaviour: ((args: any) => Promise<any>) | undefined;

const receipt = {
  documentId: 'doc-1',
  status: 'accepted',
  routeId: 'akten',
  correlationId: 'AZ-2025-17',
  duplicate: false,
  statusUrl: 'http://127.0.0.1/documents/doc-1',
};

const documentStatus = {
  documentId: 'doc-1',
  routeId: 'akten',
  state: 'completed',
  receivedAt: '2025-03-01T10:00:00.000Z',
  xoev: { processId: 'P-1', messageTypeCode: '0503' },
  steps: {
    stepStatus: [
      { step: 'sprache', state: 'done', attempts: 1 },
      { step: 'kurz', state: 'failed', attempts: 3, error: 'timeout' },
    ],
  },
  results: {
    stepResult: [
      {
        step: 'sprache',
        task: 'detect-language',
        output: JSON.stringify({ language: 'deu', confidence: 0.93 }),
        aiLabel: {
          aiGenerated: true,
          digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
          provider: 'embedded',
          model: 'franc-min',
          generatedAt: '2025-03-01T10:00:01.000Z',
          reviewState: 'unreviewed',
        },
      },
    ],
  },
  writeback: { target: 'folder', location: '/out/doc-1.json', at: '2025-03-01T10:00:02.000Z' },
};

const handlers = {
  submitDocument: async (args: any, ctx: SoapHandlerContext) => {
    calls.push({ operation: 'submitDocument', args, ctx });
    return behaviour ? behaviour(args) : { receipt };
  },
  getStatus: async (args: any, ctx: SoapHandlerContext) => {
    calls.push({ operation: 'getStatus', args, ctx });
    return behaviour ? behaviour(args) : { status: documentStatus };
  },
};

beforeAll(async () => {
  const app = express();
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wsdlXml = setWsdlAddresses(CONTRACT, { SchnittstelleSoap11: `${base}/soap/v1`, SchnittstelleSoap12: `${base}/soap12/v1` });
  const common = { wsdlXml, serviceName: 'SchnittstelleService', handlers, maxBodyBytes: MAX_BODY, onError: (err: unknown, ref: string) => logged.push({ err, ref }) };
  // SOAP 1.1 as the gateway mounts it (its POSTs taken from the server before Express), SOAP 1.2 through Express.
  await mountSoapEndpoint(app, { ...common, path: '/soap/v1', version: '1.1', portName: 'SchnittstelleSoap11', server });
  await mountSoapEndpoint(app, { ...common, path: '/soap12/v1', version: '1.2', portName: 'SchnittstelleSoap12' });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  calls.length = 0;
  logged.length = 0;
  behaviour = undefined;
});

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: IncomingHttpHeaders;
}

function send(method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, chunked = false): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const allHeaders: Record<string, string | number> = { ...headers };
    if (body !== undefined && !chunked) allHeaders['content-length'] = Buffer.byteLength(body);
    const req = request(`${base}${path}`, { method, headers: allHeaders }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined && chunked) {
      // Several writes without Content-Length: the limit must hold while streaming.
      const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
      for (let i = 0; i < buffer.length; i += 16 * 1024) req.write(buffer.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

const post = (path: string, body: string | Buffer, headers: Record<string, string>, chunked = false) => send('POST', path, body, headers, chunked);

const NS: Record<SoapVersion, string> = { '1.1': SOAP11_ENVELOPE_NAMESPACE, '1.2': SOAP12_ENVELOPE_NAMESPACE };

function envelope(ns: string, body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="${ns}">` +
    (header ? `<e:Header>${header}</e:Header>` : '') +
    `<e:Body>${body}</e:Body></e:Envelope>`
  );
}

const submit = (inner = '<t:routeId>akten</t:routeId><t:xmlDocument>&lt;a/&gt;</t:xmlDocument>') => `<t:submitDocument xmlns:t="${TNS}">${inner}</t:submitDocument>`;

function decode(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

interface FaultSeen {
  envelope: SoapVersion;
  code: string;
  message: string;
  detailCode?: string;
  reference?: string;
}

/** Reads a fault answered by the endpoint; fails the test if the body is not a well-formed SOAP fault. */
function faultOf(res: RawResponse): FaultSeen {
  const inspected = inspectXml(res.body);
  expect(inspected.rootElement).toBe('Envelope');
  const envelope = inspected.namespace === SOAP11_ENVELOPE_NAMESPACE ? '1.1' : inspected.namespace === SOAP12_ENVELOPE_NAMESPACE ? '1.2' : undefined;
  if (!envelope) throw new Error(`not a SOAP envelope: ${res.body}`);
  const code = envelope === '1.1' ? /<faultcode>([^<]*)<\/faultcode>/.exec(res.body)?.[1] : /<env:Code><env:Value>([^<]*)<\/env:Value>/.exec(res.body)?.[1];
  const message = envelope === '1.1' ? /<faultstring>([^<]*)<\/faultstring>/.exec(res.body)?.[1] : /<env:Text xml:lang="en">([^<]*)<\/env:Text>/.exec(res.body)?.[1];
  if (code === undefined || message === undefined) throw new Error(`not a fault: ${res.body}`);
  const seen: FaultSeen = { envelope, code, message: decode(message) };
  const detailCode = /<s:code>([^<]*)<\/s:code>/.exec(res.body)?.[1];
  if (detailCode !== undefined) seen.detailCode = detailCode;
  const reference = /<s:reference>([^<]*)<\/s:reference>/.exec(res.body)?.[1];
  if (reference !== undefined) seen.reference = reference;
  return seen;
}

/** A soap:Client / env:Sender fault in the endpoint's own version, with the binding's HTTP status. */
function expectClientFault(version: SoapVersion, res: RawResponse, message: string | RegExp, status = version === '1.1' ? 500 : 400): FaultSeen {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.any(String) });
  const fault = faultOf(res);
  expect(fault.envelope).toBe(version);
  expect(fault.code).toBe(version === '1.1' ? 'soap:Client' : 'env:Sender');
  expect(fault.message).toMatch(message);
  expect(res.contentType).toBe(version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8');
  return fault;
}

type Port = Record<string, (args: object, cb: (err: any, result: any) => void) => void>;

async function soapClientFor(version: SoapVersion): Promise<(operation: string, args: object) => Promise<any>> {
  const path = version === '1.1' ? '/soap/v1' : '/soap12/v1';
  const client = await soap.createClientAsync(`${base}${path}?wsdl`, { forceSoap12Headers: version === '1.2' });
  // The port's own methods: they post to the address the served WSDL names for that port.
  const port = (client as unknown as Record<string, Record<string, Port>>)['SchnittstelleService']![version === '1.1' ? 'SchnittstelleSoap11' : 'SchnittstelleSoap12']!;
  return (operation, args) => new Promise((resolve, reject) => port[operation]!(args, (err, result) => (err ? reject(err) : resolve(result))));
}

describe.each([
  { version: '1.1' as const, path: '/soap/v1', mediaType: 'text/xml', other: '1.2' as const, front: true },
  { version: '1.2' as const, path: '/soap12/v1', mediaType: 'application/soap+xml', other: '1.1' as const, front: false },
])('SOAP $version endpoint at $path (POSTs taken before Express: $front)', ({ version, path, mediaType, other, front }) => {
  const headers = (action?: string): Record<string, string> =>
    version === '1.1'
      ? { 'content-type': `${mediaType}; charset=utf-8`, ...(action === undefined ? {} : { soapaction: `"${action}"` }) }
      : { 'content-type': `${mediaType}; charset=utf-8${action === undefined ? '' : `; action="${action}"`}` };
  const ok = (body = submit()) => envelope(NS[version], body);

  describe('driven by the soap client', () => {
    it('serves the WSDL with the real addresses', async () => {
      const res = await send('GET', `${path}?wsdl`, undefined);
      expect(res.status).toBe(200);
      expect(res.body).toContain(`<soap:address location="${base}/soap/v1"/>`);
      expect(res.body).toContain(`<soap12:address location="${base}/soap12/v1"/>`);
    });

    it('submits an XML document as text and answers the receipt', async () => {
      const call = await soapClientFor(version);
      const xmlDocument = '<?xml version="1.0" encoding="UTF-8"?>\n<antrag>\n  <name>Müller &amp; Söhne</name>\r\n  <![CDATA[ x < y ]]>\n</antrag>\n';
      const result = await call('submitDocument', { routeId: 'akten', correlationId: 'AZ-2025-17', filename: 'antrag.xml', xmlDocument });

      expect(result).toEqual({ receipt: { ...receipt, duplicate: false } });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.args).toEqual({ routeId: 'akten', correlationId: 'AZ-2025-17', filename: 'antrag.xml', xmlDocument });
      expect(calls[0]!.ctx).toEqual({ soapVersion: version, ip: expect.stringMatching(/127\.0\.0\.1$/), operation: 'submitDocument' });
    });

    it('serves POSTs without Express where it was given the server, the WSDL through Express', async () => {
      const res = await post(`${path}?trace=1`, ok(), headers());
      expect(res.status).toBe(200);
      expect(calls).toHaveLength(1);
      // Express's own mark on every response it handled.
      expect(res.headers!['x-powered-by']).toBe(front ? undefined : 'Express');
      expect((await send('GET', `${path}?wsdl`, undefined)).headers!['x-powered-by']).toBe('Express');
    });

    it('submits exact bytes as base64 content', async () => {
      const call = await soapClientFor(version);
      const bytes = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe4\xf6\xfc</a>', 'latin1');
      await call('submitDocument', { routeId: 'akten', content: bytes.toString('base64'), contentType: 'application/xml; charset=ISO-8859-1' });
      expect(Buffer.from(calls[0]!.args.content, 'base64').equals(bytes)).toBe(true);
      expect(calls[0]!.args.contentType).toBe('application/xml; charset=ISO-8859-1');
    });

    it('answers getStatus with steps, results and the AI label', async () => {
      const call = await soapClientFor(version);
      const result = await call('getStatus', { documentId: 'doc-1' });
      expect(calls[0]!.args).toEqual({ documentId: 'doc-1' });
      const status = result.status;
      expect(status.state).toBe('completed');
      expect(status.receivedAt).toEqual(new Date(documentStatus.receivedAt));
      expect(status.xoev).toEqual({ processId: 'P-1', messageTypeCode: '0503' });
      expect(status.steps.stepStatus).toEqual([
        { step: 'sprache', state: 'done', attempts: 1 },
        { step: 'kurz', state: 'failed', attempts: 3, error: 'timeout' },
      ]);
      const [first] = status.results.stepResult;
      expect(JSON.parse(first.output)).toEqual({ language: 'deu', confidence: 0.93 });
      expect(first.aiLabel).toMatchObject({ aiGenerated: true, provider: 'embedded', reviewState: 'unreviewed' });
      expect(status.writeback).toMatchObject({ target: 'folder', location: '/out/doc-1.json' });
    });

    it('passes an InputError from the handler on as a client fault the soap client reads', async () => {
      behaviour = async () => {
        throw new InputError('route "nirgends" is not configured', 'unknown-route');
      };
      const call = await soapClientFor(version);
      const error: any = await call('submitDocument', { routeId: 'nirgends', xmlDocument: '<a/>' }).catch((e: unknown) => e);
      expect(error.response.status).toBe(version === '1.1' ? 500 : 400);
      expect(error.message).toContain('route "nirgends" is not configured');
      expect(error.message).toContain(version === '1.1' ? 'soap:Client' : 'env:Sender');
    });
  });

  describe('handler errors', () => {
    it('PermanentError becomes a client fault with its message', async () => {
      behaviour = async () => {
        throw new PermanentError('document is not an XÖV message', 'not-xoev');
      };
      const fault = expectClientFault(version, await post(path, ok(), headers()), 'document is not an XÖV message');
      expect(fault.detailCode).toBe('not-xoev');
    });

    it('UnavailableError becomes 503 with a server fault asking to come back', async () => {
      behaviour = async () => {
        throw new UnavailableError('queue is not reachable');
      };
      const res = await post(path, ok(), headers());
      expect(res.status).toBe(503);
      expect(faultOf(res)).toMatchObject({
        envelope: version,
        code: version === '1.1' ? 'soap:Server' : 'env:Receiver',
        message: 'service temporarily unavailable: queue is not reachable',
      });
    });

    it('any other error becomes a generic internal fault with a reference, logged through onError', async () => {
      behaviour = async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'secretColumn')");
      };
      const res = await post(path, ok(), headers());
      expect(res.status).toBe(500);
      const fault = faultOf(res);
      expect(fault.code).toBe(version === '1.1' ? 'soap:Server' : 'env:Receiver');
      expect(fault.message).toMatch(/^Internal error; reference [0-9a-f]{16}$/);
      expect(res.body).not.toMatch(/secretColumn|TypeError|at .*\.(js|ts):\d+/);
      expect(logged).toHaveLength(1);
      expect(logged[0]!.ref).toBe(fault.reference);
      expect(fault.message).toContain(logged[0]!.ref);
      expect((logged[0]!.err as Error).message).toContain('secretColumn');
    });

    it('a result node-soap cannot serialise becomes an internal fault, not node-soap text', async () => {
      behaviour = async () => ({
        receipt: {
          get documentId(): string {
            throw new Error('getter with internal detail');
          },
        },
      });
      const res = await post(path, ok(), headers());
      expect(res.status).toBe(500);
      expect(faultOf(res).message).toMatch(/^Internal error; reference /);
      expect(res.body).not.toContain('getter with internal detail');
      expect(logged).toHaveLength(1);
    });
  });

  describe('bad requests never reach a handler', () => {
    afterEach(() => expect(calls).toHaveLength(0));

    it('refuses a body over the limit with 413 (Content-Length)', async () => {
      const big = ok(submit(`<t:routeId>akten</t:routeId><t:xmlDocument>${'x'.repeat(MAX_BODY)}</t:xmlDocument>`));
      const res = await post(path, big, headers());
      const fault = expectClientFault(version, res, /at most 65536 bytes/, 413);
      expect(fault.detailCode).toBe('too-large');
      // Answered once the body was read to its end: the connection stays open for the next request.
      expect(res.headers!['connection']).toBe('keep-alive');
    });

    it('refuses a body over the limit with 413 (chunked, no Content-Length)', async () => {
      const big = ok(submit(`<t:routeId>akten</t:routeId><t:xmlDocument>${'x'.repeat(MAX_BODY * 2)}</t:xmlDocument>`));
      expectClientFault(version, await post(path, big, headers(), true), /at most 65536 bytes/, 413);
    });

    it('refuses a gzip body that inflates beyond the limit with 413', async () => {
      const bomb = gzipSync(Buffer.from(ok(submit(`<t:routeId>akten</t:routeId><t:xmlDocument>${' '.repeat(MAX_BODY * 16)}</t:xmlDocument>`))));
      expect(bomb.length).toBeLessThan(MAX_BODY);
      expectClientFault(version, await post(path, bomb, { ...headers(), 'content-encoding': 'gzip' }), /once decompressed/, 413);
    });

    it('refuses an empty body', async () => {
      expectClientFault(version, await post(path, '', headers()), 'request body is empty; expected a SOAP envelope');
    });

    it('refuses a content type that is not SOAP with 415', async () => {
      const fault = expectClientFault(version, await post(path, ok(), { 'content-type': 'application/json' }), `SOAP ${version} requires Content-Type ${mediaType}`, 415);
      expect(fault.detailCode).toBe('content-type');
    });

    it('refuses the other SOAP version content type for an envelope of this version with 415', async () => {
      const otherType = version === '1.1' ? 'application/soap+xml' : 'text/xml';
      expectClientFault(version, await post(path, ok(), { 'content-type': otherType }), `SOAP ${version} requires Content-Type ${mediaType}, got ${otherType}`, 415);
    });

    it('refuses XML that is not well-formed', async () => {
      expectClientFault(version, await post(path, ok().replace('</e:Body>', '</e:Bdy>'), headers()), /request is not acceptable XML: .*line 1/);
    });

    it('refuses a DOCTYPE (XXE) without resolving it', async () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE e:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + ok(submit('<t:routeId>&x;</t:routeId>')).replace(/^<\?xml[^>]*\?>/, '');
      const res = await post(path, xxe, headers());
      const fault = expectClientFault(version, res, /DOCTYPE/i);
      expect(fault.detailCode).toBe('doctype');
      expect(res.body).not.toContain('root:');
    });

    it('refuses a root element that is not an Envelope', async () => {
      expectClientFault(version, await post(path, submit(), headers()), 'root element <submitDocument> is not a SOAP Envelope');
    });

    it(`answers a SOAP ${other} envelope with VersionMismatch in SOAP 1.1 form`, async () => {
      const res = await post(path, envelope(NS[other], submit()), headers());
      expect(res.status).toBe(500);
      const fault = faultOf(res);
      expect(fault).toMatchObject({ envelope: '1.1', code: 'soap:VersionMismatch', detailCode: 'version-mismatch' });
      expect(fault.message).toContain(`SOAP ${other} envelope sent to a SOAP ${version} endpoint`);
      if (version === '1.2') {
        // SOAP 1.2 appendix A: tell the 1.1 sender which envelope is supported.
        expect(res.body).toContain(`<upg:Upgrade xmlns:upg="${SOAP12_ENVELOPE_NAMESPACE}"><upg:SupportedEnvelope qname="v0:Envelope" xmlns:v0="${SOAP12_ENVELOPE_NAMESPACE}"/></upg:Upgrade>`);
      }
    });

    it('answers an Envelope in no SOAP namespace with VersionMismatch of this version', async () => {
      const res = await post(path, envelope('urn:not-soap', submit()), headers());
      expect(res.status).toBe(500);
      expect(faultOf(res)).toMatchObject({ envelope: version, code: version === '1.1' ? 'soap:VersionMismatch' : 'env:VersionMismatch' });
    });

    it('refuses an unknown operation and names the known ones', async () => {
      const res = await post(path, ok(`<t:deleteAll xmlns:t="${TNS}"/>`), headers());
      expectClientFault(version, res, 'unknown operation deleteAll; known: getStatus, submitDocument');
    });

    it('refuses an operation element in the wrong namespace', async () => {
      const res = await post(path, ok('<submitDocument xmlns="urn:other"><routeId>akten</routeId></submitDocument>'), headers());
      expectClientFault(version, res, `operation element submitDocument is in namespace urn:other; expected ${TNS}`);
    });

    it('refuses an empty Body and a Body with two elements', async () => {
      expectClientFault(version, await post(path, ok(''), headers()), 'SOAP Body is empty; expected one operation element (getStatus, submitDocument)');
      expectClientFault(version, await post(path, ok(submit() + submit()), headers()), /SOAP Body holds 2 elements/);
    });

    it('refuses a SOAPAction that names no operation', async () => {
      const res = await post(path, ok(), headers('urn:schnittstelle:v1#dropTables'));
      const source = version === '1.1' ? 'SOAPAction' : 'action parameter';
      expectClientFault(version, res, `${source} "urn:schnittstelle:v1#dropTables" names no operation of this service; known: urn:schnittstelle:v1#getStatus, urn:schnittstelle:v1#submitDocument`);
    });

    it('refuses a SOAPAction naming another operation than the Body', async () => {
      const res = await post(path, ok(), headers('urn:schnittstelle:v1#getStatus'));
      expectClientFault(version, res, /names operation getStatus but the Body holds submitDocument/);
    });

    it('refuses RPC/encoded requests by name', async () => {
      const rpc =
        `<?xml version="1.0"?><e:Envelope xmlns:e="${NS[version]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
        `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:enc="http://schemas.xmlsoap.org/soap/encoding/"><e:Body>` +
        `<t:submitDocument xmlns:t="${TNS}" e:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">` +
        `<routeId xsi:type="xsd:string">akten</routeId><xmlDocument href="#id0"/></t:submitDocument>` +
        `<multiRef id="id0" xsi:type="enc:string">&lt;a/&gt;</multiRef></e:Body></e:Envelope>`;
      const res = await post(path, rpc, headers());
      // Two Body children are refused before the encodingStyle would be.
      expectClientFault(version, res, /SOAP (encoding is not supported|Body holds 2 elements)/);
      const single = rpc.replace(/<multiRef.*<\/multiRef>/, '').replace('<xmlDocument href="#id0"/>', '');
      expectClientFault(version, await post(path, single, headers()), /SOAP encoding is not supported \(encodingStyle="http:\/\/schemas.xmlsoap.org\/soap\/encoding\/"/);
    });

    it('refuses id/href values that would write onto Object.prototype inside node-soap', async () => {
      const res = await post(path, ok(submit('<t:routeId>akten</t:routeId><t:correlationId id="__proto__">x</t:correlationId>')), headers());
      expectClientFault(version, res, 'id="__proto__" on <t:correlationId> is not accepted');
      expect(({} as Record<string, unknown>)['obj']).toBeUndefined();
    });

    it('refuses element names that are JavaScript object internals, prefixed or not', async () => {
      const res = await post(path, ok(submit('<t:routeId>akten</t:routeId><t:__proto__><t:polluted>1</t:polluted></t:__proto__>')), headers());
      expectClientFault(version, res, "XML name '__proto__' is not accepted");
    });

    it('answers a header block marked mustUnderstand with a MustUnderstand fault', async () => {
      const header = `<w:Security xmlns:w="urn:example:security" e:mustUnderstand="${version === '1.1' ? '1' : 'true'}"/>`;
      const res = await post(path, envelope(NS[version], submit(), header), headers());
      expect(res.status).toBe(500);
      const fault = faultOf(res);
      expect(fault.code).toBe(version === '1.1' ? 'soap:MustUnderstand' : 'env:MustUnderstand');
      expect(fault.message).toContain('{urn:example:security}Security');
    });

    it('refuses other HTTP methods with 405', async () => {
      const res = await send('PUT', path, ok(), headers());
      expect(res.status).toBe(405);
      expect(faultOf(res).message).toContain('HTTP method PUT is not supported');
    });
  });

  describe('requests node-soap would get wrong on its own', () => {
    it('hands CDATA holding an XML declaration to the handler as text', async () => {
      const document = '<?xml version="1.0"?>\n<a>  x &amp; y </a>';
      const res = await post(path, ok(submit(`<t:routeId>akten</t:routeId><t:xmlDocument><![CDATA[${document}]]></t:xmlDocument>`)), headers(`${TNS}#submitDocument`));
      expect(res.status).toBe(200);
      expect(calls[0]!.args.xmlDocument).toBe(document);
    });

    it('keeps leading and trailing whitespace of text', async () => {
      await post(path, ok(submit('<t:routeId>akten</t:routeId><t:xmlDocument>\n  &lt;a/&gt;  \n</t:xmlDocument>')), headers());
      expect(calls[0]!.args.xmlDocument).toBe('\n  <a/>  \n');
    });

    it('accepts a gzip body and an unquoted or missing SOAPAction', async () => {
      const res = await post(path, gzipSync(Buffer.from(ok())), { ...headers(), 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
      expect(res.contentType).toBe(`${mediaType}; charset=utf-8`);
      expect(res.body).toContain('<documentId>doc-1</documentId>');
      if (version === '1.1') {
        const unquoted = await post(path, ok(), { 'content-type': 'text/xml', soapaction: `${TNS}#submitDocument` });
        expect(unquoted.status).toBe(200);
      }
      expect(calls.length).toBeGreaterThanOrEqual(1);
    });

    it('reads a plain request from the checked envelope, an unusual one with node-soap, the same answer either way', async () => {
      const parses = jest.spyOn((soap as unknown as { WSDL: { prototype: { xmlToObject: () => unknown } } }).WSDL.prototype, 'xmlToObject');
      try {
        const plain = await post(path, ok(submit('<t:routeId>akten</t:routeId><t:filename/><t:xmlDocument>&lt;a/&gt;</t:xmlDocument>')), headers());
        expect(parses).not.toHaveBeenCalled();
        // An attribute on an argument: node-soap makes { attributes, $value } of it, so node-soap reads it.
        const unusual = await post(
          path,
          ok(submit('<t:routeId xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="false">akten</t:routeId><t:filename/><t:xmlDocument>&lt;a/&gt;</t:xmlDocument>')),
          headers(),
        );
        expect(parses).toHaveBeenCalledTimes(1);
        expect([plain.status, unusual.status]).toEqual([200, 200]);
        expect(unusual.body).toBe(plain.body);
        expect(calls.map((c) => c.args)).toEqual([
          { routeId: 'akten', filename: '', xmlDocument: '<a/>' },
          { routeId: { attributes: { 'xsi:nil': 'false' }, $value: 'akten' }, filename: '', xmlDocument: '<a/>' },
        ]);
      } finally {
        parses.mockRestore();
      }
    });

    it('honours a charset parameter over the XML declaration default', async () => {
      const latin1 = Buffer.from(ok(submit('<t:routeId>akten</t:routeId><t:filename>Bescheid_Müller.xml</t:filename><t:xmlDocument>&lt;a/&gt;</t:xmlDocument>')).replace(' encoding="UTF-8"', ''), 'latin1');
      const res = await post(path, latin1, { ...headers(), 'content-type': `${mediaType}; charset=ISO-8859-1` });
      expect(res.status).toBe(200);
      expect(calls[0]!.args.filename).toBe('Bescheid_Müller.xml');
    });
  });
});

describe('mountSoapEndpoint configuration', () => {
  const base = { wsdlXml: CONTRACT, serviceName: 'SchnittstelleService', path: '/x', maxBodyBytes: 1024, handlers };

  it('refuses a port of the other SOAP version', async () => {
    await expect(mountSoapEndpoint(express(), { ...base, version: '1.2', portName: 'SchnittstelleSoap11' })).rejects.toThrow('port SchnittstelleSoap11 is bound to SOAP 1.1, not SOAP 1.2');
  });

  it('refuses an unknown port and names the ports', async () => {
    await expect(mountSoapEndpoint(express(), { ...base, version: '1.1', portName: 'Nope' })).rejects.toThrow(
      'WSDL has no port SchnittstelleService/Nope; ports: SchnittstelleService/SchnittstelleSoap11, SchnittstelleService/SchnittstelleSoap12',
    );
  });

  it('refuses missing and surplus handlers', async () => {
    await expect(mountSoapEndpoint(express(), { ...base, version: '1.1', portName: 'SchnittstelleSoap11', handlers: { submitDocument: handlers.submitDocument } })).rejects.toThrow(
      'no handler for operation getStatus',
    );
    await expect(
      mountSoapEndpoint(express(), { ...base, version: '1.1', portName: 'SchnittstelleSoap11', handlers: { ...handlers, purge: handlers.getStatus } }),
    ).rejects.toThrow('handlers for operations the port does not have: purge');
  });
});

describe('node-soap failing on its own', () => {
  // The request element has no schema: node-soap throws a TypeError while parsing a request that
  // passed every check, and would answer it with the exception text.
  const BROKEN = `<?xml version="1.0"?>
<wsdl:definitions targetNamespace="urn:broken" xmlns:tns="urn:broken" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <wsdl:types><xs:schema targetNamespace="urn:broken"/></wsdl:types>
  <wsdl:message name="pingRequest"><wsdl:part name="parameters" element="tns:ping"/></wsdl:message>
  <wsdl:message name="pingResponse"><wsdl:part name="parameters" element="tns:pingResponse"/></wsdl:message>
  <wsdl:portType name="PT"><wsdl:operation name="ping"><wsdl:input message="tns:pingRequest"/><wsdl:output message="tns:pingResponse"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="tns:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="ping"><soap:operation soapAction="urn:broken#ping"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="P" binding="tns:B"><soap:address location="http://localhost/broken"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;

  it('answers a generic internal fault instead of node-soap text, and logs what node-soap said', async () => {
    const app = express();
    // The request is taken before Express, then handed to node-soap through it.
    const broken = createServer(app);
    const pings: unknown[] = [];
    const errors: Array<{ err: unknown; ref: string }> = [];
    await mountSoapEndpoint(app, {
      path: '/broken',
      version: '1.1',
      wsdlXml: BROKEN,
      serviceName: 'S',
      portName: 'P',
      maxBodyBytes: 4096,
      handlers: { ping: async (args) => pings.push(args) },
      onError: (err, ref) => errors.push({ err, ref }),
      server: broken,
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(broken.address() as AddressInfo).port}/broken`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: envelope(NS['1.1'], '<b:ping xmlns:b="urn:broken"><b:x>1</b:x></b:ping>'),
      });
      const body = await res.text();
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      const fault = faultOf({ status: res.status, contentType: '', body });
      expect(fault).toMatchObject({ code: 'soap:Server', message: expect.stringMatching(/^Internal error; reference [0-9a-f]{16}$/) });
      expect(body).not.toMatch(/TypeError|node_modules/);
      expect(pings).toHaveLength(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.ref).toBe(fault.reference);
      expect((errors[0]!.err as Error).message).toMatch(/^node-soap answered HTTP 500 itself: /);
    } finally {
      broken.closeAllConnections();
      await new Promise((resolve) => broken.close(resolve));
    }
  });
});

describe('an app that trusts proxies', () => {
  it('keeps every request, so that the client address is the one Express works out', async () => {
    const app = express();
    app.set('trust proxy', true);
    const server = createServer(app);
    const wsdlXml = setWsdlAddresses(CONTRACT, { SchnittstelleSoap11: 'http://localhost/soap/v1', SchnittstelleSoap12: 'http://localhost/soap12/v1' });
    await mountSoapEndpoint(app, { wsdlXml, serviceName: 'SchnittstelleService', portName: 'SchnittstelleSoap11', version: '1.1', path: '/soap/v1', handlers, maxBodyBytes: MAX_BODY, server });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/v1`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', 'x-forwarded-for': '203.0.113.7' },
        body: envelope(NS['1.1'], submit()),
      });
      expect([res.status, res.headers.get('x-powered-by')]).toEqual([200, 'Express']);
      expect(calls.at(-1)!.ctx.ip).toBe('203.0.113.7');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
