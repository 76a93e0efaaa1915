import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Application } from 'express';
import type { Redis } from 'ioredis';
import { AuditLog } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { InputError, type DocumentStatus } from '@app/contracts';
import { DOCUMENTS_REDIS } from '@app/documents';
import { Steps } from '@app/queue';
import {
  mountSoapEndpoint,
  RedisNonceStore,
  SOAP_ENVELOPE_DOCUMENT_TASK,
  setWsdlAddresses,
  soapText,
  UsernameTokenVerifier,
  type AppServer,
  type EnvelopeDocumentReadInput,
  type EnvelopeDocumentRequest,
  type EnvelopeReading,
  type SoapHandlerContext,
  type SoapRefusalContext,
  type SoapSecurityOptions,
  type SoapVersion,
  type WsSecurityError,
} from '@app/soap';
import { contractsDir, publicBaseUrl } from '@app/runtime';
import { IntakeService } from '../intake/intake.service.js';
import { XmlWorkers } from '../intake/xml-workers.provider.js';
import { DocumentStatusService } from '../status/document-status.service.js';

export const SOAP_PATHS: Record<SoapVersion, { path: string; port: string }> = {
  '1.1': { path: '/soap/v1', port: 'SchnittstelleSoap11' },
  '1.2': { path: '/soap12/v1', port: 'SchnittstelleSoap12' },
};

/** The SOAP way in: submitDocument and getStatus, over SOAP 1.1 and 1.2, from the WSDL in contracts/. */
@Injectable()
export class SoapIngressService implements OnModuleInit {
  private readonly logger = new Logger(SoapIngressService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly intake: IntakeService,
    private readonly statuses: DocumentStatusService,
    private readonly audit: AuditLog,
    @Inject(DOCUMENTS_REDIS) private readonly redis: Redis,
    private readonly xmlWorkers: XmlWorkers,
  ) {}

  /** Mounted while Nest initialises: after listen() Nest's 404 handler would stand in front. */
  async onModuleInit(): Promise<void> {
    const app = this.adapterHost.httpAdapter.getInstance<Application>();
    // The WSDL shows the address callers should use; with port 0 (tests) the port is known only after listen.
    const baseUrl = publicBaseUrl(this.config, this.config.http.port);
    const wsdlXml = setWsdlAddresses(fs.readFileSync(path.join(contractsDir(), 'schnittstelle/v1/schnittstelle.wsdl'), 'utf8'), {
      [SOAP_PATHS['1.1'].port]: `${baseUrl}${SOAP_PATHS['1.1'].path}`,
      [SOAP_PATHS['1.2'].port]: `${baseUrl}${SOAP_PATHS['1.2'].path}`,
    });
    const security = this.security();
    // The document in xmlDocument is read on the same worker job as its envelope, with its route's options;
    // a contentType (or base64 content) decides how it is read, so then intake reads it itself.
    const submittedDocument: EnvelopeDocumentRequest = {
      operation: 'submitDocument',
      argument: 'xmlDocument',
      selector: 'routeId',
      options: this.intake.prereadOptions('soap'),
      unlessGiven: ['contentType', 'content'],
    };
    // SOAP POSTs are taken from the server before Express: no middleware of the app applies to them.
    const server = this.adapterHost.httpAdapter.getHttpServer() as AppServer;
    for (const version of ['1.1', '1.2'] as const) {
      await mountSoapEndpoint(app, {
        server,
        ...(security ? { security } : {}),
        path: SOAP_PATHS[version].path,
        version,
        wsdlXml,
        serviceName: 'SchnittstelleService',
        portName: SOAP_PATHS[version].port,
        maxBodyBytes: this.config.limits.maxBodyBytes * 2 + 64 * 1024, // base64 and envelope around the largest document
        handlers: {
          submitDocument: (args, ctx) => this.submitDocument(args, ctx),
          getStatus: async (args) => ({ status: toSoapStatus(await this.statuses.get(soapText(args.documentId) ?? '')) }),
        },
        onError: (error, reference) => this.logger.error({ err: error, reference }, 'internal error in SOAP handler'),
        envelopeReader: (input) => {
          const job: EnvelopeDocumentReadInput = { ...input, document: submittedDocument };
          return this.xmlWorkers.pool.run<EnvelopeReading>(SOAP_ENVELOPE_DOCUMENT_TASK, job);
        },
      });
    }
  }

