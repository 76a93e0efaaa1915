import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import soap from 'soap';
import { AuditLog } from '@app/audit';
import { DigitalSourceType, type ClassificationOutput, type DocumentStatus, type SummaryOutput } from '@app/contracts';
import { startApplication, type RunningApp } from '@app/runtime';
import { legacyWritebackYaml, startLegacyStandIn, testInstallation, waitFor, type LegacyCall, type LegacyStandIn, type TestInstallation } from '@app/testing';
import { ANALYSIS_STEPS_YAML, callSoap11, getStatus, http, loadApps, postDocument, removeInstallation } from './support.js';

const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0/');

function sample(name: string): { xml: string; processId: string; messageType: string } {
  const xml = fs.readFileSync(path.join(SAMPLES, name), 'utf8');
  const processId = /<xdomea:ProzessID>([^<]+)<\/xdomea:ProzessID>/.exec(xml)?.[1];
  const messageType = /<xdomea:Nachrichtentyp>\s*<code>([^<]+)<\/code>/.exec(xml)?.[1];
  if (!processId || !messageType) throw new Error(`sample ${name} has no ProzessID or Nachrichtentyp`);
  return { xml, processId, messageType };
}

function routes(endpoint: string): string {
  return `
routes:
  archiv:
    accept: [soap, rest]
    steps:${ANALYSIS_STEPS_YAML}${legacyWritebackYaml(endpoint, { timeoutMs: 5000 })}
`;
}

