import type { StepResult, WritebackRecord } from './step-result.types.js';

/** How a document came in. */
export type Channel = 'soap' | 'rest' | 'folder';

/** What the body is; decides how text is taken from it for the AI steps. */
export type DocumentKind = 'xml' | 'text';

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
