import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bytes = z
  .string()
  .regex(/^\d+\s*(b|kb|kib|mb|mib|gb|gib)?$/i, 'a size such as 10485760, 512kb or 10mb')
  .transform(parseSize);

/** Environment variables, their defaults and what they mean; README's configuration reference mirrors this. */
export const envSchema = z.object({
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: int(0, 65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  /**
   * How long an idle HTTP connection stays open. Longer than the idle timeout of the proxies and clients
   * in front (commonly 60 s), so that they close it first: a request sent just as the server closes it
   * would meet a reset.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1000, 3_600_000).default(65_000),
  SCHNITTSTELLE_ROUTES: z.string().min(1).default('config/routes.yaml'),
  SCHNITTSTELLE_VAR_DIR: z.string().min(1).default('var'),
  /** YAML file of the AI providers besides the embedded engine (OpenAI-compatible servers); none by default. */
  SCHNITTSTELLE_PROVIDERS: z.string().min(1).optional(),
  /** The day of a route's token budget (`tokenBudgetPerDay`) starts at midnight in this time zone. */
  TOKEN_BUDGET_TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Europe/Berlin')
    .default('Europe/Berlin'),
  INBOX_DIR: z.string().min(1).optional(),
  OUTBOX_DIR: z.string().min(1).optional(),
  AUDIT_DATABASE_URL: z.string().min(1).optional(),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('sst'),
  MAX_BODY_BYTES: bytes.default(10 * 1024 * 1024),
  JOB_ATTEMPTS: int(1, 100).default(5),
  JOB_BACKOFF_MS: int(10, 3_600_000).default(1000),
  WORKER_CONCURRENCY: int(1, 256).default(4),
  /** Worker threads that read (inspect and XSD-validate) XML documents at intake; 0 reads them on the main thread. */
  XML_WORKERS: int(0, 16).optional(),
  /** How long an XML worker may take over one document before it is replaced and the sender told to send again. */
  XML_WORKER_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  DOCUMENT_TTL_DAYS: int(1, 3650).default(30),
  FOLDER_POLL_MS: int(50, 3_600_000).default(1000),
  FOLDER_STABLE_MS: int(0, 3_600_000).default(500),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HTTPS: PEM certificate (chain) and key of the HTTP server; both or neither. */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** PEM CA certificate(s) that sign the client certificates (mutual TLS). */
  TLS_CA_FILE: z.string().min(1).optional(),
  TLS_CLIENT_CERT: z.enum(['none', 'request', 'require']).default('none'),
  /** YAML/JSON file of SOAP users for WS-Security UsernameToken; when set, every SOAP request must authenticate. */
  SOAP_CREDENTIALS_FILE: z.string().min(1).optional(),
  /** `required` refuses to start without SOAP_CREDENTIALS_FILE; default: required exactly when that file is set. */
  SOAP_AUTH: z.enum(['required', 'none']).optional(),
  /** How old a UsernameToken's Created may be, and how far clocks may differ. */
  SOAP_WSS_MAX_AGE_SECONDS: int(10, 86_400).default(300),
  SOAP_WSS_CLOCK_SKEW_SECONDS: int(0, 3600).default(60),
});

export function parseSize(text: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const factor: Record<string, number> = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  return Number(match[1]) * factor[match[2]!.toLowerCase()]!;
}
