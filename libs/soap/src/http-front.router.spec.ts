import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { takePostsBeforeApp } from './http-front.router.js';

describe('takePostsBeforeApp', () => {
  const servers: Server[] = [];
  const started = async (app: express.Express, take: (server: Server) => void) => {
    const server = createServer(app);
    servers.push(server);
    take(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return async (method: string, path: string) => {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { method, ...(method === 'POST' ? { body: 'x' } : {}) });
      return `${res.headers.get('x-powered-by') ?? 'front'}: ${await res.text()}`;
    };
  };

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves POSTs for its paths (query strings allowed) before the app, everything else through the app', async () => {
    const app = express();
    app.all('/{*any}', (req, res) => res.send(`app ${req.method} ${req.url}`));
    const call = await started(app, (server) => {
      takePostsBeforeApp(server, '/soap/v1', (req, res) => res.end(`soap ${req.url}`));
      takePostsBeforeApp(server, '/soap12/v1', (_req, res) => res.end('soap12'));
      // One listener for every path taken, the app's behind it.
      expect(server.listeners('request')).toHaveLength(1);
    });
    expect(await call('POST', '/soap/v1')).toBe('front: soap /soap/v1');
    expect(await call('POST', '/soap/v1?trace=1')).toBe('front: soap /soap/v1?trace=1');
    expect(await call('POST', '/soap12/v1')).toBe('front: soap12');
    expect(await call('GET', '/soap/v1?wsdl')).toBe('Express: app GET /soap/v1?wsdl');
    expect(await call('PUT', '/soap/v1')).toBe('Express: app PUT /soap/v1');
    expect(await call('POST', '/soap/v1/')).toBe('Express: app POST /soap/v1/');
    expect(await call('POST', '/other')).toBe('Express: app POST /other');
  });

  it('hands a request it took to the app after all when asked to', async () => {
    const app = express();
    app.post('/soap/v1', (req, res) => res.send(`app saw ${(req as { seen?: string }).seen}`));
    const call = await started(app, (server) =>
      takePostsBeforeApp(server, '/soap/v1', (req, _res, passOn) => {
        (req as { seen?: string }).seen = 'the front first';
        passOn();
      }),
    );
    expect(await call('POST', '/soap/v1')).toBe('Express: app saw the front first');
  });

  it('takes a path once', () => {
    const server = createServer();
    takePostsBeforeApp(server, '/soap/v1', () => undefined);
    expect(() => takePostsBeforeApp(server, '/soap/v1', () => undefined)).toThrow('POST /soap/v1 is already taken before the app');
  });
});
