export type { AiProvider } from './ai-provider.interface.js';
export { AiModule } from './ai.module.js';
export { AiService } from './ai.service.js';
export { EMBEDDED_MODELS, EmbeddedProvider, type EmbeddedProviderOptions } from './embedded.provider.js';
export { foldGerman, stemGerman, contentTerms } from './german.tokeniser.js';
export { classifyText } from './keyword.classifier.js';
export { detectLanguage, UNDETERMINED } from './language.detector.js';
export { ProviderRegistry } from './provider.registry.js';
export { splitSentences } from './sentence.splitter.js';
export { MAX_RANKED_UNITS, pageRank, summariseText, type PageRankOptions, type WeightedGraph } from './textrank.summariser.js';
export {
  DATA_CLASSES,
  PROVIDER_LOCATIONS,
  type AiProgress,
  type AiRunOptions,
  type AiStepConfig,
  type AiStepResult,
  type AiTask,
  type AiTaskOutput,
  type DataClass,
  type ProviderLocation,
  type ProviderProfile,
} from './ai-provider.interface.js';
export { DEFAULT_DATA_CLASS, type AiRunContext, type ProviderGate } from './ai.service.js';
export { type RegisteredProvider } from './provider.registry.js';
export { EMBEDDED_PROVIDER_PROFILE, checkedProfile, declaredProfile, profileProblems } from './provider-policy.profiles.js';
export {
  ProviderPolicy,
  assertProviderAllowed,
  type ChainCandidate,
  type ChainSelection,
  type ChainSkip,
  type PolicyDecision,
  type PolicyQuestion,
  type ProviderDescription,
  type ProviderPolicyOptions,
} from './provider-policy.rules.js';
export {
  PromptTemplateRegistry,
  formatPromptRef,
  parsePromptRef,
  type AnswerSpec,
  type PromptMessages,
  type PromptTemplate,
} from './prompt-template.registry.js';
export {
  BUILT_IN_PROMPT_TEMPLATES,
  builtInPromptTemplates,
  classifyDe1,
  detectLanguageDe1,
  extractDe1,
  languageName,
  summariseDe1,
  translateDe1,
} from './prompt-template.catalogue.js';
export { abortableSleep, backoffMs, retryAfterMs } from './openai-compatible.retry.js';
export {
  OPENAI_COMPATIBLE_TASKS,
  OpenAiCompatibleProvider,
  type OpenAiCompatibleProviderOptions,
  type StructuredOutputMode,
} from './openai-compatible.provider.js';
export { snowballGermanStem, type GermanStemmerOptions } from './german.stemmer.js';
export { CompoundSplitter, DEFAULT_TFIDF_OPTIONS, TfidfVectoriser, analyseText, type SparseVector, type TfidfOptions, type TfidfState } from './tfidf.vectoriser.js';
export { DEFAULT_SOFTMAX_OPTIONS, predictProbabilities, trainSoftmax, type SoftmaxParameters, type SoftmaxTrainingOptions, type SoftmaxTrainingResult } from './linear.softmax.js';
export { CLASSIFIER_ALGORITHM, CLASSIFIER_MODEL_FORMAT, CLASSIFIER_MODEL_VERSION, ClassifierModel, type ClassifierModelFile, type ClassifierTrainingInfo } from './classifier-model.format.js';
export { RECOMMENDED_FEATURES, RECOMMENDED_MODEL, corpusHash, trainClassifier, type TrainClassifierOptions, type TrainingExample } from './trained-classifier.trainer.js';
export { classificationReport, groupFolds, groupSplit, type ClassificationReport, type GroupedItem, type LabelScores, type SplitOptions } from './trained-classifier.evaluation.js';
export { corpusGroupOf, readLabelledExamples, type LabelledExample } from './trained-classifier.examples.js';
export {
  extractAddresses,
  extractAktenzeichen,
  extractAmounts,
  extractDates,
  extractFields,
  extractIbans,
  extractLeitwegIds,
  isoDate,
  type AddressField,
  type AktenzeichenField,
  type AmountField,
  type DateField,
  type ExtractedField,
  type ExtractFieldsOptions,
  type FieldType,
  type IbanField,
  type LeitwegIdField,
} from './field-extract.extractor.js';
export { providerFromConfig, registryFromConfig } from './provider.factory.js';
