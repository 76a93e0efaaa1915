import { Redis } from 'ioredis';
import {
  UnavailableError,
  type CanonicalDocument,
  type DocumentState,
  type DocumentStatus,
  type StepResult,
  type StepStatus,
  type WritebackRecord,
} from '@app/contracts';

export interface DocumentStoreOptions {
  /** Key prefix shared by every process of one installation. */
  prefix: string;
  ttlSeconds: number;
}

const READY_GRACE_MS = 1500;

export type CreateOutcome = { created: true } | { created: false; existing: CanonicalDocument };

// Creates all keys of a document at once, or none when it exists: a crash can never leave meta without body.
// The readable text (ARGV[5], when there is a third key) is stored with them, saving a round trip.
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGET', KEYS[1], 'document') end
redis.call('HSET', KEYS[1], 'document', ARGV[1], 'state', 'accepted', 'updatedAt', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return false
`;

/** Name of the script as a command on the client: sent once, then called by its SHA1 (EVALSHA). */
const CREATE_COMMAND = 'schnittstelleCreateDocument';

type CreateCommand = (...args: Array<string | number | Buffer>) => Promise<unknown>;

/**
 * Bodies, text, step states and results, addressed by document id, in Redis: job payloads only carry ids,
 * and every process (gateway, AI worker, write-back; on one machine or several) sees the same documents.
 */
export class DocumentStore {
  private readonly createCommand: CreateCommand;

  constructor(
    private readonly redis: Redis,
    private readonly options: DocumentStoreOptions,
  ) {
    // The number of keys is given per call (2 or 3); ioredis loads the script again after a NOSCRIPT.
    if (typeof (redis as unknown as Record<string, unknown>)[CREATE_COMMAND] !== 'function') redis.defineCommand(CREATE_COMMAND, { lua: CREATE_SCRIPT });
    this.createCommand = (redis as unknown as Record<string, CreateCommand>)[CREATE_COMMAND]!.bind(redis);
  }

  private key(id: string, part?: string): string {
    return `${this.options.prefix}:doc:${id}${part ? `:${part}` : ''}`;
  }

  /** A connection that is (re)connecting gets a short grace period; a dead one fails at once after it. */
  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (this.redis.status === 'wait') void this.redis.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`not connected (${this.redis.status})`));
      }, READY_GRACE_MS);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await op();
    } catch (error) {
      throw new UnavailableError(`document store (Redis) did not answer while ${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Stores a new document with its body, and its readable text when given (as setText would), all at
   * once; a document that exists already is left as it is and returned.
   */
  async create(document: CanonicalDocument, body: Buffer, text?: string): Promise<CreateOutcome> {
    const keys = [this.key(document.id), this.key(document.id, 'body'), ...(text === undefined ? [] : [this.key(document.id, 'text')])];
    const args = [JSON.stringify(document), body, new Date().toISOString(), String(this.options.ttlSeconds), ...(text === undefined ? [] : [text])];
    const existing = await this.run('storing a document', () => this.createCommand(keys.length, ...keys, ...args));
    return existing ? { created: false, existing: JSON.parse(String(existing)) as CanonicalDocument } : { created: true };
  }

  async getDocument(id: string): Promise<CanonicalDocument | undefined> {
    const raw = await this.run('reading a document', () => this.redis.hget(this.key(id), 'document'));
    return raw ? (JSON.parse(raw) as CanonicalDocument) : undefined;
  }

  async getBody(id: string): Promise<Buffer | undefined> {
    return (await this.run('reading a body', () => this.redis.getBuffer(this.key(id, 'body')))) ?? undefined;
  }

  /** The readable text the AI steps work on, derived once at intake. */
  async setText(id: string, text: string): Promise<void> {
    await this.run('storing text', () => this.redis.set(this.key(id, 'text'), text, 'EX', this.options.ttlSeconds));
  }

  async getText(id: string): Promise<string | undefined> {
    return (await this.run('reading text', () => this.redis.get(this.key(id, 'text')))) ?? undefined;
  }

  async setState(id: string, state: DocumentState, reason?: string): Promise<void> {
    const fields: string[] = ['state', state, 'updatedAt', new Date().toISOString()];
    if (reason !== undefined) fields.push('reason', reason);
    await this.run('updating state', () => this.redis.hset(this.key(id), ...fields));
  }

  async setStep(id: string, status: Omit<StepStatus, 'updatedAt'>): Promise<void> {
    const value: StepStatus = { ...status, updatedAt: new Date().toISOString() };
    await this.run('updating a step', () =>
      this.redis.multi().hset(this.key(id, 'steps'), status.step, JSON.stringify(value)).expire(this.key(id, 'steps'), this.options.ttlSeconds).exec(),
    );
  }

  async saveResult(id: string, result: StepResult): Promise<void> {
    await this.run('storing a result', () =>
      this.redis.multi().hset(this.key(id, 'results'), result.step, JSON.stringify(result)).expire(this.key(id, 'results'), this.options.ttlSeconds).exec(),
    );
  }

  async getResult(id: string, step: string): Promise<StepResult | undefined> {
    const raw = await this.run('reading a result', () => this.redis.hget(this.key(id, 'results'), step));
    return raw ? (JSON.parse(raw) as StepResult) : undefined;
  }

  async getResults(id: string): Promise<Record<string, StepResult>> {
    const raw = await this.run('reading results', () => this.redis.hgetall(this.key(id, 'results')));
    return Object.fromEntries(Object.entries(raw).map(([step, json]) => [step, JSON.parse(json) as StepResult]));
  }

  /**
   * Claims the write-back of a document. Only the first caller gets true; the record is set once the
   * legacy system has the result, so a retry or second delivery sees it and does not write again.
   */
  async recordWriteback(id: string, record: WritebackRecord): Promise<boolean> {
    const set = await this.run('recording a write-back', () =>
      this.redis.set(this.key(id, 'writeback'), JSON.stringify(record), 'EX', this.options.ttlSeconds, 'NX'),
    );
    return set === 'OK';
  }

  async getWriteback(id: string): Promise<WritebackRecord | undefined> {
    const raw = await this.run('reading a write-back', () => this.redis.get(this.key(id, 'writeback')));
    return raw ? (JSON.parse(raw) as WritebackRecord) : undefined;
  }

  async getStatus(id: string, stepOrder: string[] = []): Promise<DocumentStatus | undefined> {
    const [meta, steps, results, writeback] = await this.run('reading a status', () =>
      Promise.all([
        this.redis.hgetall(this.key(id)),
        this.redis.hgetall(this.key(id, 'steps')),
        this.getResults(id),
        this.getWriteback(id),
      ]),
    );
    if (!meta.document) return undefined;
    const known = Object.values(steps).map((json) => JSON.parse(json) as StepStatus);
    const order = (step: string) => {
      const index = stepOrder.indexOf(step);
      return index === -1 ? stepOrder.length : index;
    };
    // Steps not reached yet are listed as pending, so a caller sees the whole plan.
    const listed = new Set(known.map((s) => s.step));
    const pending: StepStatus[] = stepOrder.filter((s) => !listed.has(s)).map((step) => ({ step, state: 'pending', attempts: 0, updatedAt: meta.updatedAt! }));
    return {
      document: JSON.parse(meta.document) as CanonicalDocument,
      state: meta.state as DocumentState,
      reason: meta.reason,
      steps: [...known, ...pending].sort((a, b) => order(a.step) - order(b.step)),
      results,
      writeback,
    };
  }
}
