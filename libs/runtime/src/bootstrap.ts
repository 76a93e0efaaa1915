import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Type } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, type AppConfig } from '@app/config';
import { ensureRedis, RedisStartupError, redisOptionsFromUrl } from '@app/queue';
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
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts the given apps in this process on top of the shared runtime; a bad setting or no Redis ends it with a message. */
export async function bootstrap(processName: string, apps: AppDefinition[]): Promise<RunningApp> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`schnittstelle: ${error.message}`, 2);
    throw error;
  }
  let redis;
  try {
    redis = await ensureRedis(config.redis);
  } catch (error) {
    if (error instanceof RedisStartupError) fail(`schnittstelle: ${error.message}`, 3);
    throw error;
  }
  const configuredRedis = config.redis.url;
  config = { ...config, redis: { ...config.redis, url: redis.url } };

  const app = await NestFactory.create<NestExpressApplication>(RuntimeModule.forRoot(config, apps.map((a) => a.module)), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.use('/ops', loopbackOnly);
  app.connectMicroservice<MicroserviceOptions>({ transport: Transport.REDIS, options: redisOptionsFromUrl(config.redis.url) });
  await app.startAllMicroservices();
  app.enableShutdownHooks();
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      await app.close();
      await redis.stop();
      fail(`schnittstelle: cannot listen on ${config.http.host}:${config.http.port} (${code}); set HTTP_PORT (and HTTP_HOST) to a free address.`, 4);
    }
    throw error;
  }
  const port = (app.getHttpServer().address() as { port: number }).port;
  const baseUrl = publicBaseUrl(config, port);

  const lines = [
    `Schnittstelle ${processName} is running (pid ${process.pid}).`,
    redis.privateServer
      ? `  Redis:            nothing answered at ${configuredRedis}; started a private redis-server at ${redis.url} (data is not kept)`
      : `  Redis:            ${config.redis.url}`,
    `  Health:           ${baseUrl}/health/live  ${baseUrl}/health/ready`,
    ...apps.flatMap((a) => a.describe?.(config, baseUrl) ?? []),
    `  Audit log:        ${config.auditDatabaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const close = async () => {
    await app.close();
    await redis.stop();
  };
  // Nest closes the app on SIGTERM/SIGINT; the private Redis must go with it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void redis.stop());
  return { app, config, baseUrl, close };
}
