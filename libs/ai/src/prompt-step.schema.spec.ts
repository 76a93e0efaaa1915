import { describe, expect, it } from '@jest/globals';
import { aiStepConfigSchema, parseAiStep } from './prompt-step.schema.js';

describe('aiStepConfigSchema', () => {
  it('takes the contracts steps with a fallback chain and a pinned prompt', () => {
    expect(parseAiStep({ id: 'kurz', task: 'summarise', provider: 'eu-llm', fallbackProviders: ['embedded'], prompt: 'summarise-de@1' })).toEqual({
      id: 'kurz',
      task: 'summarise',
      provider: 'eu-llm',
      sentences: 3,
      fallbackProviders: ['embedded'],
      prompt: 'summarise-de@1',
    });
  });

  it('takes translate and extract steps', () => {
    expect(parseAiStep({ id: 'en', task: 'translate', provider: 'llm', sourceLanguage: 'deu', targetLanguage: 'eng' })).toMatchObject({ task: 'translate' });
    expect(parseAiStep({ id: 'felder', task: 'extract', provider: 'llm', schema: { type: 'object', properties: {} } })).toMatchObject({ task: 'extract' });
  });

  it('names what is wrong', () => {
    const issues = (config: object) => aiStepConfigSchema.safeParse(config).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues({ id: 'en', task: 'translate', sourceLanguage: 'deu', targetLanguage: 'deu' })).toEqual(['targetLanguage: sourceLanguage and targetLanguage are the same']);
    expect(issues({ id: 'en', task: 'translate', sourceLanguage: 'de', targetLanguage: 'eng' })).toEqual(['sourceLanguage: an ISO 639-3 code: three lower-case letters']);
    expect(issues({ id: 'felder', task: 'extract', schema: { type: 'array' } })).toEqual(['schema: a JSON schema with "type": "object"']);
    expect(issues({ id: 'kurz', task: 'summarise', prompt: 'Kurz fassen!' })?.[0]).toMatch(/^prompt: a prompt template/);
  });
});
