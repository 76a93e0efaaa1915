import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { aiTaskSchema, EMBEDDED_PROVIDER, EMBEDDED_TASKS, providersFileSchema, routesFileSchema, type ProviderConfig, type Route } from '@app/contracts';
import { checkRouteConnectors, connectorRegistry, type ConnectorRegistry } from '@app/connectors';
import { DEFAULT_REDIS_URL, resolvePath, type AppConfig } from './app.config.js';
import { envSchema } from './app-config.schema.js';
import { loadSecurityConfig } from './security.config.js';

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

/** Reads and parses a YAML settings file, then checks it against its schema; problems are named by key path. */
function loadYaml<T>(file: string, schema: z.ZodType<T>, what: string, envName: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}. Set ${envName} to its path.`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`The ${what} ${file} is not valid YAML:\n${doc.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  const result = schema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ConfigError(`The ${what} ${file} has bad settings:\n${describeIssues(result.error.issues, yamlPath)}`);
  }
  return result.data;
}

/**
 * Reads, parses and validates the routes file; every problem is named by its key path. Paths in it
 * (classifier models) are made absolute against the file's folder.
 */
export function loadRoutes(file: string, connectors: ConnectorRegistry = connectorRegistry): Route[] {
  const { routes } = loadYaml(file, routesFileSchema, 'routes file', 'SCHNITTSTELLE_ROUTES');
  const dir = path.dirname(file);
  const loaded = Object.entries(routes).map(([id, route]) => ({
    id,
    ...route,
    steps: route.steps.map((step) => (step.task === 'classify' && step.model !== undefined ? { ...step, model: resolvePath(dir, step.model) } : step)),
  }));
  // Connectors the routes name must be known, fit their use and accept their options (the connector's own schema).
  const checked = checkRouteConnectors(loaded, connectors);
  if (checked.issues.length > 0) {
    throw new ConfigError(`The routes file ${file} has bad settings:\n${checked.issues.map((issue) => `  - ${yamlPath(issue.path)}: ${issue.message}`).join('\n')}`);
  }
  return checked.routes;
}

/** Reads the providers file; API keys come from the environment variables it names. */
export function loadProviders(file: string, env: NodeJS.ProcessEnv): ProviderConfig[] {
  const { providers } = loadYaml(file, providersFileSchema, 'providers file', 'SCHNITTSTELLE_PROVIDERS');
  const missing: string[] = [];
  const configured = Object.entries(providers).map(([name, entry]): ProviderConfig => {
    if (entry.apiKeyEnv === undefined) return { name, ...entry };
    const apiKey = env[entry.apiKeyEnv];
    if (!apiKey?.trim()) missing.push(`  - providers.${name}.apiKeyEnv: the environment variable ${entry.apiKeyEnv} is not set`);
    return { name, ...entry, apiKey };
  });
  if (missing.length) throw new ConfigError(`The providers file ${file} names API keys that are missing:\n${missing.join('\n')}`);
  return configured;
}

/** Every provider a step names must exist: the embedded one or one of the providers file. */
/**
 * Every provider a step names must exist (the embedded one or one of the providers file), and at least one
 * of its chain must do the step's task: the embedded engine cannot translate, a route that wants it must
 * say which model provider does.
 */
function checkStepProviders(routes: Route[], providers: ProviderConfig[], routesFile: string): void {
  const tasks = new Map<string, readonly string[]>([[EMBEDDED_PROVIDER, EMBEDDED_TASKS], ...providers.map((p): [string, readonly string[]] => [p.name, p.tasks ?? aiTaskSchema.options])]);
  const problems: string[] = [];
  for (const route of routes) {
    route.steps.forEach((step, index) => {
      const at = `routes.${route.id}.steps[${index}]`;
      if (!tasks.has(step.provider)) problems.push(`  - ${at}.provider: no provider "${step.provider}"`);
      step.fallbackProviders?.forEach((name, i) => {
        if (!tasks.has(name)) problems.push(`  - ${at}.fallbackProviders[${i}]: no provider "${name}"`);
      });
      const chain = [step.provider, ...(step.fallbackProviders ?? [])];
      if (chain.every((name) => tasks.has(name)) && !chain.some((name) => tasks.get(name)!.includes(step.task))) {
        problems.push(`  - ${at}.provider: no provider of the step does "${step.task}" (${chain.map((n) => `${n}: ${tasks.get(n)!.join(', ')}`).join('; ')}); name one that does`);
      }
    });
  }
  if (problems.length) {
    const names = [...tasks.keys()].map((n) => `"${n}"`).join(', ');
    throw new ConfigError(`The routes file ${routesFile} names AI providers that are not configured or cannot do the step (known: ${names}; see SCHNITTSTELLE_PROVIDERS):\n${problems.join('\n')}`);
  }
}

