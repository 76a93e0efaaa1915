import path from 'node:path';
import type { ProviderConfig, Route } from '@app/contracts';
import type { SecurityConfig } from './security.config.js';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface RedisConfig {
  url: string;
  /** False when REDIS_URL was not set: only then may a private redis-server be started. */
  explicit: boolean;
}

export interface AppConfig {
  redis: RedisConfig;
  http: { host: string; port: number; publicBaseUrl?: string; keepAliveTimeoutMs: number };
  paths: { varDir: string; inbox: string; outbox: string; routesFile: string };
  auditDatabaseUrl: string;
  queue: { prefix: string; attempts: number; backoffMs: number; concurrency: number };
  limits: { maxBodyBytes: number };
  /** Worker threads for the XML reading of intake (0: in-process), and how long one document may take on one. */
  xml: { workers: number; timeoutMs: number };
  documents: { ttlSeconds: number };
  folder: { pollMs: number; stableMs: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  routes: Route[];
  /** AI providers of the providers file (the embedded one is always there and not listed). */
  providers: ProviderConfig[];
  tokenBudgetTimeZone: string;
  /** HTTPS and client certificates, SOAP users, the credentials of SOAP write-backs. */
  security: SecurityConfig;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function resolvePath(base: string, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(base, p);
}
