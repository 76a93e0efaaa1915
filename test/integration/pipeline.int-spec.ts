import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { AuditLog, type AuditRecord } from '@app/audit';
import { DigitalSourceType, type ClassificationOutput, type Receipt, type SummaryOutput } from '@app/contracts';
import type { QueueName } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { testInstallation, waitFor, type TestInstallation } from '@app/testing';
import {
  allJobIds,
  ANALYSIS_STEPS_YAML,
  BUILDING_LETTER,
  closeQueues,
  getStatus,
  loadApps,
  openQueues,
  postDocument,
  removeInstallation,
} from './support.js';

const ROUTES = `
routes:
  texte:
    accept: [rest, folder]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
`;

const AI_STEPS = ['sprache', 'zusammenfassung', 'sachgebiet'];
const PLAN = ['intake', ...AI_STEPS, 'writeback'];

describe('pipeline: REST intake -> AI steps -> folder write-back (whole middleware in-process)', () => {
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let queues: Record<QueueName, Queue> | undefined;
  let audit: AuditLog | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    installation = await testInstallation(ROUTES);
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    baseUrl = running.baseUrl;
    queues = openQueues(installation.config);
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      await closeQueues(queues);
      await audit?.close();
      await removeInstallation(installation);
    }
  });

  let receipt: Receipt;
  let outboxFile: string;

  it('takes a text document in over REST and answers 202 with a receipt', async () => {
    const answer = await postDocument(baseUrl, 'texte', BUILDING_LETTER);
    expect(answer.status).toBe(202);
    receipt = answer.body;
    expect(receipt).toMatchObject({ routeId: 'texte', status: 'accepted', duplicate: false });
    expect(receipt.documentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(answer.headers.get('location')).toBe(`${baseUrl}/api/v1/documents/${receipt.documentId}`);
    expect(receipt.statusUrl).toBe(`${baseUrl}/api/v1/documents/${receipt.documentId}`);
  });

  it('runs every step in plan order and completes; results carry the AI label', async () => {
    const status = await waitFor('document completed', async () => {
      const s = await getStatus(baseUrl, receipt.documentId);
      if (s.state === 'failed') throw new Error(`document failed: ${s.reason}`);
      return s.state === 'completed' ? s : undefined;
    });
    expect(status.steps.map((s) => s.step)).toEqual(PLAN);
    for (const step of status.steps) {
      expect(step).toMatchObject({ state: 'done', attempts: 1 });
      expect(step.error).toBeUndefined();
    }
    expect(Object.keys(status.results).sort()).toEqual([...AI_STEPS].sort());
    for (const stepId of AI_STEPS) {
      const result = status.results[stepId]!;
      expect(result.step).toBe(stepId);
      expect(result.label).toMatchObject({
        aiGenerated: true,
        provider: 'embedded',
        digitalSourceType: DigitalSourceType.algorithmicMedia,
        reviewState: 'unreviewed',
      });
      expect(Number.isNaN(Date.parse(result.label.generatedAt))).toBe(false);
    }
    expect(status.results.sprache!.output).toMatchObject({ language: 'deu' });
    const summary = status.results.zusammenfassung!.output as SummaryOutput;
    expect(summary.sentences).toHaveLength(2);
    expect((status.results.sachgebiet!.output as ClassificationOutput).label).toBe('bauen');
    expect(status.writeback).toMatchObject({ target: 'folder', state: 'done' });
    outboxFile = status.writeback!.location;
    expect(outboxFile).toBe(path.join(installation.config.paths.outbox, 'texte', `${receipt.documentId}.xml`));
  });

  it('writes the outbox file with the summary sentences and the AI label', () => {
    expect(fs.existsSync(outboxFile)).toBe(true);
    const xml = fs.readFileSync(outboxFile, 'utf8');
    expect(xml).toContain(`<Id>${receipt.documentId}</Id>`);
    expect(xml).toContain('<AiLabel aiGenerated="true">');
    expect(xml).toContain(`<DigitalSourceType>${DigitalSourceType.algorithmicMedia}</DigitalSourceType>`);
    expect(xml).toContain('<Provider>embedded</Provider>');
    expect(xml).toContain('<Label>bauen</Label>');
    // Each summary sentence is one of the letter's sentences, written out as is.
    const sentences = [...xml.matchAll(/<Sentence index="\d+">([^<]*)<\/Sentence>/g)].map((m) => m[1]!);
    expect(sentences).toHaveLength(2);
    for (const sentence of sentences) expect(BUILDING_LETTER).toContain(sentence);
    // No temp files left next to it.
    expect(fs.readdirSync(path.dirname(outboxFile))).toEqual([`${receipt.documentId}.xml`]);
  });

  it('keeps an audit trail: accepted, every step done, written-back, and the chain verifies', async () => {
    audit = await AuditLog.open(installation.config.auditDatabaseUrl);
    const records = await audit.forDocument(receipt.documentId);
    const trail = records.map((r: AuditRecord) => `${r.step}:${r.outcome}`);
    expect(trail).toEqual(['intake:accepted', 'intake:done', ...AI_STEPS.map((s) => `${s}:done`), 'writeback:written-back']);
    for (const record of records.filter((r) => AI_STEPS.includes(r.step))) {
      expect(record.provider).toBe('embedded');
      expect(record.model).toBeTruthy();
    }
    // Audit details never carry the document's text.
    for (const record of records) expect(record.detail ?? '').not.toContain('Lindenstraße');
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('enqueued one job per step with the deterministic id <documentId>.<step> and a payload of references only', async () => {
    const id = receipt.documentId;
    expect(await allJobIds(queues!.intake)).toEqual([`${id}.intake`]);
    expect(await allJobIds(queues!.ai)).toEqual(AI_STEPS.map((s) => `${id}.${s}`).sort());
    expect(await allJobIds(queues!.writeback)).toEqual([`${id}.writeback`]);
    expect(await allJobIds(queues!['dead-letter'])).toEqual([]);
    for (const step of PLAN) {
      const queue = step === 'intake' ? queues!.intake : step === 'writeback' ? queues!.writeback : queues!.ai;
      const job = await queue.getJob(`${id}.${step}`);
      expect(job).toBeDefined();
      expect(job!.data).toEqual({ documentId: id, routeId: 'texte', step });
      expect(await job!.getState()).toBe('completed');
    }
  });

  it('answers a second submission of the same document with duplicate=true (200), enqueues nothing and writes once', async () => {
    const before = {
      intake: await allJobIds(queues!.intake),
      ai: await allJobIds(queues!.ai),
      writeback: await allJobIds(queues!.writeback),
    };
    const mtime = fs.statSync(outboxFile).mtimeMs;

    const again = await postDocument(baseUrl, 'texte', BUILDING_LETTER);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ documentId: receipt.documentId, duplicate: true, status: 'completed', routeId: 'texte' });

    // A different document afterwards is a barrier: once it is through, anything the duplicate could
    // have set off would have run too (same queues, added earlier).
    const other = await postDocument(baseUrl, 'texte', `${BUILDING_LETTER} Nachtrag: Die Statik wurde am Montag nachgereicht.`);
    expect(other.status).toBe(202);
    expect(other.body.documentId).not.toBe(receipt.documentId);
    await waitFor('barrier document completed', async () => ((await getStatus(baseUrl, other.body.documentId)).state === 'completed' ? true : undefined));

    const otherId = other.body.documentId;
    const without = (ids: string[]) => ids.filter((j) => !j.startsWith(`${otherId}.`));
    expect(without(await allJobIds(queues!.intake))).toEqual(before.intake);
    expect(without(await allJobIds(queues!.ai))).toEqual(before.ai);
    expect(without(await allJobIds(queues!.writeback))).toEqual(before.writeback);

    const records = await audit!.forDocument(receipt.documentId);
    expect(records.filter((r) => r.outcome === 'written-back')).toHaveLength(1);
    expect(records.filter((r) => r.outcome === 'accepted')).toHaveLength(1);
    expect(records.filter((r) => r.outcome === 'skipped')).toHaveLength(0);
    expect(fs.statSync(outboxFile).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(path.dirname(outboxFile)).sort()).toEqual([`${otherId}.xml`, `${receipt.documentId}.xml`].sort());

    const status = await getStatus(baseUrl, receipt.documentId);
    expect(status.state).toBe('completed');
    expect(status.steps.every((s) => s.attempts === 1)).toBe(true);
    expect(await audit!.verify()).toMatchObject({ ok: true });
  });
});
