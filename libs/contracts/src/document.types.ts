import type { StepResult, WritebackRecord } from './step-result.types.js';

/** The ways in a route can `accept`: documents sent to Schnittstelle. */
export type BuiltInChannel = 'soap' | 'rest' | 'folder';

/** Documents a route's `sources:` entry fetched: `source:<connector name>`, e.g. `source:xta2`. */
export type SourceChannel = `source:${string}`;

/** How a document came in. */
export type Channel = BuiltInChannel | SourceChannel;

/** The channel of documents a source connector delivers. */
export function sourceChannel(connectorName: string): SourceChannel {
  return `source:${connectorName}`;
}

/** What the body is; decides how text is taken from it for the AI steps. `container`: a package of documents (a ZIP). */
export type DocumentKind = 'xml' | 'text' | 'container';

/** A document inside a container message (an xdomea primary document, an invoice attachment). */
export interface DocumentPart {
  name: string;
  mediaType: string;
  sizeBytes: number;
  /** Whether its text went into the document's text. */
  textExtracted: boolean;
}

/** Facts read from an XÖV message header (xdomea 3.0.0 `Kopf`). */
export interface XoevHeader {
  standard: string;
  version: string;
  namespace: string;
  rootElement: string;
  /** Code from the xdomea code list Nachrichtentyp, e.g. `0503`. */
  messageTypeCode?: string;
  processId?: string;
  createdAt?: string;
  sender?: string;
  recipient?: string;
}

/**
 * What the transport that fetched a document knew about it (a `sources:` connector such as xta2): the
 * addressing a reply needs (sender identifier, the transport's message id, message type, business scenario).
 * Never document content, and no personal data beyond those identifiers.
 */
export interface TransportFacts {
  /** The source connector that fetched the document, e.g. `xta2`. */
  connector: string;
  /** Keys as the connector names them, e.g. `sender`, `senderType`, `messageId`, `messageType`, `businessScenario`. */
  meta: Record<string, string>;
}

/** The canonical document: what every way in produces, whatever the channel. */
export interface CanonicalDocument {
  id: string;
  routeId: string;
  correlationId?: string;
  channel: Channel;
  kind: DocumentKind;
  contentType: string;
  filename?: string;
  sizeBytes: number;
  sha256: string;
  receivedAt: string;
  rootElement?: string;
  xoev?: XoevHeader;
  /** The connector that read the document (the route's `connector:`); absent for the built-in XML and text reading. */
  connector?: string;
  /** Facts a connector read by rules (an invoice's seller, buyer, Leitweg-ID, totals, lines); never AI output. */
  fields?: Record<string, unknown>;
  /** The documents inside a container message. */
  parts?: DocumentPart[];
  /** Irregularities that did not stop the document (a header contradicting its root element); never document content. */
  warnings?: string[];
  /** Addressing facts of the transport that fetched it, kept so the results can answer the original sender. */
  transport?: TransportFacts;
}

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export type DocumentState = 'accepted' | 'processing' | 'completed' | 'failed';

export interface StepStatus {
  step: string;
  state: StepState;
  attempts: number;
  updatedAt: string;
  error?: string;
}

export interface DocumentStatus {
  document: CanonicalDocument;
  state: DocumentState;
  /** Why the document failed, when it did. */
  reason?: string;
  steps: StepStatus[];
  results: Record<string, StepResult>;
  writeback?: WritebackRecord;
}

/** Receipt answered to the system that submitted a document. */
export interface Receipt {
  documentId: string;
  status: DocumentState;
  routeId: string;
  correlationId?: string;
  /** True when the same document was taken in before; nothing was enqueued again. */
  duplicate: boolean;
  statusUrl: string;
}
