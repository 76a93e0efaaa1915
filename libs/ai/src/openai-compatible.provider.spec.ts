import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DigitalSourceType, PermanentError, RetryableError, stepConfigSchema, type StepConfig } from '@app/contracts';
import { startChatCompletionsStandIn, waitFor, type ChatCompletionsStandIn } from '@app/testing';
import type { AiProgress, AiStepConfig } from './ai-provider.interface.js';
import { OpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './openai-compatible.provider.js';
const parseAiStep = (config: unknown) => stepConfigSchema.parse(config);

const TEXT =
  'Bescheid über die Hundesteuer. Sehr geehrte Frau Beispiel, für Ihren Hund setzen wir die Hundesteuer für 2026 auf 120 Euro fest. ' +
  'Der Betrag ist am 1. März 2026 fällig. Aktenzeichen: HS-2026-0815.';

const NOW = new Date('2026-05-04T10:00:00.000Z');
const step = (config: object): StepConfig => stepConfigSchema.parse(config);
const SUMMARY = step({ id: 'kurz', task: 'summarise', sentences: 2 });
const CLASSIFY = step({ id: 'thema', task: 'classify', labels: { finanzen: ['steuer', 'gebühr'], bauen: ['bauantrag'] }, fallbackLabel: 'sonstiges' });
const LANGUAGE = step({ id: 'sprache', task: 'detect-language' });
const TRANSLATE = parseAiStep({ id: 'uebersetzung', task: 'translate', sourceLanguage: 'deu', targetLanguage: 'ukr' });
const EXTRACT = parseAiStep({
  id: 'felder',
  task: 'extract',
  instructions: 'Aktenzeichen, Betrag und Fälligkeit',
  schema: {
    type: 'object',
    properties: { aktenzeichen: { type: 'string', pattern: '^[A-Z]{2}-\\d{4}-\\d{4}$' }, betrag: { type: 'number' }, faellig: { type: 'string', format: 'date' } },
    required: ['aktenzeichen', 'betrag'],
    additionalProperties: false,
  },
});

let standIn: ChatCompletionsStandIn;
/** Waits the provider asked for between attempts (the test sleep records them instead of sleeping). */
let waits: number[];

beforeEach(async () => {
  standIn = await startChatCompletionsStandIn();
  waits = [];
});
afterEach(async () => {
  await standIn.close();
});

function provider(options: Partial<OpenAiCompatibleProviderOptions> = {}): OpenAiCompatibleProvider {
  return new OpenAiCompatibleProvider({
    name: 'rz-llm',
    baseURL: standIn.baseURL,
    model: 'llama-3.3-70b-instruct',
    location: 'on-premises',
    operator: 'Kommunales Rechenzentrum',
    dataClasses: ['public', 'internal', 'personal'],
    timeoutMs: 10_000,
    maxRetries: 2,
    retryBaseDelayMs: 100,
    maxRetryDelayMs: 5000,
    now: () => NOW,
    random: () => 0,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
}

async function failure(run: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await run;
  } catch (error) {
    return error as Error & { code: string };
  }
  throw new Error('expected the run to fail');
}

describe('OpenAiCompatibleProvider', () => {
  describe('tasks', () => {
    it('summarises, labelled as trained-model output with provider, model and prompt template', async () => {
      standIn.answer({ json: { summary: 'Die Hundesteuer 2026 beträgt 120 Euro. Sie ist am 1. März fällig.' } });
      const result = await provider().run(SUMMARY, TEXT);
      expect(result).toEqual({
        step: 'kurz',
        task: 'summarise',
        output: { summary: 'Die Hundesteuer 2026 beträgt 120 Euro. Sie ist am 1. März fällig.', sentences: [], sentenceIndexes: [], kind: 'abstractive' },
        label: {
          aiGenerated: true,
          digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
          provider: 'rz-llm',
          model: 'llama-3.3-70b-instruct',
          generatedAt: '2026-05-04T10:00:00.000Z',
          reviewState: 'unreviewed',
          promptTemplate: { id: 'summarise-de', version: 1 },
        },
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
      });
    });

    it('sends the model, the instructions with the schema, the delimited text and response_format json_schema', async () => {
      standIn.answer({ json: { summary: 'Kurz.' } });
      await provider().run(SUMMARY, TEXT);
      const [request] = standIn.requests;
      expect(request!.path).toBe('/v1/chat/completions');
      expect(request!.body.model).toBe('llama-3.3-70b-instruct');
      const [system, user] = request!.body.messages;
      expect(system.role).toBe('system');
      expect(system.content).toContain('höchstens 2 Sätzen');
      expect(system.content).toContain('"summary"');
      expect(system.content).not.toContain(TEXT);
      expect(user).toEqual({ role: 'user', content: `<dokument>\n${TEXT}\n</dokument>` });
      expect(request!.body.response_format).toEqual({
        type: 'json_schema',
        json_schema: {
          name: 'summary',
          strict: true,
          schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'], additionalProperties: false },
        },
      });
      expect(request!.body).not.toHaveProperty('temperature');
      expect(request!.body).not.toHaveProperty('stream');
    });

    it('classifies into the step labels or the fallback label', async () => {
      standIn.answer({ json: { label: 'finanzen', confidence: 0.92 } });
      const result = await provider().run(CLASSIFY, TEXT);
      expect(result.output).toEqual({ label: 'finanzen', confidence: 0.92, scores: { finanzen: 0.92 } });
      expect(result.label.promptTemplate).toEqual({ id: 'classify-de', version: 1 });
      const { schema } = standIn.requests[0]!.body.response_format.json_schema;
      expect(schema.properties.label.enum).toEqual(['finanzen', 'bauen', 'sonstiges']);
      expect(standIn.requests[0]!.body.messages[0].content).toContain('- finanzen (Stichworte: steuer, gebühr)');
    });

    it('detects the language as an ISO 639-3 code', async () => {
      standIn.answer({ json: { language: 'deu', confidence: 0.99 } });
      const result = await provider().run(LANGUAGE, TEXT);
      expect(result.output).toEqual({ language: 'deu', confidence: 0.99 });
      expect(result.label.promptTemplate).toEqual({ id: 'detect-language-de', version: 1 });
    });

    it('translates between the language pair of the step', async () => {
      standIn.answer({ json: { translation: 'Рішення про податок на собак.' } });
      const result = await provider().run(TRANSLATE, TEXT);
      expect(result).toMatchObject({
        task: 'translate',
        output: { translation: 'Рішення про податок на собак.', sourceLanguage: 'deu', targetLanguage: 'ukr' },
        label: { promptTemplate: { id: 'translate-de', version: 1 } },
      });
      expect(standIn.requests[0]!.body.messages[0].content).toContain('aus Deutsch (ISO 639-3: deu) in Ukrainisch (ISO 639-3: ukr)');
    });

    it("extracts fields by the step's JSON schema, sent as is and not strict", async () => {
      standIn.answer({ json: { aktenzeichen: 'HS-2026-0815', betrag: 120, faellig: '2026-03-01' } });
      const result = await provider().run(EXTRACT, TEXT);
      expect(result.output).toEqual({ fields: { aktenzeichen: 'HS-2026-0815', betrag: 120, faellig: '2026-03-01' } });
      expect(standIn.requests[0]!.body.response_format.json_schema).toEqual({ name: 'extraction', schema: (EXTRACT as { schema: object }).schema, strict: false });
      expect(standIn.requests[0]!.body.messages[0].content).toContain('(Aktenzeichen, Betrag und Fälligkeit)');
    });

    it('names the prompt template version a step pins', async () => {
      standIn.answer({ json: { summary: 'Kurz.' } });
      await expect(provider().run({ ...SUMMARY, prompt: 'summarise-de@1' }, TEXT)).resolves.toMatchObject({ label: { promptTemplate: { id: 'summarise-de', version: 1 } } });
      await expect(provider().run({ ...SUMMARY, prompt: 'summarise-de@7' }, TEXT)).rejects.toMatchObject({ code: 'unknown-prompt' });
      await expect(provider().run({ ...SUMMARY, prompt: 'classify-de' }, TEXT)).rejects.toMatchObject({ code: 'unknown-prompt' });
      expect(standIn.requests).toHaveLength(1);
    });

    it('records the model the server says it served', async () => {
      standIn.answer({ json: { language: 'deu', confidence: 1 }, model: 'llama-3.3-70b-instruct-q4_k_m' });
      await expect(provider().run(LANGUAGE, TEXT)).resolves.toMatchObject({ label: { model: 'llama-3.3-70b-instruct-q4_k_m' } });
    });

    it('asks for JSON mode or nothing when the server knows no JSON schemas, and sends temperature and token limit when set', async () => {
      standIn.answer({ json: { summary: 'Kurz.' } }, { json: { summary: 'Kurz.' } });
      await provider({ structuredOutput: 'json_object', temperature: 0, maxOutputTokens: 800 }).run(SUMMARY, TEXT);
      await provider({ structuredOutput: 'none' }).run(SUMMARY, TEXT);
      expect(standIn.requests[0]!.body).toMatchObject({ response_format: { type: 'json_object' }, temperature: 0, max_completion_tokens: 800 });
      expect(standIn.requests[1]!.body).not.toHaveProperty('response_format');
      expect(standIn.requests[1]!.body.messages[0].content).toContain('"summary"');
    });

    it('sends the API key as bearer token, and no Authorization header without one', async () => {
      standIn.answer({ json: { summary: 'Kurz.' } }, { json: { summary: 'Kurz.' } });
      await provider({ apiKey: 'sk-test-123' }).run(SUMMARY, TEXT);
      await provider().run(SUMMARY, TEXT);
      expect(standIn.requests[0]!.headers.authorization).toBe('Bearer sk-test-123');
      expect(standIn.requests[1]!.headers).not.toHaveProperty('authorization');
    });

    it('refuses empty text, a task it does not offer and a bad step before sending anything', async () => {
      await expect(provider().run(SUMMARY, ' \n ')).rejects.toMatchObject({ code: 'empty-text' });
      await expect(provider({ tasks: ['summarise'] }).run(LANGUAGE, TEXT)).rejects.toMatchObject({ code: 'unsupported-task' });
      await expect(provider().run({ ...EXTRACT, schema: { type: 'array' } } as AiStepConfig, TEXT)).rejects.toMatchObject({ code: 'invalid-step' });
      await expect(provider().run({ ...EXTRACT, schema: { type: 'object', if: {} } } as AiStepConfig, TEXT)).rejects.toMatchObject({
        code: 'invalid-step',
        message: expect.stringContaining('not supported'),
      });
      await expect(provider().run({ ...TRANSLATE, targetLanguage: 'Englisch' } as AiStepConfig, TEXT)).rejects.toMatchObject({ code: 'invalid-step' });
      await expect(provider().run({ ...SUMMARY, sentences: 0 } as StepConfig, TEXT)).rejects.toMatchObject({ code: 'invalid-step' });
      expect(standIn.requests).toEqual([]);
    });
  });

  describe('invalid model output', () => {
    it('asks once more, saying what was wrong, and takes a valid second answer', async () => {
      standIn.answer({ content: 'Gerne! Hier ist die Zusammenfassung: Hundesteuer.' }, { json: { summary: 'Die Hundesteuer beträgt 120 Euro.' } });
      const result = await provider().run(SUMMARY, TEXT);
      expect(result.output).toMatchObject({ summary: 'Die Hundesteuer beträgt 120 Euro.' });
      expect(standIn.requests).toHaveLength(2);
      const messages = standIn.requests[1]!.body.messages;
      expect(messages.slice(0, 2)).toEqual(standIn.requests[0]!.body.messages);
      expect(messages[2]).toEqual({ role: 'assistant', content: 'Gerne! Hier ist die Zusammenfassung: Hundesteuer.' });
      expect(messages[3]).toMatchObject({ role: 'user', content: expect.stringContaining('the answer is not valid JSON') });
      // Both answers cost tokens; the route's budget is charged for both.
      expect(result.usage).toEqual({ promptTokens: 2, completionTokens: 2, totalTokens: 4 });
    });

    it('fails with PermanentError "invalid-model-output" naming the field after two answers against the schema', async () => {
      standIn.answer({ json: { label: 'verkehr', confidence: 0.8 } }, { json: { label: 'finanzen', confidence: 'hoch' } });
      const error = await failure(provider().run(CLASSIFY, TEXT));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.code).toBe('invalid-model-output');
      expect(error.message).toBe(
        'AI provider "rz-llm" (model "llama-3.3-70b-instruct", prompt classify-de@1) answered step "thema" with invalid output twice: ' +
          'the answer does not match the schema: confidence: Invalid input: expected number, received string',
      );
      expect(standIn.requests).toHaveLength(2);
      expect(standIn.requests[1]!.body.messages[3].content).toContain('label: Invalid option: expected one of "finanzen"|"bauen"|"sonstiges"');
    });

    it('does not quote the answer in the error: it may repeat personal data', async () => {
      standIn.answer({ content: 'Frau Beispiel schuldet 120 Euro' }, { content: '{"summary": "Frau Beispiel schuldet' });
      const error = await failure(provider().run(SUMMARY, TEXT));
      expect(error).toMatchObject({ code: 'invalid-model-output', message: expect.stringMatching(/the answer is not valid JSON$/) });
      expect(error.message).not.toContain('Beispiel');
    });

    it('names extraction fields that miss or break the step schema', async () => {
      standIn.answer({ json: { betrag: '120 Euro' } }, { json: { aktenzeichen: 'hs/2026', betrag: 120, faellig: '1. März' } });
      const error = await failure(provider().run(EXTRACT, TEXT));
      expect(error.code).toBe('invalid-model-output');
      expect(error.message).toContain('aktenzeichen: Invalid string: must match pattern');
      expect(error.message).toContain('faellig: Invalid ISO date');
      expect(standIn.requests[1]!.body.messages[3].content).toMatch(/aktenzeichen: Invalid input.*betrag: Invalid input: expected number/);
    });

    it('refuses a blank summary', async () => {
      standIn.answer({ json: { summary: '  ' } }, { json: { summary: '' } });
      await expect(provider().run(SUMMARY, TEXT)).rejects.toMatchObject({ code: 'invalid-model-output', message: expect.stringContaining('summary: the summary must not be empty') });
    });

    it('takes JSON in a Markdown fence, as local models like to send it', async () => {
      standIn.answer({ content: '```json\n{"language": "deu", "confidence": 0.9}\n```' });
      await expect(provider().run(LANGUAGE, TEXT)).resolves.toMatchObject({ output: { language: 'deu', confidence: 0.9 } });
    });

    it('counts a refusal, an empty answer and one cut off at the token limit as invalid', async () => {
      standIn.answer({ content: null, refusal: 'Dazu kann ich nichts sagen.' }, { content: '' });
      await expect(provider().run(SUMMARY, TEXT)).rejects.toMatchObject({ code: 'invalid-model-output', message: expect.stringMatching(/the answer is empty$/) });
      expect(standIn.requests[1]!.body.messages[3].content).toContain('the model refused to answer');

      standIn.answer({ content: '{"summary": "Die Hunde', finishReason: 'length' }, { content: '{"summary": "Die Hunde', finishReason: 'length' });
      await expect(provider().run(SUMMARY, TEXT)).rejects.toMatchObject({ message: expect.stringContaining('cut off at the token limit') });
    });
  });

  describe('HTTP errors and retries', () => {
    it('waits as long as Retry-After says in seconds after a 429, then succeeds', async () => {
      standIn.answer({ status: 429, retryAfter: '3' }, { json: { summary: 'Kurz.' } });
      await expect(provider().run(SUMMARY, TEXT)).resolves.toMatchObject({ output: { summary: 'Kurz.' } });
      expect(waits).toEqual([3000]);
      expect(standIn.requests.map((r) => r.answeredWith)).toEqual([429, 200]);
    });

    it('reads Retry-After as an HTTP date, and retry-after-ms', async () => {
      standIn.answer({ status: 429, retryAfter: 'Mon, 04 May 2026 10:00:04 GMT' }, { status: 503, retryAfterMs: '250' }, { json: { summary: 'Kurz.' } });
      await provider().run(SUMMARY, TEXT);
      expect(waits).toEqual([4000, 250]);
    });

    it('backs off exponentially on 5xx without Retry-After, then fails with RetryableError "provider-unavailable"', async () => {
      standIn.answer({ status: 500 }, { status: 502 }, { status: 503 });
      const error = await failure(provider().run(SUMMARY, TEXT));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.code).toBe('provider-unavailable');
      expect(error.message).toMatch(/^AI provider "rz-llm" \(http:\/\/127\.0\.0\.1:\d+\/v1, model "llama-3\.3-70b-instruct"\), step "kurz": server error \(503 .*\) \(3 attempts\)$/);
      expect(waits).toEqual([100, 200]);
      expect(standIn.requests).toHaveLength(3);
    });

    it('caps the backoff', async () => {
      standIn.answer({ status: 500 }, { status: 500 }, { status: 500 }, { json: { summary: 'Kurz.' } });
      await provider({ maxRetries: 3, retryBaseDelayMs: 1000, maxRetryDelayMs: 1500 }).run(SUMMARY, TEXT);
      expect(waits).toEqual([1000, 1500, 1500]);
    });

    it('recovers from one server error', async () => {
      standIn.answer({ status: 500 }, { json: { summary: 'Kurz.' } });
      await expect(provider().run(SUMMARY, TEXT)).resolves.toMatchObject({ output: { summary: 'Kurz.' } });
    });

    it('fails with RetryableError "provider-rate-limited" after the last 429', async () => {
      standIn.answer({ status: 429, retryAfter: '1' }, { status: 429, retryAfter: '1' }, { status: 429, retryAfter: '1' });
      await expect(provider().run(SUMMARY, TEXT)).rejects.toMatchObject({ code: 'provider-rate-limited', retryable: true });
      expect(waits).toEqual([1000, 1000]);
    });

    it('does not sleep through a Retry-After longer than it waits: the queue retries the job later', async () => {
      standIn.answer({ status: 429, retryAfter: '120' });
      const error = await failure(provider().run(SUMMARY, TEXT));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ code: 'provider-rate-limited', message: expect.stringContaining('asks to wait 120 s') });
      expect(waits).toEqual([]);
      expect(standIn.requests).toHaveLength(1);
    });

    it.each([400, 401, 403, 404, 422])('fails at once with PermanentError "provider-rejected" on HTTP %i', async (status) => {
      standIn.answer({ status, message: 'model "llama-3.3-70b-instruct" not found' });
      const error = await failure(provider().run(SUMMARY, TEXT));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ code: 'provider-rejected', message: expect.stringContaining(`the request was refused (${status} model "llama-3.3-70b-instruct" not found)`) });
      expect(standIn.requests).toHaveLength(1);
    });

    it('retries a dropped connection and a server that cannot be reached', async () => {
      standIn.answer({ hangUp: true }, { json: { summary: 'Kurz.' } });
      await expect(provider().run(SUMMARY, TEXT)).resolves.toMatchObject({ output: { summary: 'Kurz.' } });

      const closed = await startChatCompletionsStandIn();
      await closed.close();
      const error = await failure(provider({ baseURL: closed.baseURL, maxRetries: 1 }).run(SUMMARY, TEXT));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ code: 'provider-unavailable', message: expect.stringContaining('cannot connect') });
    });

    it('uses a real, abortable wait by default', async () => {
      standIn.answer({ status: 503, retryAfter: '0' }, { json: { summary: 'Kurz.' } });
      await expect(provider({ sleep: undefined }).run(SUMMARY, TEXT)).resolves.toMatchObject({ output: { summary: 'Kurz.' } });

      standIn.answer({ status: 503 });
      const controller = new AbortController();
      const run = provider({ sleep: undefined, retryBaseDelayMs: 600_000, maxRetryDelayMs: 600_000 }).run(SUMMARY, TEXT, { signal: controller.signal });
      await waitFor('the 503', () => standIn.requests.length === 3);
      controller.abort();
      await expect(run).rejects.toMatchObject({ code: 'aborted', retryable: true });
    });
  });

  describe('timeouts, cancellation and heartbeats', () => {
    it('cancels a request that takes longer than timeoutMs and fails with RetryableError "provider-timeout"', async () => {
      standIn.answer({ hold: true });
      const error = await failure(provider({ timeoutMs: 300, maxRetries: 0 }).run(SUMMARY, TEXT));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ code: 'provider-timeout', message: expect.stringContaining('no answer within 300 ms (1 attempt)') });
      await waitFor('the server to see the request cancelled', () => standIn.requests[0]?.aborted);
      expect(standIn.held()).toBe(0);
    });

    it('retries after a timeout', async () => {
      standIn.answer({ hold: true }, { json: { summary: 'Kurz.' } });
      await expect(provider({ timeoutMs: 300, maxRetries: 1 }).run(SUMMARY, TEXT)).resolves.toMatchObject({ output: { summary: 'Kurz.' } });
      expect(waits).toEqual([100]);
      await waitFor('the first request cancelled', () => standIn.requests[0]?.aborted);
    });

    it("cancels the request when the caller's signal aborts", async () => {
      standIn.answer({ hold: true });
      const controller = new AbortController();
      const run = provider().run(SUMMARY, TEXT, { signal: controller.signal });
      await waitFor('the request to be held', () => standIn.held() === 1);
      controller.abort();
      const error = await failure(run);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ code: 'aborted', message: 'AI provider "rz-llm", step "kurz": cancelled by the caller' });
      await waitFor('the server to see the request cancelled', () => standIn.requests[0]?.aborted);
      expect(standIn.requests).toHaveLength(1);
    });

    it('does not start when the signal is already aborted', async () => {
      await expect(provider().run(SUMMARY, TEXT, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
      expect(standIn.requests).toEqual([]);
    });

    it('calls onProgress while it waits, so the caller can extend its job lock', async () => {
      standIn.answer({ hold: true, then: { json: { summary: 'Kurz.' } } });
      const beats: AiProgress[] = [];
      const run = provider({ heartbeatMs: 10 }).run(SUMMARY, TEXT, { onProgress: (progress) => void beats.push(progress) });
      await waitFor('two heartbeats with the request held', () => beats.length >= 2 && standIn.held() === 1);
      standIn.release();
      await expect(run).resolves.toMatchObject({ output: { summary: 'Kurz.' } });
      expect(beats[0]).toMatchObject({ provider: 'rz-llm', step: 'kurz', attempt: 1, phase: 'waiting-for-answer' });
      expect(beats[1]!.elapsedMs).toBeGreaterThanOrEqual(beats[0]!.elapsedMs);
      const count = beats.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(beats).toHaveLength(count);
    });

    it('keeps calling onProgress while it backs off', async () => {
      standIn.answer({ status: 503 }, { json: { summary: 'Kurz.' } });
      const beats: AiProgress[] = [];
      let wake: () => void = () => undefined;
      const run = provider({
        heartbeatMs: 10,
        sleep: (_ms, signal) => new Promise<void>((resolve, reject) => ((wake = resolve), signal.addEventListener('abort', () => reject(signal.reason)))),
      }).run(SUMMARY, TEXT, { onProgress: (progress) => void beats.push(progress) });
      await waitFor('a heartbeat while backing off', () => beats.some((beat) => beat.phase === 'backing-off'));
      wake();
      await expect(run).resolves.toMatchObject({ output: { summary: 'Kurz.' } });
    });

    it('cancels the call when onProgress fails (the job lock is lost)', async () => {
      standIn.answer({ hold: true });
      const error = await failure(
        provider({ heartbeatMs: 10 }).run(SUMMARY, TEXT, {
          // The lock is lost once the server holds the request, so the cancellation has something to cancel.
          onProgress: async () => {
            if (standIn.held() === 1) throw new Error('Missing lock for job 42');
          },
        }),
      );
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ code: 'heartbeat-failed', message: expect.stringContaining('onProgress failed (Missing lock for job 42)') });
      await waitFor('the server to see the request cancelled', () => standIn.requests[0]?.aborted);
    });
  });

  describe('configuration', () => {
    const base = { name: 'x', baseURL: 'http://127.0.0.1:1/v1', model: 'm', location: 'eu', operator: 'Betreiber', dataClasses: ['public'] } as const;

    it('exposes its profile for the policy', () => {
      const llm = new OpenAiCompatibleProvider({ ...base, dataProcessingAgreement: 'AVV-1' });
      expect({ location: llm.location, operator: llm.operator, dataProcessingAgreement: llm.dataProcessingAgreement, dataClasses: llm.dataClasses }).toEqual({
        location: 'eu',
        operator: 'Betreiber',
        dataProcessingAgreement: 'AVV-1',
        dataClasses: ['public'],
      });
      expect([...llm.tasks].sort()).toEqual(['classify', 'detect-language', 'extract', 'summarise', 'translate']);
    });

    it('refuses incomplete or wrong options, naming them', () => {
      expect(() => new OpenAiCompatibleProvider({ ...base, operator: '' })).toThrow(/AI provider "x".*operator/);
      expect(() => new OpenAiCompatibleProvider({ ...base, baseURL: 'llm.example' })).toThrow(/baseURL/);
      expect(() => new OpenAiCompatibleProvider({ ...base, baseURL: 'ftp://llm.example' })).toThrow(/http/);
      expect(() => new OpenAiCompatibleProvider({ ...base, model: ' ' })).toThrow(/model/);
      expect(() => new OpenAiCompatibleProvider({ ...base, timeoutMs: 0 })).toThrow(/timeoutMs/);
      expect(() => new OpenAiCompatibleProvider({ ...base, maxRetries: 1.5 })).toThrow(/maxRetries/);
      expect(() => new OpenAiCompatibleProvider({ ...base, tasks: ['ocr' as never] })).toThrow(/tasks/);
    });
  });
});
