/**
 * IPTC digital source type vocabulary, used by C2PA and schema.org to say how content was made.
 * http://cv.iptc.org/newscodes/digitalsourcetype/
 */
export const DIGITAL_SOURCE_TYPE_BASE = 'http://cv.iptc.org/newscodes/digitalsourcetype/';

export const DigitalSourceType = {
  /** Output of a trained model (LLM, trained classifier). */
  trainedAlgorithmicMedia: `${DIGITAL_SOURCE_TYPE_BASE}trainedAlgorithmicMedia`,
  /** Output of a deterministic or extractive algorithm. */
  algorithmicMedia: `${DIGITAL_SOURCE_TYPE_BASE}algorithmicMedia`,
  /** Model output that a person has edited afterwards. */
  compositeWithTrainedAlgorithmicMedia: `${DIGITAL_SOURCE_TYPE_BASE}compositeWithTrainedAlgorithmicMedia`,
} as const;

export type DigitalSourceTypeUri = (typeof DigitalSourceType)[keyof typeof DigitalSourceType];

export type ReviewState = 'unreviewed' | 'approved' | 'edited' | 'rejected';

/** The machine-readable "AI-generated" label every AI output carries (EU AI Act Art. 50 transparency). */
export interface AiLabel {
  aiGenerated: true;
  digitalSourceType: DigitalSourceTypeUri;
  provider: string;
  model: string;
  generatedAt: string;
  reviewState: ReviewState;
  /** The prompt template a model provider ran with; absent for algorithms without prompts. */
  promptTemplate?: PromptTemplateRef;
}

/** A versioned prompt template: `summarise-de` version 1 is written `summarise-de@1`. */
export interface PromptTemplateRef {
  id: string;
  /** Bumped whenever the wording or the expected answer changes. */
  version: number;
}
