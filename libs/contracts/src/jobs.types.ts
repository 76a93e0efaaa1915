/** Every job payload carries references, never bodies or personal data. */
export interface PipelineJob {
  documentId: string;
  routeId: string;
  step: string;
}
