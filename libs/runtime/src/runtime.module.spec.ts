import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Req, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request } from 'express';
import { LoggerModule } from 'nestjs-pino';
import { loggerParams } from './runtime.module.js';

/** Says whether pino-http ran for the request (it hangs a request-scoped logger on it). */
@Controller()
class ProbeController {
  @Get(['probe', 'deep/path/probe'])
  probe(@Req() req: Request): { requestLogger: boolean } {
    return { requestLogger: (req as Request & { log?: unknown }).log !== undefined };
  }
}

describe('loggerParams', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function requestLogger(level: Parameters<typeof loggerParams>[0], path: string): Promise<boolean> {
    @Module({ imports: [LoggerModule.forRoot(loggerParams(level))], controllers: [ProbeController] })
    class ProbeModule {}
    app = await NestFactory.create(ProbeModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/${path}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { requestLogger: boolean }).requestLogger;
  }

  it('makes a request-scoped logger when lines can be written', async () => {
    expect(await requestLogger('info', 'probe')).toBe(true);
  });

  it('makes none at level silent, on any path', async () => {
    expect(await requestLogger('silent', 'probe')).toBe(false);
    await app!.close();
    app = undefined;
    expect(await requestLogger('silent', 'deep/path/probe')).toBe(false);
  });
});
