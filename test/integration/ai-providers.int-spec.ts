import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { trainClassifier } from '@app/ai';
import { AuditLog } from '@app/audit';
import { DigitalSourceType, type ClassificationOutput, type DocumentStatus, type ExtractionOutput, type TranslationOutput } from '@app/contracts';
import { startApplication, type RunningApp } from '@app/runtime';
import { startChatCompletionsStandIn, testInstallation, waitFor, type ChatCompletionsStandIn, type ChatRequest, type TestInstallation } from '@app/testing';
import { BUILDING_LETTER, getStatus, http, loadApps, postDocument, removeInstallation, rmDir } from './support.js';

/** Answers each request by the answer schema it asks for, so steps may arrive in any order. */
function answerFor(request: ChatRequest) {
  switch (request.body?.response_format?.json_schema?.name) {
    case 'summary':
      return { json: { summary: 'Antrag auf Baugenehmigung für die Lindenstraße 12.' } };
    case 'translation':
      return { json: { translation: 'Application for a building permit.' } };
    case 'extraction':
      return { json: { strasse: 'Lindenstraße 12', vollgeschosse: 2 } };
    default:
      return { status: 400, message: 'unexpected request' };
  }
}

const ROUTES = (modelFile: string) => `
routes:
  bescheide:
    dataClass: personal
    steps:
      - { id: kurz, task: summarise, provider: krz-llm, sentences: 1 }
      - { id: englisch, task: translate, provider: krz-llm, sourceLanguage: deu, targetLanguage: eng }
      - id: felder
        task: extract
        provider: krz-llm
        instructions: Angaben zum Grundstück
        schema:
          type: object
          properties: { strasse: { type: string }, vollgeschosse: { type: integer } }
          required: [strasse, vollgeschosse]
          additionalProperties: false
      - { id: thema, task: classify, model: ${modelFile} }
    writeback: { type: folder }
  ausland:
    dataClass: personal
    steps:
      - { id: kurz, task: summarise, provider: us-llm }
    writeback: { type: folder }
  gedrosselt:
    dataClass: internal
    steps:
      - { id: kurz, task: summarise, provider: eng-llm }
    writeback: { type: folder }
  knapp:
    dataClass: internal
    tokenBudgetPerDay: 2
    steps:
      - { id: kurz, task: summarise, provider: krz-llm }
      - { id: englisch, task: translate, provider: krz-llm, sourceLanguage: deu, targetLanguage: eng }
    writeback: { type: folder }
`;

const PROVIDERS = (fast: string, slow: string) => `
providers:
  krz-llm:
    type: openai-compatible
    baseUrl: ${fast}
    model: mistral-small-3.2
    apiKeyEnv: KRZ_KEY
    location: on-premises
    operator: Kommunales Rechenzentrum Musterland
    dataClasses: [public, internal, personal]
    maxRetries: 0
  us-llm:
    type: openai-compatible
    baseUrl: ${fast}
    model: big-model
    location: third-country
    operator: Example AI Inc.
    dataProcessingAgreement: DPA-2026-1
    dataClasses: [public, internal, personal]
  eng-llm:
    type: openai-compatible
    baseUrl: ${slow}
    model: small-model
    location: eu
    operator: Beispiel Cloud GmbH
    dataProcessingAgreement: AVV-2026-7
    dataClasses: [public, internal]
    limits: { concurrency: 1 }
`;

