import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DeferredError, type ProviderLimits } from '@app/contracts';

export interface AiUsageStoreOptions {
  /** Key prefix shared by every process of one installation. */
  prefix: string;
  /** IANA time zone in which a budget day starts at midnight. */
  timeZone: string;
  /** How long a call may hold its place before it counts as abandoned (a crashed worker). */
  leaseMs?: number;
  now?: () => number;
}

export interface ProviderUsage {
  /** Calls under way now, across all processes. */
  active: number;
  /** Calls started in the last 60 seconds. */
  lastMinute: number;
}

export interface BudgetState {
  tokensPerDay: number;
  used: number;
  remaining: number;
  /** The budget day, `YYYY-MM-DD` in the configured time zone. */
  day: string;
  /** When the next day's budget starts (ISO 8601). */
  resetsAt: string;
}

const MINUTE_MS = 60_000;

// Takes a place under both limits at once or none: a crashed holder's place is freed when its lease ends.
// KEYS: active set, started set. ARGV: now, member, leaseMs, concurrency (0 = none), perMinute (0 = none).
// Returns 0 when admitted, else the milliseconds until a place may be free.
const ENTER_SCRIPT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
local concurrency = tonumber(ARGV[4])
local perMinute = tonumber(ARGV[5])
local wait = 0
if concurrency > 0 and redis.call('ZCARD', KEYS[1]) >= concurrency then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = math.max(wait, math.min(tonumber(first[2]) - now, 1000))
end
if perMinute > 0 and redis.call('ZCARD', KEYS[2]) >= perMinute then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  wait = math.max(wait, tonumber(oldest[2]) + 60000 - now)
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 60000)
redis.call('PEXPIRE', KEYS[2], 120000)
return 0
`;

/**
 * Limits on AI use that hold across every process of an installation, kept in Redis: a provider's calls at
 * once and per minute, and a route's tokens per day. A limit reached is a DeferredError telling the queue
 * when to try again, so waiting costs no attempt and never fails a document.
 */
export class AiUsageStore {
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: AiUsageStoreOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 15 * MINUTE_MS;
    this.now = options.now ?? Date.now;
  }

  private key(...parts: string[]): string {
    return `${this.options.prefix}:ai-usage:${parts.join(':')}`;
  }

  /**
   * Takes a place with the provider, or throws DeferredError `provider-busy` with the time a place may be
   * free. Resolves with the function that gives the place back.
   */
  async enterProvider(provider: string, limits: ProviderLimits | undefined): Promise<() => Promise<void>> {
    if (!limits?.concurrency && !limits?.requestsPerMinute) return async () => undefined;
    const now = this.now();
    const member = randomUUID();
    const active = this.key('provider', provider, 'active');
    const wait = Number(
      await this.redis.eval(ENTER_SCRIPT, 2, active, this.key('provider', provider, 'started'), now, member, this.leaseMs, limits.concurrency ?? 0, limits.requestsPerMinute ?? 0),
    );
    if (wait > 0) {
      throw new DeferredError(`AI provider "${provider}" is at its limit (${describeLimits(limits)}); the step waits`, 'provider-busy', now + wait);
    }
    return async () => {
      await this.redis.zrem(active, member);
    };
  }

  async providerUsage(provider: string): Promise<ProviderUsage> {
    const now = this.now();
    const [active, lastMinute] = await Promise.all([
      this.redis.zcount(this.key('provider', provider, 'active'), now, '+inf'),
      this.redis.zcount(this.key('provider', provider, 'started'), now - MINUTE_MS, '+inf'),
    ]);
    return { active, lastMinute };
  }

  async budget(routeId: string, tokensPerDay: number): Promise<BudgetState> {
    const { day, resetsAt } = budgetDay(this.now(), this.options.timeZone);
    const used = Number((await this.redis.get(this.key('budget', routeId, day))) ?? 0);
    return { tokensPerDay, used, remaining: Math.max(0, tokensPerDay - used), day, resetsAt: new Date(resetsAt).toISOString() };
  }

  /** Throws DeferredError `token-budget-spent` (retry when the next day starts) once the day's tokens are used. */
  async assertBudget(routeId: string, tokensPerDay: number | undefined): Promise<void> {
    if (tokensPerDay === undefined) return;
    const state = await this.budget(routeId, tokensPerDay);
    if (state.remaining > 0) return;
    throw new DeferredError(
      `route "${routeId}" has used its ${tokensPerDay} tokens for ${state.day}; the next budget starts at ${state.resetsAt}`,
      'token-budget-spent',
      Date.parse(state.resetsAt),
    );
  }

  /** Counts tokens a step used against its route's budget of the day. */
  async addTokens(routeId: string, tokens: number): Promise<void> {
    if (!(tokens > 0)) return;
    const key = this.key('budget', routeId, budgetDay(this.now(), this.options.timeZone).day);
    await this.redis.multi().incrby(key, Math.round(tokens)).expire(key, 3 * 86_400).exec();
  }
}

function describeLimits(limits: ProviderLimits): string {
  return [limits.concurrency && `${limits.concurrency} at once`, limits.requestsPerMinute && `${limits.requestsPerMinute} per minute`].filter(Boolean).join(', ');
}

/** The calendar day of `now` in `timeZone`, and the instant the next one starts there (DST included). */
export function budgetDay(now: number, timeZone: string): { day: string; resetsAt: number } {
  const day = localDate(now, timeZone);
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  // Midnight of the next local day: start from UTC midnight and correct by the zone's offset at that time.
  const guess = Date.UTC(year, month - 1, date + 1);
  let resetsAt = guess - offsetMs(guess, timeZone);
  resetsAt = guess - offsetMs(resetsAt, timeZone);
  return { day, resetsAt };
}

function localDate(instant: number, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** How far the zone's wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}
