import { z } from 'zod';
import type { PipelineJob } from '@app/contracts';

const pipelineJobSchema = z.strictObject({
  documentId: z.string().min(1).max(100),
  routeId: z.string().min(1).max(63),
  step: z.string().min(1).max(63),
});

/** Job data crosses process boundaries: check it before trusting it. */
export function parsePipelineJob(data: unknown): PipelineJob | string {
  const result = pipelineJobSchema.safeParse(data);
  return result.success ? result.data : `invalid job data: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
}
