import { CONNECTOR_NAME_PATTERN, type CanonicalDocument, type DocumentKind, type DocumentPart, type DocumentStatus, type Receipt, type Route, type XoevHeader } from '@app/contracts';
import type { z } from 'zod';

export type { DocumentPart };

/*
 * The connector SDK. A connector teaches Schnittstelle one standard or one transport, and nothing in the
 * core changes when one is added (Apache Camel's component model: a consumer takes messages in, a producer
 * sends them out). A connector is a set of optional, typed hooks:
 *
 *   inbound   receive? -> parse -> validate? -> toDocument      (a message becomes the canonical document)
 *   outbound  fromResult? -> send?                               (the results become a message and go out)
 *
 * A format connector (xdomea, XRechnung) has parse/validate/toDocument and usually fromResult; a transport
 * connector (XTA 2) has receive and send. A route names the connector that reads its messages (`connector:`),
 * the transports that fetch them (`sources:`) and where the results go (`writeback: { type: <connector> }`).
 * The built-in connectors are listed in connectors.catalogue.ts; connector.registry.ts looks them up and
 * checks every route's use of them (hooks, options) when the routes are loaded.
 */

/** A connector name as routes write it: lower case, digits, "-". */
export const CONNECTOR_NAME: RegExp = CONNECTOR_NAME_PATTERN;

/** One message as it arrived over any way in, before a connector reads it. */
export interface ConnectorInput {
  body: Buffer;
  /** Media type as the sender declared it (without parameters), if it did. */
  mediaType?: string;
  filename?: string;
}

/** Limits the route sets for hostile or oversized input; connectors reading XML or containers obey them. */
export interface ConnectorLimits {
  /** Bytes of the message as received. */
  maxBytes: number;
  /** Bytes after unpacking a container, summed over its entries. */
  maxUnpackedBytes: number;
  /** XML nesting depth and attributes per element. */
  maxDepth: number;
  maxAttributes: number;
}

/** What every hook is given besides its input. */
export interface ConnectorContext<Options> {
  /** The route's options for this connector, already checked against the connector's `options` schema. */
  readonly options: Options;
  readonly route: Route;
  /** Root of the vendored schemas (`contracts/`), for connectors that validate against an XSD there. */
  readonly contractsDir: string;
  /** Folder of the routes file: relative paths in options are relative to it. */
  readonly configDir: string;
  readonly limits: ConnectorLimits;
  /** Notes worth an operator's attention; never document content. */
  readonly log: { info(message: string): void; warn(message: string): void };
}

/** What a connector makes of a message: the facts kept with the document and the text the AI steps read. */
export interface ConnectorDocument {
  kind: DocumentKind;
  /** The text the AI steps work on; must not be empty. */
  text: string;
  rootElement?: string;
  xoev?: XoevHeader;
  /** Fields read deterministically by rules (invoice totals, Leitweg-ID); stored and given to write-back. */
  fields?: Record<string, unknown>;
  parts?: DocumentPart[];
  /** Irregularities that did not stop the document (a header contradicting its root element). */
  warnings?: string[];
}

/** Everything known about a document when its results go out. */
export interface ConnectorResult {
  /** As taken in; `document.transport` holds what the fetching transport knew (sender, message id) for a reply. */
  document: CanonicalDocument;
  status: DocumentStatus;
  /** The original message as received. */
  body: Buffer;
  /** ISO 8601 time of writing. */
  writtenAt: string;
}

/** A message going out: written to an outbox folder, or handed to a transport's `send`. */
export interface OutboundMessage {
  body: Buffer;
  mediaType: string;
  /** A plain file name (no folders) for folder outboxes and transports that carry one. */
  filename: string;
  /** Transport facts a format connector may suggest (message type, process id, recipient). */
  meta?: Record<string, string>;
}

