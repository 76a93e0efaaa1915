import 'reflect-metadata';
import type { TLSSocket } from 'node:tls';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Type } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, type AppConfig } from '@app/config';
import { eventsTransportOptions } from '@app/pipeline';
import { ensureRedis, RedisStartupError, type EnsuredRedis } from '@app/queue';
import { loopbackOnly } from './loopback.guard.js';
import { RuntimeModule } from './runtime.module.js';

export interface AppDefinition {
  name: string;
  module: Type;
  /** Lines for the start-up banner: where this app can be reached. */
  describe?: (config: AppConfig, baseUrl: string) => string[];
}

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  close(): Promise<void>;
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function publicBaseUrl(config: AppConfig, port: number): string {
  if (config.http.publicBaseUrl) return config.http.publicBaseUrl;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const scheme = config.security.tls ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Loads the configuration, makes sure Redis answers, then starts the apps; a bad setting or no Redis ends the process with a message. */
export async function bootstrap(processName: string, apps: AppDefinition[]): Promise<RunningApp> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`schnittstelle: ${error.message}`, 2);
    throw error;
  }
  let redis: EnsuredRedis;
  try {
    redis = await ensureRedis(config.redis);
  } catch (error) {
    if (error instanceof RedisStartupError) fail(`schnittstelle: ${error.message}`, 3);
    throw error;
  }
  const redisLine = redis.privateServer
    ? `nothing answered at ${config.redis.url}; started a private redis-server at ${redis.url} (data is not kept)`
    : redis.url;
  try {
    const running = await startApplication({ ...config, redis: { ...config.redis, url: redis.url } }, apps, { processName, redisLine });
    return { ...running, close: async () => (await running.close(), await redis.stop()) };
  } catch (error) {
    await redis.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      fail(`schnittstelle: cannot listen on ${config.http.host}:${config.http.port} (${code}); set HTTP_PORT (and HTTP_HOST) to a free address.`, 4);
    }
    throw error;
  }
}

const CLIENT_CERTIFICATE_LINE = { none: 'not asked for', request: 'asked for, checked when shown', require: 'required' } as const;

/**
 * HTTPS from TLS_CERT_FILE/TLS_KEY_FILE; with TLS_CLIENT_CERT=require a client without a certificate
 * signed by TLS_CA_FILE is turned away in the handshake, before any request is read.
 */
function httpsOptions(config: AppConfig): Pick<NestApplicationOptions, 'httpsOptions'> {
  const tls = config.security.tls;
  if (!tls) return {};
  const ask = tls.clientCertificate !== 'none';
  return {
    httpsOptions: {
      cert: tls.cert,
      key: tls.key,
      ...(tls.ca ? { ca: tls.ca } : {}),
      requestCert: ask,
      rejectUnauthorized: tls.clientCertificate === 'require',
    },
  };
}

/** Starts the apps in this process on a given configuration (tests use it directly) and prints where they are. */
export async function startApplication(
  config: AppConfig,
  apps: AppDefinition[],
  banner: { processName: string; redisLine?: string; quiet?: boolean },
): Promise<RunningApp> {
  const app = await NestFactory.create<NestExpressApplication>(RuntimeModule.forRoot(config, apps.map((a) => a.module)), {
    bodyParser: false,
    bufferLogs: true,
    ...httpsOptions(config),
  });
  app.useLogger(app.get(Logger));
  app.use('/ops', loopbackOnly);
  app.connectMicroservice<MicroserviceOptions>({ transport: Transport.REDIS, options: eventsTransportOptions(config.redis.url) });
  await app.startAllMicroservices();
  app.enableShutdownHooks();
  app.getHttpServer().keepAliveTimeout = config.http.keepAliveTimeoutMs;
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await app.close();
    throw error;
  }
  const port = (app.getHttpServer().address() as { port: number }).port;
  const baseUrl = publicBaseUrl(config, port);
  const tls = config.security.tls;
  if (tls?.clientCertificate === 'request') {
    // Node accepts an unverifiable certificate when it only asks for one: a connection that shows
    // a certificate the CA did not sign is closed; one without a certificate may go on.
    app.getHttpServer().on('secureConnection', (socket: TLSSocket) => {
      if (!socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) socket.destroy();
    });
  }

  const lines = [
    `Schnittstelle ${banner.processName} is running (pid ${process.pid}).`,
    `  Redis:            ${banner.redisLine ?? config.redis.url}`,
    ...(tls ? [`  TLS:              ${tls.certFile}; client certificates ${CLIENT_CERTIFICATE_LINE[tls.clientCertificate]}${tls.caFile ? ` (CA ${tls.caFile})` : ''}`] : []),
    `  Health:           ${baseUrl}/health/live  ${baseUrl}/health/ready`,
    ...apps.flatMap((a) => a.describe?.(config, baseUrl) ?? []),
    `  Audit log:        ${config.auditDatabaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
  ];
  if (!banner.quiet) process.stdout.write(`${lines.join('\n')}\n`);
  return { app, config, baseUrl, close: () => app.close() };
}
