import { z } from 'zod';

/** Route and step ids end up in job ids, file names and Redis keys: keep them plain. */
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and "-" (at most 63 characters)');

/** Labels end up in results and legacy fields, not in keys: "_" is allowed, as in many code lists. */
const label = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, "_" and "-" (at most 63 characters)');

const providerName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a provider name: lower-case letters, digits and "-"');
const language = z.string().regex(/^[a-z]{3}$/, 'an ISO 639-3 code: three lower-case letters');

const stepBase = {
  id,
  /** The provider that runs the step: `embedded` (in-process) or one of the providers file. */
  provider: providerName.default('embedded'),
  /**
   * Providers tried in order after `provider` when the policy does not allow it for the route's data class,
   * it does not do the task, or it fails with a retryable error. Never a way round the policy.
   */
  fallbackProviders: z.array(providerName).min(1).max(5).optional(),
  /** Prompt template of a model provider: `summarise-de@1`, or `summarise-de` for the newest version. */
  prompt: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}(?:@[1-9][0-9]{0,5})?$/, 'a prompt template "<id>" or "<id>@<version>"')
    .optional(),
};

const languageStep = z.strictObject({ ...stepBase, task: z.literal('detect-language') });

const summariseStep = z.strictObject({
  ...stepBase,
  task: z.literal('summarise'),
  /** Target length: how many sentences the summary keeps (extractive) or has (model providers). */
  sentences: z.int().min(1).max(50).default(3),
});

const classifyStep = z
  .strictObject({
    ...stepBase,
    task: z.literal('classify'),
    /**
     * Label -> keywords. The embedded keyword classifier matches them on word stems; model providers get
     * the labels (and keywords as hints). Not needed with `model`, whose labels come from its training.
     */
    labels: z
      .record(label, z.array(z.string().min(2)).min(1))
      .refine((labels) => Object.keys(labels).length >= 2, 'name at least two labels')
      .optional(),
    /**
     * A classifier model file built by `npm run train -- <route>` (relative to the routes file), run by the
     * embedded provider instead of keyword matching.
     */
    model: z.string().min(1).optional(),
    /** Label given when no keyword matches (keyword classification only). */
    fallbackLabel: label.default('sonstiges'),
  })
  .refine((step) => (step.labels === undefined) !== (step.model === undefined), { message: 'give either labels or model', path: ['labels'] });

const translateStep = z
  .strictObject({ ...stepBase, task: z.literal('translate'), sourceLanguage: language, targetLanguage: language })
  .refine((step) => step.sourceLanguage !== step.targetLanguage, { message: 'sourceLanguage and targetLanguage are the same', path: ['targetLanguage'] });

const extractStep = z.strictObject({
  ...stepBase,
  task: z.literal('extract'),
  /** A JSON schema of type object describing the fields to extract; the answer is validated against it. */
  schema: z.record(z.string(), z.unknown()).refine((schema) => schema['type'] === 'object', 'a JSON schema with "type": "object"'),
  /** What to extract, in words, for the model (e.g. "Angaben des Antragstellers"). */
  instructions: z.string().min(1).max(2000).optional(),
});

export const stepConfigSchema = z.discriminatedUnion('task', [languageStep, summariseStep, classifyStep, translateStep, extractStep]);

/** A value for a SOAP write-back argument: a path into the result context, or a fixed value. */
const mappingValue = z.union([
  z.string().regex(/^(document|results|label|route)(\.[A-Za-z0-9_-]+)*$/, 'a path starting with document., results., label. or route.'),
  z.strictObject({ value: z.union([z.string(), z.number(), z.boolean()]) }),
]);

const folderWriteback = z.strictObject({ type: z.literal('folder') });