  /**
   * With SOAP users configured, every request needs a valid UsernameToken. Nonces go to Redis, shared
   * by every gateway process, under the installation's key prefix.
   */
  private security(): SoapSecurityOptions | undefined {
    const auth = this.config.security.soapAuth;
    if (!auth.required) return undefined;
    const verifier = new UsernameTokenVerifier({
      users: auth.users,
      maxAgeSeconds: auth.maxAgeSeconds,
      clockSkewSeconds: auth.clockSkewSeconds,
      nonces: new RedisNonceStore(this.redis, this.config.queue.prefix),
    });
    this.logger.log(`SOAP requests need a WS-Security UsernameToken (${auth.users.length} user(s) from ${auth.credentialsFile})`);
    return { verifier, onRefused: (refusal, ctx) => this.auditRefusal(refusal, ctx) };
  }

  /** Refused logins are audited like refused documents: no document, the reason, the user only if it is a configured one. */
  private async auditRefusal(refusal: WsSecurityError, ctx: SoapRefusalContext): Promise<void> {
    const user = refusal.username === undefined ? '' : ` (user "${refusal.username}")`;
    const detail = `soap: wsse:${refusal.faultCode}: ${refusal.reason}${user}`;
    this.logger.warn(`SOAP ${ctx.soapVersion} ${ctx.operation} refused: ${detail}`);
    try {
      await this.audit.append({ documentId: 'none', step: Steps.intake, outcome: 'refused', detail });
    } catch (error) {
      this.logger.error(`SOAP refusal not audited: ${(error as Error).message}`);
    }
  }

  private async submitDocument(args: Record<string, unknown>, ctx: SoapHandlerContext) {
    // The envelope reader may have read the document in xmlDocument already (SOAP_ENVELOPE_DOCUMENT_TASK): its
    // bytes and what reading them gave are then in ctx.document, no longer in args.
    const { document } = ctx;
    // An element sent empty counts as given (and is refused as an empty document further on).
    const xml = 'xmlDocument' in args ? (soapText(args.xmlDocument) ?? '') : undefined;
    const content = 'content' in args ? (soapText(args.content) ?? '') : undefined;
    if ((xml === undefined && !document) === (content === undefined)) throw new InputError('give exactly one of xmlDocument or content', 'bad-request');
    const routeId = soapText(args.routeId);
    if (!routeId) throw new InputError('routeId is missing', 'no-route');
    let body: Buffer;
    if (document) {
      body = Buffer.from(document.body.buffer, document.body.byteOffset, document.body.byteLength);
    } else if (xml !== undefined) {
      body = Buffer.from(xml, 'utf8');
    } else {
      if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(content!)) throw new InputError('content is not valid base64', 'bad-base64');
      body = Buffer.from(content!, 'base64');
    }
    const receipt = await this.intake.submit(
      {
        routeId,
        channel: 'soap',
        body,
        contentType: soapText(args.contentType) ?? (content === undefined ? 'application/xml' : undefined),
        filename: soapText(args.filename),
        correlationId: soapText(args.correlationId),
        // Keyed by the route whose options the reading used: intake takes it only for that route.
        ...(document ? { preread: { routeId: document.selector, read: document.read, error: document.error } } : {}),
      },
      publicBaseUrl(this.config, this.config.http.port),
    );
    this.logger.debug(`SOAP ${ctx.soapVersion} submitDocument -> ${receipt.documentId}`);
    return { receipt };
  }
}

function toSoapStatus(status: DocumentStatus) {
  const { document } = status;
  return {
    documentId: document.id,
    routeId: document.routeId,
    correlationId: document.correlationId,
    state: status.state,
    receivedAt: document.receivedAt,
    xoev: document.xoev ? { processId: document.xoev.processId, messageTypeCode: document.xoev.messageTypeCode } : undefined,
    steps: { stepStatus: status.steps.map((s) => ({ step: s.step, state: s.state, attempts: s.attempts, error: s.error })) },
    results: {
      stepResult: Object.values(status.results).map((r) => ({ step: r.step, task: r.task, output: JSON.stringify(r.output), aiLabel: r.label })),
    },
    writeback: status.writeback ? { target: status.writeback.target, location: status.writeback.location, at: status.writeback.at } : undefined,
  };
}