describe('AI providers from configuration, through the whole pipeline', () => {
  let fast: ChatCompletionsStandIn;
  let slow: ChatCompletionsStandIn;
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let baseUrl: string;
  let setupDir: string | undefined;

  const finished = (id: string) =>
    waitFor(`document ${id} finished`, async () => {
      const status = await getStatus(baseUrl, id);
      return status.state === 'completed' || status.state === 'failed' ? status : undefined;
    });

  beforeAll(async () => {
    fast = await startChatCompletionsStandIn({ otherwise: answerFor });
    slow = await startChatCompletionsStandIn({ otherwise: { hold: true, then: { json: { summary: 'Kurz.' } } } });
    setupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-ai-providers-'));
    const modelFile = path.join(setupDir, 'thema.json');
    trainClassifier(
      [
        { text: BUILDING_LETTER, label: 'bauen' },
        { text: 'Der Bebauungsplan und die Baugenehmigung für das Gebäude.', label: 'bauen' },
        { text: 'Die Hundesteuer und die Grundsteuer werden mit dem Bescheid festgesetzt.', label: 'finanzen' },
        { text: 'Die Gebühr für die Abfallentsorgung ist zum Quartal fällig, Steuer und Abgabe.', label: 'finanzen' },
      ],
      { features: { minDf: 1 } },
    ).save(modelFile);
    const providersFile = path.join(setupDir, 'providers.yaml');
    fs.writeFileSync(providersFile, PROVIDERS(fast.baseURL, slow.baseURL));
    installation = await testInstallation(ROUTES(modelFile), { SCHNITTSTELLE_PROVIDERS: providersFile, KRZ_KEY: 'krz-secret' });
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    baseUrl = running.baseUrl;
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      await Promise.all([fast?.close(), slow?.close()]);
      await removeInstallation(installation);
      rmDir(setupDir);
    }
  });

  it('runs summarise, translate and extract on the configured provider and classify on the route\'s trained model', async () => {
    const receipt = (await postDocument(baseUrl, 'bescheide', BUILDING_LETTER)).body;
    const status = await finished(receipt.documentId);
    expect(status.state).toBe('completed');
    const { kurz, englisch, felder, thema } = status.results;
    expect(kurz!.label).toMatchObject({ provider: 'krz-llm', model: 'mistral-small-3.2', digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, promptTemplate: { id: 'summarise-de' } });
    expect((englisch!.output as TranslationOutput).translation).toBe('Application for a building permit.');
    expect(englisch!.output).toMatchObject({ sourceLanguage: 'deu', targetLanguage: 'eng' });
    expect((felder!.output as ExtractionOutput).fields).toEqual({ strasse: 'Lindenstraße 12', vollgeschosse: 2 });
    expect(thema!.label).toMatchObject({ provider: 'embedded', digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, model: expect.stringMatching(/^tfidf-softmax/) });
    expect((thema!.output as ClassificationOutput).label).toBe('bauen');
    // The key from KRZ_KEY went to the provider; the text went only there.
    const calls = fast.requests.filter((r) => JSON.stringify(r.body).includes('Lindenstraße'));
    expect(calls.length).toBe(3);
    expect(calls.every((r) => r.headers.authorization === 'Bearer krz-secret')).toBe(true);

    const outbox = fs.readFileSync(path.join(installation.config.paths.outbox, 'bescheide', `${receipt.documentId}.xml`), 'utf8');
    expect(outbox).toContain('<Translation>');
    expect(outbox).toContain('<Field name="vollgeschosse" type="number">2</Field>');
    expect(outbox).toMatch(/<PromptTemplate id="extract-de" version="\d+"\/>/);
  });

  it('refuses personal data for a third-country provider before any text leaves: failed, audited, nothing sent', async () => {
    const before = fast.requests.length;
    const receipt = (await postDocument(baseUrl, 'ausland', `${BUILDING_LETTER} Ausland.`)).body;
    const status: DocumentStatus = await finished(receipt.documentId);
    expect(status.state).toBe('failed');
    expect(status.reason).toMatch(/policy-refused/);
    expect(status.reason).toMatch(/us-llm/);
    expect(fast.requests.length).toBe(before);
    const audit = await AuditLog.open(installation.config.auditDatabaseUrl);
    try {
      const records = await audit.forDocument(receipt.documentId);
      expect(records.map((r) => `${r.step}:${r.outcome}`)).toContain('kurz:failed');
      expect(records.find((r) => r.outcome === 'failed')!.detail).toMatch(/policy-refused/);
    } finally {
      await audit.close();
    }
  });

  it('holds a provider to its concurrency across the worker: one call at a time, the others wait without failing', async () => {
    const receipts = await Promise.all([1, 2, 3].map(async (n) => (await postDocument(baseUrl, 'gedrosselt', `${BUILDING_LETTER} Nummer ${n}.`)).body));
    await waitFor('first call held', () => slow.held() === 1);
    // WORKER_CONCURRENCY is 4, yet the provider's limit keeps the other two away from it.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(slow.held()).toBe(1);
    expect(slow.requests.length).toBe(1);
    const providers = (await http(`${baseUrl}/api/v1/providers`)).body.providers;
    expect(providers.find((p: { name: string }) => p.name === 'eng-llm')).toMatchObject({ limits: { concurrency: 1 }, usage: { active: 1 } });
    const waiting = await Promise.all(receipts.map((r) => getStatus(baseUrl, r.documentId)));
    expect(waiting.filter((s) => s.steps.find((step) => step.step === 'kurz' && step.error?.includes('provider-busy')))).toHaveLength(2);

    for (let released = 1; released <= 3; released++) {
      await waitFor(`call ${released} held`, () => slow.held() === 1 || slow.requests.length === 3);
      slow.release();
    }
    const done = await Promise.all(receipts.map((r) => finished(r.documentId)));
    expect(done.map((s) => s.state)).toEqual(['completed', 'completed', 'completed']);
    expect(slow.requests.length).toBe(3);
  });

  it('shows each route\'s budget; once the day\'s tokens are spent, accepted steps wait for the next day and new documents are refused', async () => {
    // Budget 2: the first step may start and uses 2 tokens; the second finds the day spent and waits.
    const before = fast.requests.length;
    const receipt = (await postDocument(baseUrl, 'knapp', `${BUILDING_LETTER} Eins.`)).body;
    const waiting = await waitFor('the second step waiting for the budget', async () => {
      const status = await getStatus(baseUrl, receipt.documentId);
      return status.steps.find((s) => s.step === 'englisch' && s.error?.includes('token-budget-spent')) ? status : undefined;
    });
    expect(waiting.state).toBe('processing');
    expect(waiting.results.kurz).toBeDefined();
    expect(waiting.results.englisch).toBeUndefined();
    const route = (await http(`${baseUrl}/api/v1/routes/knapp`)).body;
    expect(route.tokenBudget).toMatchObject({ tokensPerDay: 2, used: 2, remaining: 0 });
    expect(fast.requests.length).toBe(before + 1);
    const step = waiting.steps.find((s) => s.step === 'englisch')!;
    expect(step.state).toBe('pending');
    expect(step.error).toContain(`waiting until ${route.tokenBudget.resetsAt}`);

    // Spent: the route says so at the door, with the time to come back; nothing more is taken in.
    const refused = await postDocument(baseUrl, 'knapp', `${BUILDING_LETTER} Zwei.`);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('token-budget-spent');
    expect(refused.body.message).toContain(route.tokenBudget.resetsAt);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Routes without a budget are not affected.
    expect((await postDocument(baseUrl, 'bescheide', `${BUILDING_LETTER} Drei.`)).status).toBe(202);
  });

  it('lists providers with their profile and never a key', async () => {
    const answer = await http(`${baseUrl}/api/v1/providers`);
    expect(answer.status).toBe(200);
    expect(answer.body.providers.map((p: { name: string }) => p.name)).toEqual(['embedded', 'krz-llm', 'us-llm', 'eng-llm']);
    expect(answer.body.providers[1]).toMatchObject({ location: 'on-premises', operator: 'Kommunales Rechenzentrum Musterland', model: 'mistral-small-3.2' });
    expect(answer.text).not.toContain('krz-secret');
    expect((await http(`${baseUrl}/api/v1/routes/nirgends`)).status).toBe(404);
  });
});