const soapWriteback = z.strictObject({
  type: z.literal('soap'),
  /** The legacy system's WSDL, relative to the routes file or absolute. */
  wsdl: z.string().min(1),
  /** Overrides the address in the WSDL. */
  endpoint: z.url().optional(),
  operation: z.string().min(1),
  soapVersion: z.enum(['1.1', '1.2']).default('1.1'),
  timeoutMs: z.int().min(100).max(600_000).default(30_000),
  /** Argument name (dots for nesting) -> where its value comes from. */
  mapping: z.record(z.string().regex(/^[A-Za-z_][\w.-]*$/), mappingValue).refine((m) => Object.keys(m).length > 0, 'map at least one argument'),
  /**
   * How the call proves who sends it: a WS-Security UsernameToken and/or a TLS client certificate.
   * Secrets are named by environment variable, never written here; files are relative to the routes file.
   */
  security: z
    .strictObject({
      usernameToken: z
        .strictObject({
          username: z.string().min(1),
          passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable'),
          /** PasswordText sends the password itself (use https); PasswordDigest sends SHA-1(nonce + created + password). */
          passwordType: z.enum(['PasswordText', 'PasswordDigest']).default('PasswordText'),
          mustUnderstand: z.boolean().default(true),
        })
        .optional(),
      tls: z
        .strictObject({
          certFile: z.string().min(1).optional(),
          keyFile: z.string().min(1).optional(),
          caFile: z.string().min(1).optional(),
          passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable').optional(),
        })
        .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'a client certificate needs both certFile and keyFile', path: ['keyFile'] })
        .optional(),
    })
    .optional(),
});

/** A connector's name as routes write it: lower case, digits, "-" (the connector SDK checks its connectors by it). */
export const CONNECTOR_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

const CONNECTOR_NAME_MESSAGE = 'a connector name: lower-case letters, digits and "-", starting with a letter';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `name` or `{ type: name, ...options }` as `{ connector, options }`; anything else is left for the schema to refuse. */
function toConnectorRef(value: unknown): unknown {
  if (typeof value === 'string') return { connector: value, options: {} };
  if (!isPlainObject(value)) return value;
  const { type, ...options } = value;
  // A missing or non-string type fails the name check, which names the key the file has.
  return { connector: typeof type === 'string' ? type : '', options };
}

const connectorRefFields = {
  connector: z.string(),
  /** Everything beside `type`; checked against the connector's own `options` schema when the routes are loaded. */
  options: z.record(z.string(), z.unknown()),
};

/** The name is checked here rather than on `connector`, so an error names the key the file has: `type`. */
function checkConnectorName(ref: { connector: string }, ctx: z.RefinementCtx): void {
  if (!CONNECTOR_NAME_PATTERN.test(ref.connector)) ctx.addIssue({ code: 'custom', path: ['type'], message: CONNECTOR_NAME_MESSAGE });
}

/** A connector with its options: `xrechnung` or `{ type: xrechnung, ...options }` in the file. */
export const connectorRefSchema = z.preprocess(toConnectorRef, z.strictObject(connectorRefFields).superRefine(checkConnectorName));

/** Write-back by a connector: its `send` (or the outbox folder without one), the message built by `fromResult`. */
const connectorWriteback = z.strictObject({ type: z.literal('connector'), ...connectorRefFields }).superRefine(checkConnectorName);

/** Write-back types that are no connector; every other `type` names one. */
export const BUILT_IN_WRITEBACK_TYPES: readonly string[] = ['folder', 'soap'];

export const writebackConfigSchema = z.preprocess(
  (value) =>
    isPlainObject(value) && typeof value.type === 'string' && !BUILT_IN_WRITEBACK_TYPES.includes(value.type)
      ? { type: 'connector', ...(toConnectorRef(value) as object) }
      : value,
  z.discriminatedUnion('type', [folderWriteback, soapWriteback, connectorWriteback]),
);

/**
 * Bounds for hostile or oversized input, per route. Unset ones come from MAX_BODY_BYTES and the XML
 * defaults (depth 64, 256 attributes per element); unpacked containers default to ten times the body limit.
 */
export const routeLimitsSchema = z.strictObject({
  maxBodyBytes: z.int().min(1).optional(),
  /** Deepest XML element nesting (the root is depth 1). */
  maxDepth: z.int().min(1).max(10_000).optional(),
  /** Most attributes (namespace declarations included) on one XML element. */
  maxAttributes: z.int().min(1).max(100_000).optional(),
  /** Bytes after unpacking a container (a ZIP), summed over its entries. */
  maxUnpackedBytes: z.int().min(1).optional(),
});