/** A message a transport fetched, handed to `deliver`. */
export interface ReceivedMessage {
  /** The transport's own id for it (XTA MessageID); used as correlation id so a second delivery is the same document. */
  transportId: string;
  body: Buffer;
  mediaType?: string;
  filename?: string;
  /**
   * Transport facts kept with the document (`document.transport.meta`) and handed back at write-back, so a
   * reply can go to the original sender: e.g. `sender`, `senderType`, `messageId`, `messageType`,
   * `businessScenario`. Addressing identifiers only, never content or other personal data.
   */
  meta?: Record<string, string>;
}

/** Where a sent message went, for the write-back record and the audit trail. */
export interface SendReceipt {
  location: string;
}

export interface ConnectorHooks<Options, Parsed> {
  /** Reads the raw message; throws InputError for what the sender must fix. */
  parse?(input: ConnectorInput, ctx: ConnectorContext<Options>): Parsed | Promise<Parsed>;
  /** Checks the parsed message (schema, business rules); throws InputError (422) naming each problem. */
  validate?(parsed: Parsed, ctx: ConnectorContext<Options>): void | Promise<void>;
  /** Makes the canonical document and its text. Required with `parse`. */
  toDocument?(parsed: Parsed, ctx: ConnectorContext<Options>): ConnectorDocument | Promise<ConnectorDocument>;
  /** Builds the message that carries the results back (an xdomea reply, a result XML). */
  fromResult?(result: ConnectorResult, ctx: ConnectorContext<Options>): OutboundMessage | Promise<OutboundMessage>;
  /**
   * Delivers a message (a transport). Throws RetryableError for what may pass later, PermanentError for
   * what never will. Called at most once per document unless it throws.
   */
  send?(message: OutboundMessage, result: ConnectorResult, ctx: ConnectorContext<Options>): Promise<SendReceipt>;
  /**
   * Fetches messages until `signal` aborts (a poller). `deliver` resolves once the message is safely
   * taken in (stored and enqueued, or recognised as a duplicate); only then may the transport acknowledge
   * it at the source. A message `deliver` refuses (InputError) must be set aside, never retried forever.
   */
  receive?(deliver: (message: ReceivedMessage) => Promise<Receipt>, ctx: ConnectorContext<Options>, signal: AbortSignal): Promise<void>;
}

export interface ConnectorSpec<Options, Parsed> extends ConnectorHooks<Options, Parsed> {
  name: string;
  /** One line for operators: what standard or system it speaks. */
  description: string;
  /** Schema of the route options (`connector:`, `sources:` or `writeback:` entries minus `type`). */
  options?: z.ZodType<Options>;
  /** Media types and file extensions (without dot) this connector reads beyond XML and text. */
  accepts?: { mediaTypes?: readonly string[]; extensions?: readonly string[] };
}

/** A checked connector, as the registry keeps it. */
export type Connector<Options = unknown, Parsed = unknown> = Readonly<ConnectorSpec<Options, Parsed>> & { readonly kind: 'connector' };

/**
 * Declares a connector. Checks the declaration itself (not any message), so a wrong connector stops the
 * start with its name in the message rather than failing on the first document.
 */
export function defineConnector<Options = Record<string, never>, Parsed = unknown>(spec: ConnectorSpec<Options, Parsed>): Connector<Options, Parsed> {
  const problems: string[] = [];
  if (!CONNECTOR_NAME.test(spec.name)) problems.push(`name must match ${CONNECTOR_NAME}`);
  if (!spec.description?.trim()) problems.push('give a description');
  if (spec.parse && !spec.toDocument) problems.push('parse needs toDocument');
  if ((spec.validate || spec.toDocument) && !spec.parse) problems.push('validate and toDocument need parse');
  if (!spec.parse && !spec.fromResult && !spec.send && !spec.receive) problems.push('define at least one hook');
  if (problems.length) throw new Error(`connector "${spec.name}": ${problems.join('; ')}`);
  return Object.freeze({ ...spec, kind: 'connector' as const });
}
