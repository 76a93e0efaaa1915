import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, RoutesRegistry, type AppConfig } from '@app/config';
import { ConnectorRegistry, type AnyConnector, type ReceivedMessage } from '@app/connectors';
import { sourceChannel, type ConnectorRef, type Receipt, type Route, type TransportFacts } from '@app/contracts';
import { connectorContextFor, publicBaseUrl } from '@app/runtime';
import { IntakeService } from '../intake/intake.service.js';

/** A crashed source waits this long at most before its next start. */
export const MAX_RESTART_DELAY_MS = 60_000;
/** A source that ran this long before it failed counts as healthy again: its backoff starts over. */
const HEALTHY_AFTER_MS = 60_000;
/** Shutdown waits this long for sources to honour the abort signal, then goes on without them. */
const STOP_GRACE_MS = 10_000;

/** Bounds for the transport facts kept with a document: a few short addressing identifiers, never a payload. */
export const MAX_TRANSPORT_META_ENTRIES = 32;
export const MAX_TRANSPORT_META_VALUE_CHARS = 1000;
const TRANSPORT_META_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * The transport facts a source gave with a message, as kept with the document: entries with a plain key and a
 * short single-line string value; anything else is dropped and named (by key) in `dropped`. Undefined when
 * nothing is left, so documents without transport facts stay as they were.
 */
export function transportFactsOf(connectorName: string, meta: ReceivedMessage['meta']): { facts?: TransportFacts; dropped: string[] } {
  if (meta === undefined || meta === null || typeof meta !== 'object') return { dropped: [] };
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, raw] of Object.entries(meta)) {
    const value = typeof raw === 'string' ? raw.trim() : undefined;
    const fits = TRANSPORT_META_KEY.test(key) && value !== undefined && value !== '' && value.length <= MAX_TRANSPORT_META_VALUE_CHARS && !CONTROL_CHARS.test(value);
    if (fits && Object.keys(kept).length < MAX_TRANSPORT_META_ENTRIES) kept[key] = value;
    // A key that is itself odd is not repeated into the log.
    else dropped.push(TRANSPORT_META_KEY.test(key) ? key : '(unnamed key)');
  }
  return Object.keys(kept).length > 0 ? { facts: { connector: connectorName, meta: kept }, dropped } : { dropped };
}

/** The delay before restart number `failures` (1, 2, ...): exponential from `baseMs`, capped. */
export function restartDelay(failures: number, baseMs: number, maxMs = MAX_RESTART_DELAY_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

interface RunningSource {
  label: string;
  done: Promise<void>;
}

/**
 * Runs the `sources:` of every route (a connector's `receive`, e.g. an XTA 2 mailbox poller) from start to
 * shutdown. What a source fetches goes through intake like any other way in, on the channel
 * `source:<connector>`, with the transport's message id as correlation id, so a message fetched twice is
 * one document, and with the transport facts it came with (`meta`) kept as `document.transport`. A source
 * that throws or returns is logged and started again with exponential backoff (from JOB_BACKOFF_MS up to a
 * minute); one source failing never stops the others or the process.
 */
@Injectable()
export class SourceRunnerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SourceRunnerService.name);
  private readonly abort = new AbortController();
  private readonly running: RunningSource[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly intake: IntakeService,
    private readonly connectors: ConnectorRegistry,
  ) {}

  onApplicationBootstrap(): void {
    for (const route of this.routes.all()) {
      route.sources?.forEach((ref, index) => {
        const connector = this.connectors.get(ref.connector);
        const label = `${route.id}/sources[${index}] ${connector.name}`;
        this.running.push({ label, done: this.keepRunning(route, ref, connector, label) });
      });
    }
    if (this.running.length > 0) this.logger.log(`started ${this.running.length} source(s): ${this.running.map((s) => s.label).join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
    const outcome = await Promise.race([Promise.all(this.running.map((s) => s.done)).then(() => 'stopped' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'late') this.logger.warn(`sources still running ${STOP_GRACE_MS} ms after the stop signal; shutting down without them`);
  }

  /** Hands a fetched message to intake; resolves once it is stored and enqueued (or known), rejects with intake's error. */
  deliver(route: Route, connector: AnyConnector, message: ReceivedMessage): Promise<Receipt> {
    const { facts, dropped } = transportFactsOf(connector.name, message.meta);
    if (dropped.length > 0) this.logger.warn(`${route.id}/${connector.name}: transport facts not kept (empty, too long or multi-line): ${dropped.join(', ')}`);
    return this.intake.submit(
      {
        routeId: route.id,
        channel: sourceChannel(connector.name),
        body: message.body,
        contentType: message.mediaType,
        filename: message.filename,
        correlationId: message.transportId,
        ...(facts ? { transport: facts } : {}),
      },
      publicBaseUrl(this.config, this.config.http.port),
    );
  }

  private async keepRunning(route: Route, ref: ConnectorRef, connector: AnyConnector, label: string): Promise<void> {
    const signal = this.abort.signal;
    const ctx = connectorContextFor(this.config, route, ref, this.logger, label);
    const deliver = (message: ReceivedMessage) => this.deliver(route, connector, message);
    let failures = 0;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        // Called inside the promise chain, so a hook that throws at once is caught like one that rejects.
        await Promise.resolve().then(() => connector.receive!(deliver, ctx, signal));
        if (signal.aborted) break;
        this.logger.warn(`${label}: receive returned before the stop signal; starting it again`);
      } catch (error) {
        if (signal.aborted) break;
        this.logger.error(`${label}: failed: ${(error as Error)?.message ?? String(error)}`);
      }
      failures = Date.now() - started >= HEALTHY_AFTER_MS ? 1 : failures + 1;
      const delay = restartDelay(failures, this.config.queue.backoffMs);
      this.logger.warn(`${label}: next start in ${delay} ms (failure ${failures})`);
      await sleep(delay, signal);
    }
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
