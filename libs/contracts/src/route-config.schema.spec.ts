import { describe, expect, it } from '@jest/globals';
import { routesFileSchema } from './route-config.schema.js';

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
