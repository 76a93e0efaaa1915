import { z } from 'zod';

/** Route and step ids end up in job ids, file names and Redis keys: keep them plain. */
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and "-" (at most 63 characters)');

/** Labels end up in results and legacy fields, not in keys: "_" is allowed, as in many code lists. */
const label = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, "_" and "-" (at most 63 characters)');

const stepBase = {
  id,
  provider: z.string().min(1).default('embedded'),
};

const languageStep = z.strictObject({ ...stepBase, task: z.literal('detect-language') });

const summariseStep = z.strictObject({
  ...stepBase,
  task: z.literal('summarise'),
  /** How many sentences the extractive summary keeps. */
  sentences: z.int().min(1).max(50).default(3),
});

const classifyStep = z.strictObject({
  ...stepBase,
  task: z.literal('classify'),
  /** Label -> keywords (matched on word stems, case-insensitive). */
  labels: z
    .record(label, z.array(z.string().min(2)).min(1))
    .refine((labels) => Object.keys(labels).length >= 2, 'name at least two labels'),
  /** Label given when no keyword matches. */
  fallbackLabel: label.default('sonstiges'),
});

export const stepConfigSchema = z.discriminatedUnion('task', [languageStep, summariseStep, classifyStep]);

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
});

export const writebackConfigSchema = z.discriminatedUnion('type', [folderWriteback, soapWriteback]);

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
    maxBodyBytes: z.int().min(1).optional(),
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
export type WritebackConfig = z.infer<typeof writebackConfigSchema>;
export type SoapWritebackConfig = z.infer<typeof soapWriteback>;
export type RouteConfig = z.infer<typeof routeConfigSchema>;
export type DataClass = z.infer<typeof dataClassSchema>;
export type RoutesFile = z.infer<typeof routesFileSchema>;
export interface Route extends RouteConfig {
  id: string;
}