/** The only reader of the environment. `cwd` anchors relative paths. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`Bad environment settings:\n${describeIssues(result.error.issues, (p) => p.map(String).join('.'))}`);
  }
  const e = result.data;
  // The openai SDK adds the headers of this variable to every request of every provider, unasked.
  if (env.OPENAI_CUSTOM_HEADERS !== undefined) {
    throw new ConfigError('OPENAI_CUSTOM_HEADERS is set: the openai SDK would send its headers to every AI provider. Unset it.');
  }
  const varDir = resolvePath(cwd, e.SCHNITTSTELLE_VAR_DIR);
  const routesFile = resolvePath(cwd, e.SCHNITTSTELLE_ROUTES);
  const routes = loadRoutes(routesFile);
  const providers = e.SCHNITTSTELLE_PROVIDERS ? loadProviders(resolvePath(cwd, e.SCHNITTSTELLE_PROVIDERS), env) : [];
  checkStepProviders(routes, providers, routesFile);
  return {
    redis: { url: e.REDIS_URL ?? DEFAULT_REDIS_URL, explicit: e.REDIS_URL !== undefined },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT, publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/$/, ''), keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS },
    paths: {
      varDir,
      inbox: e.INBOX_DIR ? resolvePath(cwd, e.INBOX_DIR) : path.join(varDir, 'inbox'),
      outbox: e.OUTBOX_DIR ? resolvePath(cwd, e.OUTBOX_DIR) : path.join(varDir, 'outbox'),
      routesFile,
    },
    auditDatabaseUrl: e.AUDIT_DATABASE_URL ?? `sqlite:${path.join(varDir, 'audit.sqlite')}`,
    queue: { prefix: e.QUEUE_PREFIX, attempts: e.JOB_ATTEMPTS, backoffMs: e.JOB_BACKOFF_MS, concurrency: e.WORKER_CONCURRENCY },
    limits: { maxBodyBytes: e.MAX_BODY_BYTES },
    xml: { workers: e.XML_WORKERS ?? defaultXmlWorkers(), timeoutMs: e.XML_WORKER_TIMEOUT_MS },
    documents: { ttlSeconds: e.DOCUMENT_TTL_DAYS * 86_400 },
    folder: { pollMs: e.FOLDER_POLL_MS, stableMs: e.FOLDER_STABLE_MS },
    logLevel: e.LOG_LEVEL,
    routes,
    providers,
    tokenBudgetTimeZone: e.TOKEN_BUDGET_TIME_ZONE,
    security: loadSecurityConfig(e, env, cwd, routes, routesFile, (message) => new ConfigError(message)),
  };
}

/**
 * XML_WORKERS unset: two worker threads when there is a second core to run them, else in-process. On two
 * cores two did better than one (one worker idles while the busy main thread has not yet sent its next job).
 */
export function defaultXmlWorkers(cores: number = availableParallelism()): number {
  return cores > 1 ? 2 : 0;
}

/** The shared services named by the environment (REDIS_URL, DATABASE_URL), for tools and tests that need no routes. */
export function serviceUrls(env: NodeJS.ProcessEnv = process.env): { redisUrl: string; databaseUrl?: string } {
  return { redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL, databaseUrl: env.DATABASE_URL };
}
