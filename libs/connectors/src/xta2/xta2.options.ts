import { z } from 'zod';
import { DEFAULT_IDENTIFIER_TYPE, DEFAULT_MESSAGE_TYPE_LIST_URI, DEFAULT_MESSAGE_TYPE_LIST_VERSION, XTA2_PORTS } from './xta2.constants.js';
import type { Xta2PortKey } from './xta2.constants.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** Identifiers are xs:normalizedString: no tab or line break. */
const identifierText = z
  .string()
  .trim()
  .min(1)
  .regex(/^[^\t\r\n]+$/, 'must not contain tabs or line breaks');
const text = z.string().trim().min(1);

/** An OSCI party: the identifier (e.g. a DVDV Behördenkennung) and its type. */
export const xta2PartySchema = z.strictObject({
  id: identifierText,
  type: identifierText.default(DEFAULT_IDENTIFIER_TYPE),
  name: text.optional(),
  category: text.optional(),
});

const businessScenarioSchema = z.union([
  // Plain text: an "Undefined" business scenario.
  text.transform((code) => ({ code })),
  z
    .strictObject({ code: text, name: text.optional(), listUri: text.optional(), listVersionId: text.optional() })
    .refine((s) => Boolean(s.listUri) === Boolean(s.listVersionId), 'give listUri and listVersionId together (a defined scenario), or neither'),
]);

/** What sendMessage needs beyond the account: where the results go and how they are qualified. */
export const xta2SendOptionsSchema = z.strictObject({
  /** The reader the results go to. Without it, the author of the message an xta2 source fetched, else the format connector's `meta.recipient`. */
  reader: xta2PartySchema.optional(),
  /** Qualifier/Service: the XÖV "Dienste-URI". */
  service: text,
  /** Qualifier/BusinessScenario: a code with its list (`listUri`, `listVersionId`), or plain text. */
  businessScenario: businessScenarioSchema,
  /** Qualifier/MessageType defaults; a format connector's `meta.messageType` / `meta.payloadSchema` win. */
  messageType: z
    .strictObject({
      code: text.optional(),
      name: text.optional(),
      payloadSchema: text.optional(),
      listUri: text.default(DEFAULT_MESSAGE_TYPE_LIST_URI),
      listVersionId: text.default(DEFAULT_MESSAGE_TYPE_LIST_VERSION),
    })
    .default({ listUri: DEFAULT_MESSAGE_TYPE_LIST_URI, listVersionId: DEFAULT_MESSAGE_TYPE_LIST_VERSION }),
  subject: text.optional(),
  /** ContentContainer/Message@contentDescription, e.g. `KI-Auswertung`. */
  contentDescription: text.optional(),
  /**
   * `server`: ask the XTA server (createMessageId, ManagementPort) for each send, as XTA 2 intends;
   * `document`: derive it from route and document, so a retried send carries the same MessageID and the
   * receiver can tell the repetition.
   */
  messageId: z.enum(['server', 'document']).default('server'),
  /** MessageMetaData@TestMsg. */
  testMessage: z.boolean().default(false),
});

/**
 * Options of the `xta2` connector, the same for a route's `sources:` entry (polling a message box) and its
 * `writeback:` (sending the results). Paths are relative to the routes file.
 */
export const xta2OptionsSchema = z
  .strictObject({
    /** The ports answer at `<baseUrl>/MsgBoxPort`, `/SendXtaPort`, `/ManagementPort`; `endpoints` overrides each. */
    baseUrl: httpUrl.optional(),
    endpoints: z.strictObject({ msgBox: httpUrl.optional(), send: httpUrl.optional(), management: httpUrl.optional() }).default({}),
    /** The own XTA account: whose box is polled, the Author of every request and of what is sent. */
    identifier: xta2PartySchema,
    /** Pause between two polls of the box (a poll that left messages waiting is followed at once). */
    pollIntervalMs: z.int().min(100).max(86_400_000).default(30_000),
    /** maxListItems of getStatusList: at most this many messages are taken per poll. */
    maxMessagesPerPoll: z.int().min(1).max(1000).default(50),
    /** Upper bound for one XTA call. */
    timeoutMs: z.int().min(100).max(600_000).default(30_000),
    /**
     * A message the route refuses (InputError: not well-formed, schema-invalid, too large, ...):
     * `close` confirms it at the box and reports it (the refusal is in the audit log; the box does not
     * clog and the sender's transport report says it was fetched); `leave` leaves it in the box,
     * reports it, and skips it until the next start, for boxes an operator clears by hand.
     */
    onRefused: z.enum(['close', 'leave']).default('close'),
    /** Client certificate for mutual TLS (PEM files), which XTA servers demand. */
    tls: z.strictObject({ cert: text, key: text, ca: text.optional() }).optional(),
    send: xta2SendOptionsSchema.optional(),
  })
  .refine((o) => Boolean(o.baseUrl || o.endpoints.msgBox || o.endpoints.send || o.endpoints.management), {
    message: 'give baseUrl or the endpoints of the ports to use',
    path: ['baseUrl'],
  });

export type Xta2Options = z.output<typeof xta2OptionsSchema>;
export type Xta2SendOptions = z.output<typeof xta2SendOptionsSchema>;
export type Xta2PartyOptions = z.output<typeof xta2PartySchema>;

/** The address of each port: an explicit endpoint, else `<baseUrl>/<PortName>`. */
export function resolveXta2Endpoints(options: Pick<Xta2Options, 'baseUrl' | 'endpoints'>): Partial<Record<Xta2PortKey, string>> {
  const base = options.baseUrl?.replace(/\/+$/, '');
  const result: Partial<Record<Xta2PortKey, string>> = {};
  for (const key of Object.keys(XTA2_PORTS) as Xta2PortKey[]) {
    const url = options.endpoints[key] ?? (base ? `${base}/${XTA2_PORTS[key]}` : undefined);
    if (url) result[key] = url;
  }
  return result;
}
