import { DigitalSourceType, PermanentError, RetryableError, type TokenUsage } from '@app/contracts';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import type {
  AiProgress,
  AiProvider,
  AiRunOptions,
  AiStepConfig,
  AiStepResult,
  AiTask,
  DataClass,
  ProviderLocation,
  ProviderProfile,
} from './ai-provider.interface.js';
import { abortableSleep, backoffMs, retryAfterMs } from './openai-compatible.retry.js';
import { builtInPromptTemplates } from './prompt-template.catalogue.js';
import { formatPromptRef, type AnswerSpec, type PromptTemplate, type PromptTemplateRegistry } from './prompt-template.registry.js';
import { checkedProfile } from './provider-policy.profiles.js';

export const OPENAI_COMPATIBLE_TASKS: readonly AiTask[] = ['detect-language', 'summarise', 'classify', 'translate', 'extract'];

/**
 * How the answer is asked for as JSON: `json_schema` (structured outputs: OpenAI, vLLM, llama.cpp server,
 * Ollama, LocalAI), `json_object` (JSON mode only) or `none` (servers that know neither). The schema is in
 * the instructions in every mode, and the answer is validated against it in every mode.
 */
export type StructuredOutputMode = 'json_schema' | 'json_object' | 'none';

export interface OpenAiCompatibleProviderOptions extends ProviderProfile {
  /** The name steps use (`provider: llm-rz`). */
  name: string;
  /** Base URL of the chat-completions API, up to and including the version: `http://127.0.0.1:8080/v1`. */
  baseURL: string;
  model: string;
  /** Sent as a bearer token; local servers often need none (then no Authorization header is sent). */
  apiKey?: string;
  /** Per HTTP attempt; the request is cancelled when it runs out. Default 120000. */
  timeoutMs?: number;
  /** Further attempts after a 429, a 5xx, a timeout or a failed connection. Default 2. */
  maxRetries?: number;
  /** First backoff when the server gives no Retry-After; doubled per attempt. Default 1000. */
  retryBaseDelayMs?: number;
  /**
   * The longest wait between attempts. A Retry-After asking for more ends the run at once with a
   * RetryableError, so the queue retries the job later instead of a worker sleeping. Default 30000.
   */
  maxRetryDelayMs?: number;
  /** How often `onProgress` is called while a call waits. Default 10000. */
  heartbeatMs?: number;
  /** The tasks offered; default all five. */
  tasks?: readonly AiTask[];
  /** Default `json_schema`. */
  structuredOutput?: StructuredOutputMode;
  /** Sent only when set; reasoning models refuse anything but their default. 0 suits local models. */
  temperature?: number;
  /** Sent as max_completion_tokens when set. */
  maxOutputTokens?: number;
  /** Prompt templates; default the built-in German ones. */
  prompts?: PromptTemplateRegistry;
  /** Clock for `generatedAt` and HTTP-date Retry-After values. */
  now?: () => Date;
  /** How to wait between attempts (tests record the waits instead of sleeping). Must reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Jitter source for the backoff, in [0, 1). */
  random?: () => number;
}

/** What a failed HTTP attempt means for the next one. */
interface RetryableFailure {
  code: 'provider-timeout' | 'provider-rate-limited' | 'provider-unavailable';
  message: string;
  retryAfterMs?: number;
  cause: unknown;
}

class AttemptTimeout extends Error {}

type Checked = { ok: true; value: unknown } | { ok: false; problem: string; content: string };

/** The SDK's own timeout is a backstop behind ours, which cancels the request itself. */
const SDK_TIMEOUT_MARGIN_MS = 1000;

/**
 * An AI provider for any server that speaks the OpenAI chat-completions API (OpenAI, Azure OpenAI, vLLM,
 * llama.cpp server, Ollama, LocalAI, a municipal data centre's gateway), through the official `openai` SDK.
 *
 * - Tasks: detect-language, summarise, classify, translate, extract, each by a versioned prompt template
 *   (`summarise-de@1`) that the result names in `label.promptTemplate`.
 * - Structured output: the answer schema goes into the instructions and, by default, into
 *   `response_format`; the answer is validated against it. An invalid answer is asked for once more,
 *   with what was wrong; a second invalid answer fails the step with PermanentError `invalid-model-output`.
 * - Errors: 429 and 5xx (honouring Retry-After / retry-after-ms), timeouts and failed connections are
 *   retried with capped exponential backoff, then fail with RetryableError (`provider-rate-limited`,
 *   `provider-unavailable`, `provider-timeout`) so the queue retries the job later; other 4xx fail with
 *   PermanentError `provider-rejected`.
 * - Cancellation: every attempt has its own timeout that aborts the HTTP request; `signal` aborts it too.
 * - Long calls: `onProgress` is called every `heartbeatMs` while waiting (see AiRunOptions).
 *
 * The SDK's own retries are switched off (this class retries, so it can honour long Retry-After values and
 * keep the heartbeat going), and every SDK option that would otherwise come from the environment is given
 * explicitly; only OPENAI_CUSTOM_HEADERS cannot be switched off that way.
 */
