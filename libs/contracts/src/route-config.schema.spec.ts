import { describe, expect, it } from '@jest/globals';
import { routesFileSchema, stepConfigSchema } from './route-config.schema.js';

const valid = {
  routes: {
    akten: {
      steps: [
        { id: 'sprache', task: 'detect-language' },
        { id: 'kurz', task: 'summarise', sentences: 2 },
        { id: 'thema', task: 'classify', labels: { bauen: ['bauantrag'], finanzen: ['steuer'] } },
      ],
      writeback: { type: 'folder' },
    },
  },
};

describe('routesFileSchema', () => {
  it('accepts a valid file and fills defaults', () => {
    const parsed = routesFileSchema.parse(valid);
    const route = parsed.routes.akten!;
    expect(route.accept).toEqual(['soap', 'rest', 'folder']);
    expect(route.steps[0]!.provider).toBe('embedded');
  });

  it('names an unknown key with its path', () => {
    const bad = structuredClone(valid) as any;
    bad.routes.akten.steps[1].sentencez = 3;
    const result = routesFileSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain('sentencez');
    expect(result.error!.issues[0]!.path).toEqual(['routes', 'akten', 'steps', 1]);
  });

  it('refuses duplicate and reserved step ids', () => {
    const bad = structuredClone(valid) as any;
    bad.routes.akten.steps[1].id = 'sprache';
    bad.routes.akten.steps[2].id = 'writeback';
    const messages = routesFileSchema.safeParse(bad).error!.issues.map((i) => i.message);
    expect(messages).toEqual(expect.arrayContaining(['step id "sprache" is used twice', '"writeback" is reserved for the pipeline']));
  });

  it('refuses a SOAP write-back mapping path outside the result context', () => {
    const bad = structuredClone(valid) as any;
    bad.routes.akten.writeback = { type: 'soap', wsdl: 'x.wsdl', operation: 'store', mapping: { id: 'process.env.SECRET' } };
    expect(routesFileSchema.safeParse(bad).success).toBe(false);
  });
});

describe('stepConfigSchema', () => {
  const issues = (config: object) => stepConfigSchema.safeParse(config).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('takes a fallback chain and a pinned prompt on any step', () => {
    expect(stepConfigSchema.parse({ id: 'kurz', task: 'summarise', provider: 'eu-llm', fallbackProviders: ['embedded'], prompt: 'summarise-de@1' })).toEqual({
      id: 'kurz',
      task: 'summarise',
      provider: 'eu-llm',
      sentences: 3,
      fallbackProviders: ['embedded'],
      prompt: 'summarise-de@1',
    });
  });

  it('takes translate and extract steps', () => {
    expect(stepConfigSchema.parse({ id: 'en', task: 'translate', provider: 'llm', sourceLanguage: 'deu', targetLanguage: 'eng' })).toMatchObject({ task: 'translate' });
    expect(stepConfigSchema.parse({ id: 'felder', task: 'extract', provider: 'llm', schema: { type: 'object', properties: {} } })).toMatchObject({ task: 'extract' });
  });

  it('takes a classify step with a trained model instead of keywords, never both or neither', () => {
    expect(stepConfigSchema.parse({ id: 'thema', task: 'classify', model: 'models/thema.json' })).toMatchObject({ model: 'models/thema.json' });
    expect(issues({ id: 'thema', task: 'classify' })).toEqual(['labels: give either labels or model']);
    expect(issues({ id: 'thema', task: 'classify', model: 'm.json', labels: { a: ['aa'], b: ['bb'] } })).toEqual(['labels: give either labels or model']);
  });

  it('names what is wrong', () => {
    expect(issues({ id: 'en', task: 'translate', sourceLanguage: 'deu', targetLanguage: 'deu' })).toEqual(['targetLanguage: sourceLanguage and targetLanguage are the same']);
    expect(issues({ id: 'en', task: 'translate', sourceLanguage: 'de', targetLanguage: 'eng' })).toEqual(['sourceLanguage: an ISO 639-3 code: three lower-case letters']);
    expect(issues({ id: 'felder', task: 'extract', schema: { type: 'array' } })).toEqual(['schema: a JSON schema with "type": "object"']);
    expect(issues({ id: 'kurz', task: 'summarise', prompt: 'Kurz fassen!' })?.[0]).toMatch(/^prompt: a prompt template/);
    expect(issues({ id: 'kurz', task: 'summarise', provider: 'EU LLM' })?.[0]).toMatch(/^provider: a provider name/);
  });
});
