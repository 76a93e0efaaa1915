import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, PermanentError } from '@app/contracts';
import type { Receipt } from '@app/contracts';
import type { ReceivedMessage } from '../sdk/index.js';
import { XTA2_RECEIVED_META_KEYS } from './xta2.constants.js';
import type { Xta2FetchedMessage, Xta2StatusList } from './xta2.client.js';
import type { Xta2Party } from './xta2-metadata.builder.js';
import type { Xta2MetaDataSummary } from './xta2-metadata.reader.js';

/** The MsgBox operations the poller uses (Xta2Client has them). */
export interface Xta2MsgBox {
  getStatusList(account: Xta2Party, maxItems: number, signal?: AbortSignal): Promise<Xta2StatusList>;
  getMessage(account: Xta2Party, messageId: string, signal?: AbortSignal): Promise<Xta2FetchedMessage>;
  close(account: Xta2Party, messageId: string, requestId: string | undefined, signal?: AbortSignal): Promise<void>;
}

export type Xta2Deliver = (message: ReceivedMessage) => Promise<Receipt>;

export interface Xta2PollerOptions {
  /** The account whose box is polled. */
  account: Xta2Party;
  maxMessagesPerPoll: number;
  pollIntervalMs: number;
  onRefused: 'close' | 'leave';
  /** The route's size limit: larger messages are not fetched. */
  maxBytes: number;
  log: { info(message: string): void; warn(message: string): void };
  /** Consecutive failed fetches of one message (server answering otherwise) before it is set aside. Default 3. */
  maxFetchAttempts?: number;
}

/** What one poll did, for tests and logs. */
export interface Xta2PollResult {
  listed: number;
  /** Delivered and closed (new documents or ones the core recognised as duplicates). */
  taken: number;
  /** Offered again after they had been taken in this run: closed again, not delivered again. */
  reoffered: number;
  /** Refused by the route (InputError). */
  refused: number;
  /** Left in the box for the rest of this run. */
  setAside: number;
  /** True when the poll stopped early for something that may pass (the next poll retries). */
  interrupted: boolean;
  /** True when the box holds more than this poll could take: poll again without pausing. */
  more: boolean;
}

/** A set that forgets its oldest entries beyond `max`, so a process running for months stays bounded. */
class RecentSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(value: string): boolean {
    return this.items.has(value);
  }
  add(value: string): void {
    this.items.delete(value);
    this.items.add(value);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
  delete(value: string): void {
    this.items.delete(value);
  }
}

const REMEMBERED = 10_000;

/**
 * Polls one XTA 2 message box: getStatusList, then per message getMessage, `deliver`, and close only
 * once `deliver` resolved (the document is stored and enqueued, or recognised as a duplicate). The XTA
 * MessageID is the message's transportId, which the core uses as correlation id, so a message the box
 * hands out twice becomes the same document; MessageID, author, message type and business scenario go
 * with it as `meta` (receivedMeta), so that the results can answer the author. Within one run the
 * poller also never delivers a message twice: one offered again after it was taken (its close failed,
 * or the box re-offers it) is only closed again.
 *
 * When a message is not taken:
 * - `deliver` throws RetryableError or anything unknown (Redis away): the message stays open and the
 *   poll ends; the next poll tries again.
 * - `deliver` throws InputError (the route refuses the message): `onRefused: close` closes it and
 *   reports it; `leave` leaves it in the box and skips it until the next start.
 * - `deliver` throws another PermanentError (the route cannot take anything, e.g. misconfigured): left
 *   in the box and skipped until the next start, so that a fixed configuration finds it again.
 * - Too large for the route, end-to-end encrypted, with attachments (one message carries one body),
 *   or failing to fetch `maxFetchAttempts` times in a row: left in the box and skipped until the next start.
 * Messages left in the box still take their place in its status list: when as many accumulate as
 * `maxMessagesPerPoll`, newer ones are not listed until an operator removes them (reported once).
 * Operator notes name MessageIDs and error codes, never content.
 */
