import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { routesFileSchema, type Route } from '@app/contracts';
import { DEFAULT_REDIS_URL, resolvePath, type AppConfig } from './app.config.js';
import { envSchema } from './app-config.schema.js';

/** Thrown for any bad setting; its message names the variable or key and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssues(issues: z.core.$ZodIssue[], prefix: (p: PropertyKey[]) => string): string {
  return issues.map((issue) => `  - ${prefix(issue.path)}: ${issue.message}`).join('\n');
}

function yamlPath(p: PropertyKey[]): string {
  return p.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Reads, parses and validates the routes file; every problem is named by its key path. */
export function loadRoutes(file: string): Route[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the routes file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}. Set SCHNITTSTELLE_ROUTES to its path.`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`The routes file ${file} is not valid YAML:\n${doc.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  const result = routesFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ConfigError(`The routes file ${file} has bad settings:\n${describeIssues(result.error.issues, yamlPath)}`);
  }
  return Object.entries(result.data.routes).map(([id, route]) => ({ id, ...route }));
}

/** The only reader of the environment. `cwd` anchors relative paths. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`Bad environment settings:\n${describeIssues(result.error.issues, (p) => p.map(String).join('.'))}`);
  }
  const e = result.data;
  const varDir = resolvePath(cwd, e.SCHNITTSTELLE_VAR_DIR);
  const routesFile = resolvePath(cwd, e.SCHNITTSTELLE_ROUTES);
  return {
    redis: { url: e.REDIS_URL ?? DEFAULT_REDIS_URL, explicit: e.REDIS_URL !== undefined },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT, publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/$/, '') },
    paths: {
      varDir,
      inbox: e.INBOX_DIR ? resolvePath(cwd, e.INBOX_DIR) : path.join(varDir, 'inbox'),
      outbox: e.OUTBOX_DIR ? resolvePath(cwd, e.OUTBOX_DIR) : path.join(varDir, 'outbox'),
      routesFile,
    },
    auditDatabaseUrl: e.AUDIT_DATABASE_URL ?? `sqlite:${path.join(varDir, 'audit.sqlite')}`,
    queue: { prefix: e.QUEUE_PREFIX, attempts: e.JOB_ATTEMPTS, backoffMs: e.JOB_BACKOFF_MS, concurrency: e.WORKER_CONCURRENCY },
    limits: { maxBodyBytes: e.MAX_BODY_BYTES },
    documents: { ttlSeconds: e.DOCUMENT_TTL_DAYS * 86_400 },
    folder: { pollMs: e.FOLDER_POLL_MS, stableMs: e.FOLDER_STABLE_MS },
    logLevel: e.LOG_LEVEL,
    routes: loadRoutes(routesFile),
  };
}

/** The shared services named by the environment (REDIS_URL, DATABASE_URL), for tools and tests that need no routes. */
export function serviceUrls(env: NodeJS.ProcessEnv = process.env): { redisUrl: string; databaseUrl?: string } {
  return { redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL, databaseUrl: env.DATABASE_URL };
}