describe('write-back over SOAP to a legacy DMS stand-in (whole middleware in-process)', () => {
  let standIn: LegacyStandIn | undefined;
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let audit: AuditLog | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    standIn = await startLegacyStandIn();
    installation = await testInstallation(routes(standIn.url));
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    baseUrl = running.baseUrl;
    audit = await AuditLog.open(installation.config.auditDatabaseUrl);
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      await standIn?.close();
      await audit?.close();
      await removeInstallation(installation);
    }
  });

  const callsFor = (documentId: string): LegacyCall[] => standIn!.calls.filter((c) => c.args?.documentId === documentId);
  const successfulCallsFor = (documentId: string) => callsFor(documentId).filter((c) => !c.failedWith);

  async function settled(documentId: string, want: DocumentStatus['state']): Promise<DocumentStatus> {
    return waitFor(`document ${documentId} ${want}`, async () => {
      const s = await getStatus(baseUrl, documentId);
      if (s.state === want) return s;
      if (s.state === 'completed' || (s.state === 'failed' && want !== 'failed')) throw new Error(`document ended ${s.state} (${s.reason ?? ''}), expected ${want}`);
      return undefined;
    });
  }

  it('takes an xdomea message in over SOAP and calls storeAnalysis once with ids, summary, category and the AI label', async () => {
    const message = sample('xx_Aussonderung.Aussonderung.0503.xml');
    const client = await soap.createClientAsync(`${baseUrl}/soap/v1?wsdl`);
    const answer = await callSoap11(client, 'submitDocument', { routeId: 'archiv', xmlDocument: message.xml });
    const receipt = answer.receipt;
    expect(receipt).toMatchObject({ routeId: 'archiv', status: 'accepted', duplicate: false });
    const documentId: string = receipt.documentId;

    const status = await settled(documentId, 'completed');
    expect(status.document.xoev).toMatchObject({ processId: message.processId, messageTypeCode: message.messageType });
    expect(status.steps.map((s) => `${s.step}:${s.state}:${s.attempts}`)).toEqual([
      'intake:done:1',
      'sprache:done:1',
      'zusammenfassung:done:1',
      'sachgebiet:done:1',
      'writeback:done:1',
    ]);
    expect(status.writeback).toMatchObject({ target: 'soap', state: 'done', location: `${standIn!.url}#storeAnalysis` });

    const calls = callsFor(documentId);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.operation).toBe('storeAnalysis');
    expect(call!.soapVersion).toBe('1.1');
    expect(call!.failedWith).toBeUndefined();

    const summary = (status.results.zusammenfassung!.output as SummaryOutput).summary;
    const classification = status.results.sachgebiet!.output as ClassificationOutput;
    expect(summary.length).toBeGreaterThan(0);
    const args = call!.args;
    expect(args.documentId).toBe(documentId);
    expect(args.processId).toBe(message.processId);
    expect(args.messageType).toBe(message.messageType);
    expect(args.summary).toBe(summary);
    expect(args.category).toBe(classification.label);
    expect(Number(args.confidence)).toBeCloseTo(classification.confidence, 6);
    expect(args.language).toBe((status.results.sprache!.output as { language: string }).language);

    const latest = Object.values(status.results).map((r) => r.label.generatedAt).sort().at(-1)!;
    expect(args.aiLabel).toBeDefined();
    expect(String(args.aiLabel.aiGenerated)).toBe('true');
    expect(args.aiLabel.digitalSourceType).toBe(DigitalSourceType.algorithmicMedia);
    expect(args.aiLabel.provider).toBe('embedded');
    expect(String(args.aiLabel.model).split(', ').sort()).toEqual(Object.values(status.results).map((r) => r.label.model).sort());
    expect(new Date(args.aiLabel.generatedAt).toISOString()).toBe(latest);
    expect(args.aiLabel.reviewState).toBe('unreviewed');

    const trail = (await audit!.forDocument(documentId)).map((r) => `${r.step}:${r.outcome}`);
    expect(trail).toEqual(['intake:accepted', 'intake:done', 'sprache:done', 'zusammenfassung:done', 'sachgebiet:done', 'writeback:written-back']);
    expect(await audit!.verify()).toMatchObject({ ok: true });
  });

  it('retries soap:Server faults and delivers once the legacy system answers', async () => {
    const message = sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml');
    standIn!.failNext(2, 'server-fault');
    const submitted = await postDocument(baseUrl, 'archiv', message.xml, 'application/xml');
    expect(submitted.status).toBe(202);
    const documentId = submitted.body.documentId;

    const status = await settled(documentId, 'completed');
    const writeback = status.steps.find((s) => s.step === 'writeback')!;
    expect(writeback.state).toBe('done');
    expect(writeback.attempts).toBe(3);

    const calls = callsFor(documentId);
    expect(calls.map((c) => c.failedWith ?? 'ok')).toEqual(['server-fault', 'server-fault', 'ok']);
    expect(successfulCallsFor(documentId)).toHaveLength(1);
    expect(successfulCallsFor(documentId)[0]!.args.processId).toBe(message.processId);

    const records = await audit!.forDocument(documentId);
    const retrying = records.filter((r) => r.step === 'writeback' && r.outcome === 'retrying');
    expect(retrying).toHaveLength(2);
    for (const r of retrying) expect(r.detail).toContain('Archiv voruebergehend nicht erreichbar');
    expect(records.filter((r) => r.outcome === 'written-back')).toHaveLength(1);
    expect(records.filter((r) => r.outcome === 'failed')).toHaveLength(0);
    expect(await audit!.verify()).toMatchObject({ ok: true });
  });

  it('fails at once on a soap:Client fault, keeps a dead letter, and a replay completes the document', async () => {
    const message = sample('xx_Aussonderung.Bewertungsverzeichnis.0502.xml');
    standIn!.failNext(1, 'client-fault');
    const submitted = await postDocument(baseUrl, 'archiv', message.xml, 'application/xml');
    expect(submitted.status).toBe(202);
    const documentId = submitted.body.documentId;
    const jobId = `${documentId}.writeback`;

    const failed = await settled(documentId, 'failed');
    const step = failed.steps.find((s) => s.step === 'writeback')!;
    expect(step.state).toBe('failed');
    expect(step.attempts).toBe(1);
    expect(step.error).toContain(`Dokument ${documentId} ist nicht bekannt`);
    expect(failed.reason).toContain('writeback:');
    expect(failed.reason).toContain(`Dokument ${documentId} ist nicht bekannt`);
    expect(failed.writeback).toBeUndefined();
    expect(callsFor(documentId).map((c) => c.failedWith ?? 'ok')).toEqual(['client-fault']);

    const letters = await waitFor('dead letter listed', async () => {
      const answer = await http(`${baseUrl}/ops/dead-letter`);
      expect(answer.status).toBe(200);
      const found = (answer.body as Array<{ jobId: string; reason: string }>).filter((l) => l.jobId === jobId);
      return found.length > 0 ? found : undefined;
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ documentId, routeId: 'archiv', step: 'writeback', queue: 'writeback', jobId });
    expect(letters[0]!.reason).toContain('ist nicht bekannt');

    const records = await audit!.forDocument(documentId);
    expect(records.filter((r) => r.step === 'writeback').map((r) => r.outcome)).toEqual(['failed']);

    // The legacy system works again (failNext is used up): replay.
    const replay = await http(`${baseUrl}/ops/dead-letter/${encodeURIComponent(jobId)}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayed: jobId });

    const done = await settled(documentId, 'completed');
    expect(done.steps.find((s) => s.step === 'writeback')!.state).toBe('done');
    expect(done.writeback).toMatchObject({ target: 'soap', state: 'done' });
    expect(callsFor(documentId).map((c) => c.failedWith ?? 'ok')).toEqual(['client-fault', 'ok']);
    expect(successfulCallsFor(documentId)).toHaveLength(1);

    const after = await http<Array<{ jobId: string }>>(`${baseUrl}/ops/dead-letter`);
    expect(after.body.filter((l) => l.jobId === jobId)).toEqual([]);
    const trail = (await audit!.forDocument(documentId)).filter((r) => r.step === 'writeback').map((r) => r.outcome);
    expect(trail).toEqual(['failed', 'written-back']);
    expect(await audit!.verify()).toMatchObject({ ok: true });

    // A second replay of the same letter finds nothing.
    const again = await http(`${baseUrl}/ops/dead-letter/${encodeURIComponent(jobId)}/replay`, { method: 'POST' });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: 'not-found' });
  });

  it('called the legacy system exactly once successfully per document over the whole run', () => {
    const ok = standIn!.calls.filter((c) => !c.failedWith).map((c) => c.args.documentId as string);
    expect(ok).toHaveLength(3);
    expect(new Set(ok).size).toBe(3);
  });
});