export class Xta2Poller {
  /** Delivered (or refused and closed) in this run: never delivered again, only closed again. */
  private readonly settled = new RecentSet(REMEMBERED);
  /** Left in the box for this run. */
  private readonly skipped = new RecentSet(REMEMBERED);
  private readonly fetchFailures = new Map<string, number>();
  private lastPollFailure: string | undefined;
  private blockedNoted = false;

  constructor(
    private readonly box: Xta2MsgBox,
    private readonly opts: Xta2PollerOptions,
  ) {}

  /** Polls until `signal` aborts; resolves then. Failures of a poll are reported and retried at the next. */
  async run(deliver: Xta2Deliver, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let more = false;
      try {
        more = (await this.pollOnce(deliver, signal)).more;
        if (this.lastPollFailure) this.opts.log.info('XTA message box answers again');
        this.lastPollFailure = undefined;
      } catch (error) {
        if (signal.aborted) break;
        // The same failure every poll is one note, not one per poll.
        const note = `XTA poll failed: ${describe(error)}; next try in ${this.opts.pollIntervalMs} ms`;
        if (note !== this.lastPollFailure) this.opts.log.warn(note);
        this.lastPollFailure = note;
      }
      if (!more && !signal.aborted) await sleep(this.opts.pollIntervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** One poll: lists the box and handles every listed message once. Rejects when the list cannot be had. */
  async pollOnce(deliver: Xta2Deliver, signal: AbortSignal): Promise<Xta2PollResult> {
    const { account, log } = this.opts;
    const list = await this.box.getStatusList(account, this.opts.maxMessagesPerPoll, signal);
    const result: Xta2PollResult = { listed: list.entries.length, taken: 0, reoffered: 0, refused: 0, setAside: 0, interrupted: false, more: false };
    const seenInList = new Set<string>();
    let unnamed = 0;

    for (const entry of list.entries) {
      if (signal.aborted) return { ...result, interrupted: true };
      const id = entry.messageId;
      if (!id) {
        unnamed += 1;
        continue;
      }
      if (seenInList.has(id)) continue;
      seenInList.add(id);

      if (this.settled.has(id)) {
        result.reoffered += 1;
        await this.closeQuietly(id, undefined, signal);
        continue;
      }
      if (this.skipped.has(id)) continue;
      if (entry.sizeBytes !== undefined && entry.sizeBytes > this.opts.maxBytes) {
        this.setAside(id, `is ${entry.sizeBytes} bytes, more than the route's limit of ${this.opts.maxBytes}`, result);
        continue;
      }

      let fetched: Xta2FetchedMessage;
      try {
        fetched = await this.box.getMessage(account, id, signal);
        this.fetchFailures.delete(id);
      } catch (error) {
        if (signal.aborted) return { ...result, interrupted: true };
        if (isCode(error, 'xta2-invalid-message-id')) continue; // gone from the box since the list was made
        if (error instanceof PermanentError) {
          this.setAside(id, `could not be fetched (${describe(error)})`, result);
          continue;
        }
        const failures = (this.fetchFailures.get(id) ?? 0) + 1;
        this.fetchFailures.set(id, failures);
        if (failures >= (this.opts.maxFetchAttempts ?? 3)) {
          this.fetchFailures.delete(id);
          this.setAside(id, `failed to fetch ${failures} times in a row (${describe(error)})`, result);
          continue;
        }
        log.warn(`XTA message ${id} could not be fetched (${describe(error)}); the next poll tries again`);
        return { ...result, interrupted: true };
      }

      if (fetched.content.kind === 'encrypted') {
        this.setAside(id, 'is end-to-end encrypted (xenc:EncryptedData), which Schnittstelle cannot read', result);
        continue;
      }
      const { message, attachments } = fetched.content;
      if (attachments.length > 0) {
        this.setAside(id, `carries ${attachments.length} attachment(s) besides the message; the xta2 source takes single-part messages only`, result);
        continue;
      }
      if (message.body.length > this.opts.maxBytes) {
        this.setAside(id, `is ${message.body.length} bytes, more than the route's limit of ${this.opts.maxBytes}`, result);
        continue;
      }

      let receipt: Receipt;
      try {
        receipt = await deliver({
          transportId: id,
          body: message.body,
          ...(message.contentType ? { mediaType: message.contentType.split(';')[0]!.trim().toLowerCase() } : {}),
          ...(message.filename ? { filename: message.filename } : {}),
          // The metadata getMessage answered with; the status list's when a server sends none there.
          meta: receivedMeta(id, fetched.metaData ?? entry.metaData),
        });
      } catch (error) {
        if (error instanceof InputError) {
          result.refused += 1;
          if (this.opts.onRefused === 'close') {
            log.warn(`XTA message ${id} was refused by route (${error.code}); closed at the box`);
            this.settled.add(id);
            await this.closeQuietly(id, fetched.requestId, signal);
          } else {
            log.warn(`XTA message ${id} was refused by route (${error.code}); left in the box until an operator removes it`);
            this.skipped.add(id);
          }
          continue;
        }
        if (error instanceof PermanentError) {
          this.setAside(id, `cannot be taken in (${describe(error)})`, result);
          continue;
        }
        log.warn(`XTA message ${id} could not be taken in now (${describe(error)}); left open, the next poll tries again`);
        return { ...result, interrupted: true };
      }

      this.settled.add(id);
      result.taken += 1;
      log.info(`XTA message ${id} taken in as document ${receipt.documentId}${receipt.duplicate ? ' (a duplicate of one taken before)' : ''}`);
      await this.closeQuietly(id, fetched.requestId, signal);
    }

    if (unnamed > 0) log.warn(`XTA status list named ${unnamed} message(s) without a MessageID; they cannot be fetched`);
    const full = list.entries.length >= this.opts.maxMessagesPerPoll || (list.itemsPending ?? 0) > 0;
    const progress = result.taken + result.refused > 0;
    // Only when this poll made progress: a list full of set-aside messages would otherwise spin.
    result.more = full && progress;
    if (full && !progress && result.reoffered === 0 && !this.blockedNoted) {
      // The box lists its oldest messages first: set-aside ones keep newer ones off the list.
      log.warn(`XTA status list holds only messages left in the box (${list.entries.length}); newer messages are listed once an operator removes them or maxMessagesPerPoll is raised`);
      this.blockedNoted = true;
    } else if (progress) {
      this.blockedNoted = false;
    }
    return result;
  }

  private setAside(id: string, why: string, result: Xta2PollResult): void {
    result.setAside += 1;
    this.skipped.add(id);
    this.opts.log.warn(`XTA message ${id} ${why}; left in the box and skipped until the next start`);
  }

  /** A failed close is reported, not thrown: the message was taken, and if the box offers it again it is only closed. */
  private async closeQuietly(id: string, requestId: string | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    try {
      await this.box.close(this.opts.account, id, requestId, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (isCode(error, 'xta2-invalid-message-id')) return; // already closed
      this.opts.log.warn(`XTA message ${id} was taken in but could not be closed (${describe(error)}); it is closed when offered again`);
    }
  }
}

/** The transport facts kept with the document (see XTA2_RECEIVED_META_KEYS): who sent it, its MessageID and type. */
export function receivedMeta(messageId: string, metaData: Xta2MetaDataSummary | undefined): Record<string, string> {
  const keys = XTA2_RECEIVED_META_KEYS;
  const meta: Record<string, string> = { [keys.messageId]: messageId };
  if (metaData?.author?.id) {
    meta[keys.sender] = metaData.author.id;
    if (metaData.author.type) meta[keys.senderType] = metaData.author.type;
  }
  if (metaData?.messageType?.code) meta[keys.messageType] = metaData.messageType.code;
  if (metaData?.businessScenario) meta[keys.businessScenario] = metaData.businessScenario;
  return meta;
}

function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | undefined)?.code === code;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
