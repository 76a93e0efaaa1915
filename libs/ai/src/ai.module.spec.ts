import { describe, expect, it } from '@jest/globals';
import { stepConfigSchema } from '@app/contracts';
import { Test } from '@nestjs/testing';
import { AiModule } from './ai.module.js';
import { AiService } from './ai.service.js';
import { ProviderRegistry } from './provider.registry.js';

describe('AiModule', () => {
  it('provides the service with the embedded provider registered', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AiModule] }).compile();
    expect(moduleRef.get(ProviderRegistry).names()).toEqual(['embedded']);

    const result = await moduleRef
      .get(AiService)
      .run(stepConfigSchema.parse({ id: 'kurz', task: 'summarise', sentences: 1 }), 'Die Satzung wird aufgehoben. Sie tritt außer Kraft.');
    expect(result.output).toMatchObject({ sentences: [expect.any(String)] });
    expect(result.label).toMatchObject({ aiGenerated: true, provider: 'embedded', model: 'embedded-textrank-de/1' });
    await moduleRef.close();
  });
});
