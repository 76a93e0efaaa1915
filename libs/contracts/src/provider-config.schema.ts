import { z } from 'zod';
import { dataClassSchema } from './route-config.schema.js';

/** The name steps use for the in-process provider; a configured provider may not take it. */
export const EMBEDDED_PROVIDER = 'embedded';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a provider name: lower-case letters, digits and "-"');

/** Where a provider processes text; see the data-protection policy in libs/ai. */
export const providerLocationSchema = z.enum(['on-premises', 'eu', 'third-country']);

export const aiTaskSchema = z.enum(['detect-language', 'summarise', 'classify', 'translate', 'extract']);

/** What the embedded engine can do; translating and extracting by a schema need a model provider. */
export const EMBEDDED_TASKS = ['detect-language', 'summarise', 'classify'] as const satisfies readonly z.infer<typeof aiTaskSchema>[];

/**
 * Limits a provider's operator sets or its hardware allows; they hold across all worker processes of the
 * installation (counted in Redis).
 */
export const providerLimitsSchema = z.strictObject({
  /** Calls under way at once. */
  concurrency: z.int().min(1).max(1024).optional(),
  /** Calls started in any 60 seconds. */
  requestsPerMinute: z.int().min(1).max(1_000_000).optional(),
});

const openAiCompatible = z.strictObject({
  type: z.literal('openai-compatible'),
  /** The server's API root, e.g. `https://llm.krz.example/v1` (vLLM, Ollama, llama.cpp server, LiteLLM, ...). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  /** Name of the environment variable holding the API key; the key itself never goes into a file. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as KRZ_LLM_API_KEY')
    .optional(),
  location: providerLocationSchema,
  /** Who runs it: "Kommunales Rechenzentrum Musterland", "Example AI GmbH". */
  operator: z.string().min(1),
  /** Reference of the data-processing agreement (Art. 28 DSGVO) with the operator, e.g. its contract number. */
  dataProcessingAgreement: z.string().min(1).optional(),
  /** The data classes the agreement and set-up allow this provider to see. */
  dataClasses: z.array(dataClassSchema).min(1),
  /** The tasks to use it for (default: all it can do). */
  tasks: z.array(aiTaskSchema).min(1).optional(),
  timeoutMs: z.int().min(100).max(3_600_000).optional(),
  maxRetries: z.int().min(0).max(10).optional(),
  /** How the answer schema is asked for: `json_schema` (default), `json_object`, or only in the prompt. */
  structuredOutput: z.enum(['json_schema', 'json_object', 'none']).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.int().min(1).max(1_000_000).optional(),
  limits: providerLimitsSchema.optional(),
});

export const providerConfigSchema = z.discriminatedUnion('type', [openAiCompatible]);

/** The providers file (`SCHNITTSTELLE_PROVIDERS`): the AI services besides the embedded engine. */
export const providersFileSchema = z
  .strictObject({
    providers: z.record(name, providerConfigSchema),
  })
  .superRefine((file, ctx) => {
    if (Object.hasOwn(file.providers, EMBEDDED_PROVIDER)) {
      ctx.addIssue({ code: 'custom', path: ['providers', EMBEDDED_PROVIDER], message: `"${EMBEDDED_PROVIDER}" is the in-process provider's name` });
    }
  });

export type ProviderLimits = z.infer<typeof providerLimitsSchema>;
export type ProviderConfigEntry = z.infer<typeof providerConfigSchema>;
/** A configured provider with its name and, when it has `apiKeyEnv`, the key read from the environment. */
export type ProviderConfig = ProviderConfigEntry & { name: string; apiKey?: string };