export class OpenAiCompatibleProvider implements AiProvider {
  readonly name: string;
  readonly tasks: readonly AiTask[];
  readonly location: ProviderLocation;
  readonly operator: string;
  readonly dataProcessingAgreement?: string;
  readonly dataClasses: readonly DataClass[];
  readonly model: string;
  readonly baseURL: string;

  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly heartbeatMs: number;
  private readonly structuredOutput: StructuredOutputMode;
  private readonly temperature?: number;
  private readonly maxOutputTokens?: number;
  private readonly prompts: PromptTemplateRegistry;
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(options: OpenAiCompatibleProviderOptions) {
    const owner = `AI provider "${options.name}"`;
    if (typeof options.name !== 'string' || !options.name.trim()) throw new Error('an OpenAI-compatible provider needs a name');
    const profile = checkedProfile(options, owner);
    let url: URL;
    try {
      url = new URL(options.baseURL);
    } catch {
      throw new Error(`${owner}: baseURL ${JSON.stringify(options.baseURL)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${owner}: baseURL must be http: or https:`);
    if (typeof options.model !== 'string' || !options.model.trim()) throw new Error(`${owner}: model must be a non-empty string`);
    const tasks = options.tasks ?? OPENAI_COMPATIBLE_TASKS;
    const unknownTasks = tasks.filter((task) => !OPENAI_COMPATIBLE_TASKS.includes(task));
    if (!tasks.length || unknownTasks.length) throw new Error(`${owner}: tasks must be some of ${OPENAI_COMPATIBLE_TASKS.join(', ')}`);

    this.name = options.name;
    this.tasks = Object.freeze([...tasks]);
    this.location = profile.location;
    this.operator = profile.operator;
    if (profile.dataProcessingAgreement !== undefined) this.dataProcessingAgreement = profile.dataProcessingAgreement;
    this.dataClasses = profile.dataClasses;
    this.model = options.model;
    this.baseURL = options.baseURL;
    this.timeoutMs = whole(options.timeoutMs ?? 120_000, 1, owner, 'timeoutMs');
    this.maxRetries = whole(options.maxRetries ?? 2, 0, owner, 'maxRetries');
    this.retryBaseDelayMs = whole(options.retryBaseDelayMs ?? 1000, 0, owner, 'retryBaseDelayMs');
    this.maxRetryDelayMs = whole(options.maxRetryDelayMs ?? 30_000, 0, owner, 'maxRetryDelayMs');
    this.heartbeatMs = whole(options.heartbeatMs ?? 10_000, 1, owner, 'heartbeatMs');
    this.structuredOutput = options.structuredOutput ?? 'json_schema';
    if (options.temperature !== undefined) this.temperature = options.temperature;
    if (options.maxOutputTokens !== undefined) this.maxOutputTokens = whole(options.maxOutputTokens, 1, owner, 'maxOutputTokens');
    this.prompts = options.prompts ?? builtInPromptTemplates();
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;

    const apiKey = options.apiKey?.trim() ? options.apiKey : undefined;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      // The SDK insists on a credential; without a key it gets a placeholder and the header is dropped below.
      apiKey: apiKey ?? 'no-key',
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: 0,
      timeout: this.timeoutMs + SDK_TIMEOUT_MARGIN_MS,
      logLevel: 'off',
      ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    });
  }

  async run(step: AiStepConfig, text: string, options: AiRunOptions = {}): Promise<AiStepResult> {
    if (!this.tasks.includes(step.task)) {
      throw new PermanentError(`AI provider "${this.name}" does not do task "${step.task}" (step "${step.id}"); it does: ${this.tasks.join(', ')}`, 'unsupported-task');
    }
    if (typeof text !== 'string' || !text.trim()) throw new PermanentError(`step "${step.id}" (${step.task}): the document has no text`, 'empty-text');
    const template = this.prompts.resolve(step.task, step.prompt);
    const answer = template.answer(step);
    const prompt = template.messages(step, text, answer);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ];
    const started = performance.now();

    let problem = '';
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    for (let round = 1; round <= 2; round++) {
      const completion = await this.complete(this.requestBody(messages, answer), step, options, started);
      addUsage(usage, completion);
      const checked = checkAnswer(completion, answer.schema);
      if (checked.ok) return { ...this.result(step, template, checked.value, completion), usage };
      problem = checked.problem;
      messages.push(
        { role: 'assistant', content: checked.content || '(keine Antwort)' },
        {
          role: 'user',
          content: `Deine Antwort war ungültig: ${problem}. Antworte noch einmal, ausschließlich mit dem JSON-Objekt nach dem Schema.`,
        },
      );
    }
    throw new PermanentError(
      `AI provider "${this.name}" (model "${this.model}", prompt ${formatPromptRef(template)}) answered step "${step.id}" with invalid output twice: ${problem}`,
      'invalid-model-output',
    );
  }

  private requestBody(messages: ChatCompletionMessageParam[], answer: AnswerSpec): ChatCompletionCreateParamsNonStreaming {
    const body: ChatCompletionCreateParamsNonStreaming = { model: this.model, messages: [...messages] };
    if (this.structuredOutput === 'json_schema') {
      body.response_format = { type: 'json_schema', json_schema: { name: answer.name, schema: answer.jsonSchema, strict: answer.strict } };
    } else if (this.structuredOutput === 'json_object') {
      body.response_format = { type: 'json_object' };
    }
    if (this.temperature !== undefined) body.temperature = this.temperature;
    if (this.maxOutputTokens !== undefined) body.max_completion_tokens = this.maxOutputTokens;
    return body;
  }

  /** One chat completion, with retries on 429, 5xx, timeouts and failed connections. */
  private async complete(body: ChatCompletionCreateParamsNonStreaming, step: AiStepConfig, options: AiRunOptions, started: number): Promise<ChatCompletion> {
    for (let attempt = 1; ; attempt++) {
      let failure: RetryableFailure;
      try {
        return await this.guarded({ step: step.id, attempt, phase: 'waiting-for-answer', started }, options, this.timeoutMs, (signal) =>
          this.client.chat.completions.create(body, { signal, maxRetries: 0, timeout: this.timeoutMs + SDK_TIMEOUT_MARGIN_MS }),
        );
      } catch (error) {
        failure = this.classify(error, step);
      }
      if (attempt > this.maxRetries) {
        throw new RetryableError(`${failure.message} (${attempt} attempt${attempt === 1 ? '' : 's'})`, failure.code, { cause: failure.cause });
      }
      const asked = failure.retryAfterMs;
      if (asked !== undefined && asked > this.maxRetryDelayMs) {
        throw new RetryableError(
          `${failure.message}; it asks to wait ${Math.ceil(asked / 1000)} s, longer than this provider waits (${this.maxRetryDelayMs} ms), so the job is to be retried later`,
          failure.code,
          { cause: failure.cause },
        );
      }
      const delay = asked ?? backoffMs(attempt, this.retryBaseDelayMs, this.maxRetryDelayMs, this.random);
      await this.guarded({ step: step.id, attempt, phase: 'backing-off', started }, options, undefined, (signal) => this.sleep(delay, signal));
    }
  }

  /**
   * Runs `work` with a signal that aborts on the caller's signal, on `timeoutMs` and when `onProgress`
   * fails, and calls `onProgress` every `heartbeatMs` meanwhile (never twice at once).
   */
  private async guarded<T>(
    at: { step: string; attempt: number; phase: AiProgress['phase']; started: number },
    options: AiRunOptions,
    timeoutMs: number | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const caller = options.signal;
    if (caller?.aborted) throw this.aborted(at.step, caller.reason);
    const controller = new AbortController();
    let cause: 'caller' | 'timeout' | 'heartbeat' | undefined;
    let heartbeatError: unknown;
    const abort = (why: 'caller' | 'timeout' | 'heartbeat') => {
      if (cause) return;
      cause = why;
      controller.abort(new Error(`cancelled: ${why}`));
    };
    const onCallerAbort = () => abort('caller');
    caller?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => abort('timeout'), timeoutMs);

    const onProgress = options.onProgress;
    let beating = false;
    const heartbeat = onProgress
      ? setInterval(() => {
          if (beating || cause) return;
          beating = true;
          const progress: AiProgress = {
            provider: this.name,
            step: at.step,
            attempt: at.attempt,
            phase: at.phase,
            elapsedMs: Math.round(performance.now() - at.started),
          };
          Promise.resolve()
            .then(() => onProgress(progress))
            .then(
              () => {
                beating = false;
              },
              (error: unknown) => {
                heartbeatError = error;
                abort('heartbeat');
              },
            );
        }, this.heartbeatMs)
      : undefined;

    try {
      return await work(controller.signal);
    } catch (error) {
      if (cause === 'caller') throw this.aborted(at.step, caller?.reason);
      if (cause === 'heartbeat') {
        throw new RetryableError(
          `AI provider "${this.name}", step "${at.step}": onProgress failed (${describe(heartbeatError)}), so the call was cancelled`,
          'heartbeat-failed',
          { cause: heartbeatError },
        );
      }
      if (cause === 'timeout') throw new AttemptTimeout(`no answer within ${timeoutMs} ms`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat);
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  private aborted(step: string, reason: unknown): RetryableError {
    return new RetryableError(`AI provider "${this.name}", step "${step}": cancelled by the caller`, 'aborted', { cause: reason });
  }

  /** A failed attempt: retryable (returned) or not (thrown). */
  private classify(error: unknown, step: AiStepConfig): RetryableFailure {
    const who = `AI provider "${this.name}" (${this.baseURL}, model "${this.model}"), step "${step.id}"`;
    if (error instanceof PermanentError || error instanceof RetryableError) throw error;
    if (error instanceof AttemptTimeout || error instanceof APIConnectionTimeoutError) {
      return { code: 'provider-timeout', message: `${who}: no answer within ${this.timeoutMs} ms`, cause: error };
    }
    if (error instanceof APIUserAbortError) throw this.aborted(step.id, error);
    if (error instanceof APIConnectionError) {
      return { code: 'provider-unavailable', message: `${who}: cannot connect (${describe(error.cause ?? error)})`, cause: error };
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status;
      const retryAfter = retryAfterMs(error.headers, this.now());
      const after = retryAfter === undefined ? {} : { retryAfterMs: retryAfter };
      if (status === 429) return { code: 'provider-rate-limited', message: `${who}: rate limited (HTTP 429)`, cause: error, ...after };
      if (status >= 500) return { code: 'provider-unavailable', message: `${who}: server error (${truncate(error.message)})`, cause: error, ...after };
      if (status === 408) return { code: 'provider-timeout', message: `${who}: the server timed out (HTTP 408)`, cause: error, ...after };
      throw new PermanentError(`${who}: the request was refused (${truncate(error.message)})`, 'provider-rejected', { cause: error });
    }
    throw error;
  }

  private result(step: AiStepConfig, template: PromptTemplate, answer: unknown, completion: ChatCompletion): AiStepResult {
    const served = typeof completion.model === 'string' && completion.model.trim() ? completion.model : this.model;
    return {
      step: step.id,
      task: step.task,
      output: template.toOutput(answer, step),
      label: {
        aiGenerated: true,
        digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
        provider: this.name,
        model: served,
        generatedAt: this.now().toISOString(),
        reviewState: 'unreviewed',
        promptTemplate: { id: template.id, version: template.version },
      },
    };
  }
}

