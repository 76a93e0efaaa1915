import fs from 'node:fs';
import { Queue } from 'bullmq';
import type { AppConfig } from '@app/config';
import type { DocumentStatus, Receipt } from '@app/contracts';
import { ALL_QUEUES, redisOptionsFromUrl, type QueueName } from '@app/queue';
import { aiWorkerApp } from '../../apps/ai-worker/src/ai-worker.module.js';
import { gatewayApp } from '../../apps/gateway/src/gateway.module.js';
import { writebackApp } from '../../apps/writeback/src/writeback.module.js';

/** Shared bits of the integration tests: talk to a running installation the way a client would. */

/** The three apps, as the all-in-one process runs them. */
export async function loadApps() {
  return [gatewayApp, aiWorkerApp, writebackApp];
}

export const ANALYSIS_STEPS_YAML = `
      - id: sprache
        task: detect-language
      - id: zusammenfassung
        task: summarise
        sentences: 2
      - id: sachgebiet
        task: classify
        fallbackLabel: sonstiges
        labels:
          bauen: [bau, bebauungsplan, baugenehmigung, gebäude, sanierung]
          finanzen: [steuer, gebühr, haushalt, abgabe, zahlung]
          umwelt: [abwasser, abfall, müll, natur, umwelt, lärm]
          verwaltung: [hauptsatzung, gemeinderat, ausschuss, sitzung, aussonderung, archiv]
`;

/** German prose the embedded steps can work on: several sentences, clearly about building. */
export const BUILDING_LETTER = [
  'Sehr geehrte Damen und Herren, hiermit beantragen wir die Baugenehmigung für den Umbau des Gebäudes in der Lindenstraße 12.',
  'Der Bebauungsplan der Gemeinde sieht für das Grundstück eine Wohnbebauung mit zwei Vollgeschossen vor.',
  'Die Sanierung des Daches und der Fassade soll im kommenden Frühjahr beginnen und bis zum Herbst abgeschlossen sein.',
  'Für die Bauzeit wird eine Sondernutzung des Gehwegs vor dem Gebäude beantragt, damit das Gerüst aufgestellt werden kann.',
  'Die Unterlagen des Architekten mit den Bauzeichnungen und der Statik liegen diesem Schreiben bei.',
  'Wir bitten um eine kurze Bestätigung des Eingangs und um Mitteilung, ob weitere Unterlagen für die Baugenehmigung benötigt werden.',
  'Mit freundlichen Grüßen, die Bauherrengemeinschaft Lindenstraße.',
].join(' ');

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = any>(url: string, init: RequestInit = {}): Promise<HttpAnswer<T>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000), ...init });
  const text = await res.text();
  let body: any = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export function postDocument(baseUrl: string, route: string, body: string | Buffer, contentType = 'text/plain; charset=utf-8', extra: RequestInit = {}) {
  return http<Receipt & { error?: string; message?: string }>(`${baseUrl}/api/v1/documents?route=${encodeURIComponent(route)}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    ...extra,
  });
}

export async function getStatus(baseUrl: string, documentId: string): Promise<DocumentStatus> {
  const answer = await http<DocumentStatus>(`${baseUrl}/api/v1/documents/${documentId}`);
  if (answer.status !== 200) throw new Error(`status of ${documentId}: HTTP ${answer.status} ${answer.text}`);
  return answer.body;
}

/** One BullMQ Queue handle per queue of the installation; close() them in afterAll. */
export function openQueues(config: AppConfig): Record<QueueName, Queue> {
  const connection = redisOptionsFromUrl(config.redis.url);
  return Object.fromEntries(ALL_QUEUES.map((name) => [name, new Queue(name, { connection, prefix: config.queue.prefix })])) as Record<QueueName, Queue>;
}

export async function closeQueues(queues: Record<string, Queue> | undefined): Promise<void> {
  if (!queues) return;
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** Every job of every state in a queue. */
export async function allJobIds(queue: Queue): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'], 0, 10_000);
  return jobs.map((j) => j.id!).sort();
}

/** Sum of all job counts over every queue of the installation. */
export async function totalJobs(queues: Record<QueueName, Queue>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, queue] of Object.entries(queues)) {
    const counts = await queue.getJobCounts();
    out[name] = Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return out;
}

export function rmDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

export { dropInstallationKeys, removeInstallation } from '@app/testing';

/**
 * Calls an operation of Schnittstelle's SOAP 1.1 port with a node-soap client. Not `client.submitDocumentAsync`:
 * node-soap binds its top-level methods to the WSDL's last port (SchnittstelleSoap12, /soap12/v1) while
 * still sending a SOAP 1.1 envelope, which that port rightly refuses with VersionMismatch.
 */
export function callSoap11(client: any, operation: string, args: object): Promise<any> {
  const method = client.SchnittstelleService.SchnittstelleSoap11[operation];
  return new Promise((resolve, reject) => method(args, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result))));
}
