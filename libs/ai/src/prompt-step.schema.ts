import { stepConfigSchema } from '@app/contracts';
import { z } from 'zod';
import { DATA_CLASSES, PROVIDER_LOCATIONS, type AiStepConfig } from './ai-provider.interface.js';

/*
 * What the route schema of @app/contracts should gain for model providers and the data-protection policy,
 * written as zod schemas so they can be moved there as they are. Until then libs/ai uses them to check
 * steps built in code; the routes file still takes only the contracts' schema.
 */

/** `dataClass:` of a route. */
export const dataClassSchema = z.enum(DATA_CLASSES);

/** `location:` of a provider in configuration. */
export const providerLocationSchema = z.enum(PROVIDER_LOCATIONS);

const providerName = z.string().min(1);
const language = z.string().regex(/^[a-z]{3}$/, 'an ISO 639-3 code: three lower-case letters');

/** Fields every step may gain. */
export const aiStepExtrasShape = {
  /** Providers tried after `provider`, in order (see AiService). */
  fallbackProviders: z.array(providerName).min(1).max(5).optional(),
  /** Prompt template of a model provider: `summarise-de@1`, or `summarise-de` for the newest version. */
  prompt: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}(?:@[1-9][0-9]{0,5})?$/, 'a prompt template "<id>" or "<id>@<version>"')
    .optional(),
};

const stepBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and "-" (at most 63 characters)'),
  provider: providerName.default('embedded'),
  ...aiStepExtrasShape,
};

export const translateStepSchema = z
  .strictObject({ ...stepBase, task: z.literal('translate'), sourceLanguage: language, targetLanguage: language })
  .refine((step) => step.sourceLanguage !== step.targetLanguage, { message: 'sourceLanguage and targetLanguage are the same', path: ['targetLanguage'] });

export const extractStepSchema = z.strictObject({
  ...stepBase,
  task: z.literal('extract'),
  /** A JSON schema of type object describing the fields. */
  schema: z.record(z.string(), z.unknown()).refine((schema) => schema['type'] === 'object', 'a JSON schema with "type": "object"'),
  instructions: z.string().min(1).max(2000).optional(),
});

const [languageStep, summariseStep, classifyStep] = stepConfigSchema.options;

/** The contracts' steps with the extra fields, plus translate and extract. */
export const aiStepConfigSchema = z.discriminatedUnion('task', [
  languageStep.extend(aiStepExtrasShape),
  summariseStep.extend(aiStepExtrasShape),
  classifyStep.extend(aiStepExtrasShape),
  translateStepSchema,
  extractStepSchema,
]);

/** Parses a step for libs/ai; throws a ZodError naming the wrong field. */
export function parseAiStep(config: unknown): AiStepConfig {
  const step: AiStepConfig = aiStepConfigSchema.parse(config);
  return step;
}
