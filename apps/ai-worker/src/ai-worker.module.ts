import { Module } from '@nestjs/common';
import { AiModule } from '@app/ai';
import { AiStepProcessor } from './ai-step.processor.js';
import { AiStepService } from './ai-step.service.js';

/** The AI worker: sees only the text of a document, never talks to legacy systems. */
@Module({
  imports: [AiModule],
  providers: [AiStepService, AiStepProcessor],
})
export class AiWorkerModule {}

export const aiWorkerApp = { name: 'ai-worker', module: AiWorkerModule };