export const channelSchema = z.enum(['soap', 'rest', 'folder']);

/** What a route's documents may contain, in the sense of the DSGVO; decides which AI providers may see them. */
export const dataClassSchema = z.enum(['public', 'internal', 'personal', 'special-category']);

export const routeConfigSchema = z
  .strictObject({
    description: z.string().optional(),
    /** The ways in that may deliver to this route. */
    accept: z.array(channelSchema).min(1).default(['soap', 'rest', 'folder']),
    /** Unclassified documents may hold anything: the default keeps them with on-premises providers. */
    dataClass: dataClassSchema.default('special-category'),
    /**
     * Tokens the route's steps may use on model providers per calendar day (time zone TOKEN_BUDGET_TIME_ZONE).
     * When spent, new documents are refused (HTTP 429) and accepted ones wait for the next day.
     */
    tokenBudgetPerDay: z.int().min(1).optional(),
    /** The older spelling of `limits.maxBodyBytes`, still read. */
    maxBodyBytes: z.int().min(1).optional(),
    limits: routeLimitsSchema.optional(),
    /**
     * The connector that reads this route's messages (parse, validate, toDocument), e.g. `xrechnung`; without
     * one, documents are read as XML or text.
     */
    connector: connectorRefSchema.optional(),
    /** Transports that fetch messages for this route (a connector's `receive`), e.g. an XTA 2 mailbox. */
    sources: z.array(connectorRefSchema).min(1).optional(),
    /**
     * XSD validation of XML documents before they are accepted: `catalogue` picks the schema from the root
     * element's namespace (xdomea 3.0.0, UBL 2.1 Invoice/CreditNote), a path names one schema (relative to the
     * routes file), `none` checks well-formedness and safety only.
     */
    validation: z.union([z.enum(['none', 'catalogue']), z.strictObject({ schema: z.string().min(1) })]).default('none'),
    steps: z.array(stepConfigSchema).min(1),
    writeback: writebackConfigSchema,
  })
  .superRefine((route, ctx) => {
    if (route.maxBodyBytes !== undefined && route.limits?.maxBodyBytes !== undefined && route.maxBodyBytes !== route.limits.maxBodyBytes) {
      ctx.addIssue({ code: 'custom', path: ['maxBodyBytes'], message: 'differs from limits.maxBodyBytes; keep only limits.maxBodyBytes' });
    }
    if (route.connector && route.validation !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['validation'], message: `the connector "${route.connector.connector}" validates the route's messages itself (see its options); remove validation` });
    }
    const seen = new Set<string>();
    route.steps.forEach((step, index) => {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `step id "${step.id}" is used twice` });
      if (step.id === 'writeback' || step.id === 'intake') {
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `"${step.id}" is reserved for the pipeline` });
      }
      seen.add(step.id);
    });
  });

export const routesFileSchema = z.strictObject({
  routes: z.record(id, routeConfigSchema).refine((routes) => Object.keys(routes).length > 0, 'define at least one route'),
});

export type StepConfig = z.infer<typeof stepConfigSchema>;
export type SummariseStepConfig = z.infer<typeof summariseStep>;
export type ClassifyStepConfig = z.infer<typeof classifyStep>;
export type TranslateStepConfig = z.infer<typeof translateStep>;
export type ExtractStepConfig = z.infer<typeof extractStep>;
export type LanguageStepConfig = z.infer<typeof languageStep>;
export type WritebackConfig = z.infer<typeof writebackConfigSchema>;
export type SoapWritebackConfig = z.infer<typeof soapWriteback>;
export type ConnectorWritebackConfig = z.infer<typeof connectorWriteback>;
/** A connector named by a route, with its options (checked against the connector's schema once the routes are loaded). */
export type ConnectorRef = z.infer<typeof connectorRefSchema>;
export type RouteLimits = z.infer<typeof routeLimitsSchema>;
export type RouteConfig = z.infer<typeof routeConfigSchema>;
export type DataClass = z.infer<typeof dataClassSchema>;
export type RoutesFile = z.infer<typeof routesFileSchema>;
export interface Route extends RouteConfig {
  id: string;
}
