import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import soap from 'soap';
import type { IServices } from 'soap';

export type LegacyFailureKind = 'server-fault' | 'client-fault' | 'http-500' | 'no-answer';

export interface LegacyCall {
  operation: string;
  /** As node-soap parsed them: xs:dateTime as Date, xs:decimal as number. */
  args: any;
  /** The port the call came in on. */
  soapVersion: '1.1' | '1.2';
  /** Content-Type of the request, to see what the caller really sent. */
  contentType?: string;
  /** Set when this call was answered with a failure from failNext. */
  failedWith?: LegacyFailureKind;
}

export interface LegacyStandIn {
  /** SOAP 1.1 endpoint; `${url}?wsdl` serves the WSDL. */
  url: string;
  /** SOAP 1.2 endpoint. */
  url12: string;
  /** Every call that reached the service, failed ones included, in order. */
  calls: LegacyCall[];
  /**
   * The next n calls fail: 'server-fault' soap:Server / env:Receiver (HTTP 500), 'client-fault'
   * soap:Client (HTTP 500) / env:Sender (HTTP 400), 'http-500' a plain HTML error page,
   * 'no-answer' keeps the connection open without answering (for timeouts).
   */
  failNext(n: number, kind: LegacyFailureKind): void;
  close(): Promise<void>;
}

const FIXTURE = 'test/fixtures/legacy/dms-archive.wsdl';

/** The fixture next to the sources when run from them, else relative to the working directory. */
export function defaultWsdlPath(): string {
  const besideSources = fileURLToPath(new URL(`../../../${FIXTURE}`, import.meta.url));
  return existsSync(besideSources) ? besideSources : resolve(FIXTURE);
}

/**
 * A route's `writeback:` block (YAML, indented for a route under `routes:`) that sends the analysis of the
 * steps `sprache`, `zusammenfassung` and `sachgebiet` to the stand-in's storeAnalysis.
 */
export function legacyWritebackYaml(endpoint: string, options: { timeoutMs?: number } = {}): string {
  return `
    writeback:
      type: soap
      wsdl: ${defaultWsdlPath()}
      endpoint: ${endpoint}
      operation: storeAnalysis${options.timeoutMs ? `\n      timeoutMs: ${options.timeoutMs}` : ''}
      mapping:
        documentId: document.id
        processId: document.xoev.processId
        messageType: document.xoev.messageTypeCode
        language: results.sprache.output.language
        summary: results.zusammenfassung.output.summary
        category: results.sachgebiet.output.label
        confidence: results.sachgebiet.output.confidence
        aiLabel.aiGenerated: label.aiGenerated
        aiLabel.digitalSourceType: label.digitalSourceType
        aiLabel.provider: label.provider
        aiLabel.model: label.model
        aiLabel.generatedAt: label.generatedAt
        aiLabel.reviewState: label.reviewState`;
}

/**
 * A legacy DMS/archive system for tests: serves the fixture WSDL with node-soap on a plain HTTP
 * server (SOAP 1.1 at /dms/v1/archiv, SOAP 1.2 at /dms12/v1/archiv, the paths of the WSDL's ports),
 * records every call and fails on request. Listens on 127.0.0.1 only.
 */
export async function startLegacyStandIn(opts: { wsdlPath?: string; port?: number } = {}): Promise<LegacyStandIn> {
  const xml = await readFile(opts.wsdlPath ?? defaultWsdlPath(), 'utf8');
  const calls: LegacyCall[] = [];
  const failures: LegacyFailureKind[] = [];
  let archived = 0;

  const storeAnalysis =
    (soapVersion: '1.1' | '1.2') =>
    (args: any, _callback: unknown, _headers: unknown, req: IncomingMessage, res: ServerResponse): Promise<unknown> | undefined => {
      const failure = failures.shift();
      const contentType = req.headers['content-type'];
      calls.push({ operation: 'storeAnalysis', args, soapVersion, ...(contentType ? { contentType } : {}), ...(failure ? { failedWith: failure } : {}) });
      switch (failure) {
        case 'server-fault':
          return Promise.reject({
            Fault:
              soapVersion === '1.1'
                ? { faultcode: 'soap:Server', faultstring: 'Archiv voruebergehend nicht erreichbar', statusCode: 500 }
                : { Code: { Value: 'soap:Receiver' }, Reason: { Text: 'Archiv voruebergehend nicht erreichbar' }, statusCode: 500 },
          });
        case 'client-fault':
          return Promise.reject({
            Fault:
              soapVersion === '1.1'
                ? { faultcode: 'soap:Client', faultstring: `Dokument ${String(args?.documentId)} ist nicht bekannt`, statusCode: 500 }
                : { Code: { Value: 'soap:Sender' }, Reason: { Text: `Dokument ${String(args?.documentId)} ist nicht bekannt` }, statusCode: 400 },
          });
        case 'http-500':
          // What an application server in front of the DMS sends when the DMS is down.
          res.statusCode = 500;
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.end('<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>');
          return undefined;
        case 'no-answer':
          return undefined;
        default:
          archived += 1;
          return Promise.resolve({ archiveRef: `ARCH-${new Date().getUTCFullYear()}-${String(archived).padStart(6, '0')}` });
      }
    };

  const services = (soapVersion: '1.1' | '1.2'): IServices => ({
    DmsArchivService: {
      DmsArchivSoap11: { storeAnalysis: storeAnalysis(soapVersion) },
      DmsArchivSoap12: { storeAnalysis: storeAnalysis(soapVersion) },
    },
  });

  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });

  const listen = (path: string, soapVersion: '1.1' | '1.2') =>
    new Promise<void>((resolveListen, reject) => {
      soap.listen(server, {
        path,
        services: services(soapVersion),
        xml,
        forceSoap12Headers: soapVersion === '1.2',
        suppressStack: true,
        callback: (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolveListen()),
      });
    });
  await listen('/dms/v1/archiv', '1.1');
  await listen('/dms12/v1/archiv', '1.2');

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dms/v1/archiv`,
    url12: `http://127.0.0.1:${port}/dms12/v1/archiv`,
    calls,
    failNext(n: number, kind: LegacyFailureKind) {
      for (let i = 0; i < n; i++) failures.push(kind);
    },
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((err) => (err ? reject(err) : resolveClose()));
        // Calls left hanging by 'no-answer' and idle keep-alive sockets would keep close() waiting.
        server.closeAllConnections();
      }),
  };
}