/** Adds what the server reported; servers that report nothing count as 0 (llama.cpp without usage, say). */
function addUsage(sum: TokenUsage, completion: ChatCompletion): void {
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  const prompt = count(completion?.usage?.prompt_tokens);
  const answer = count(completion?.usage?.completion_tokens);
  sum.promptTokens += prompt;
  sum.completionTokens += answer;
  sum.totalTokens += Math.max(count(completion?.usage?.total_tokens), prompt + answer);
}

/**
 * Whether a completion carries a valid answer. The problem names what is wrong without quoting the answer:
 * it ends up in logs and the dead-letter queue, and the answer may repeat personal data from the document.
 */
function checkAnswer(completion: ChatCompletion, schema: z.ZodType): Checked {
  const choice = Array.isArray(completion?.choices) ? completion.choices[0] : undefined;
  if (!choice) return { ok: false, problem: 'the answer has no choices', content: '' };
  const message = choice.message;
  const content = typeof message?.content === 'string' ? message.content : '';
  const cutOff = choice.finish_reason === 'length';
  if (message?.refusal) return { ok: false, problem: 'the model refused to answer', content };
  if (!content.trim()) return { ok: false, problem: cutOff ? 'the answer is empty, cut off at the token limit' : 'the answer is empty', content };
  let json: unknown;
  try {
    json = JSON.parse(unfenced(content));
  } catch {
    return { ok: false, problem: cutOff ? 'the answer is not valid JSON: it was cut off at the token limit' : 'the answer is not valid JSON', content };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
  return { ok: false, problem: truncate(`the answer does not match the schema: ${issues.join('; ')}${more}`, 600), content };
}

/** Local models like to wrap JSON in a Markdown fence even when told not to. */
function unfenced(content: string): string {
  const match = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(content);
  return match ? match[1]! : content;
}

function whole(value: number, min: number, owner: string, field: string): number {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${owner}: ${field} must be an integer >= ${min} (got ${value})`);
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
