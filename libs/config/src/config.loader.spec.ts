import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, loadRoutes } from './config.loader.js';

function tempRoutes(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-config-'));
  const file = path.join(dir, 'routes.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const goodRoutes = `
routes:
  akten:
    steps:
      - { id: sprache, task: detect-language }
    writeback: { type: folder }
`;

describe('loadConfig', () => {
  it('fills embedded defaults relative to the working directory', () => {
    const file = tempRoutes(goodRoutes);
    const config = loadConfig({ SCHNITTSTELLE_ROUTES: file }, '/srv/sst');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', explicit: false });
    expect(config.paths.inbox).toBe('/srv/sst/var/inbox');
    expect(config.auditDatabaseUrl).toBe('sqlite:/srv/sst/var/audit.sqlite');
    expect(config.limits.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(config.routes.map((r) => r.id)).toEqual(['akten']);
  });

  it('marks REDIS_URL as explicit and parses sizes', () => {
    const config = loadConfig({ SCHNITTSTELLE_ROUTES: tempRoutes(goodRoutes), REDIS_URL: 'redis://10.0.0.1:6380', MAX_BODY_BYTES: '2mib' });
    expect(config.redis.explicit).toBe(true);
    expect(config.limits.maxBodyBytes).toBe(2 * 1024 * 1024);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: tempRoutes(goodRoutes), HTTP_PORT: 'eighty' })).toThrow(/HTTP_PORT/);
    expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: tempRoutes(goodRoutes), REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });
});

describe('loadRoutes', () => {
  it('names a bad key by its path in the file', () => {
    const file = tempRoutes(goodRoutes.replace('task: detect-language', 'task: dream'));
    expect(() => loadRoutes(file)).toThrow(ConfigError);
    expect(() => loadRoutes(file)).toThrow(/routes\.akten\.steps\[0\]\.task/);
  });

  it('names an unknown key', () => {
    const file = tempRoutes(goodRoutes.replace('writeback: { type: folder }', 'writeback: { type: folder }\n    colour: blue'));
    expect(() => loadRoutes(file)).toThrow(/colour/);
  });

  it('reports YAML syntax errors and a missing file', () => {
    expect(() => loadRoutes(tempRoutes('routes: [unclosed'))).toThrow(/not valid YAML/);
    expect(() => loadRoutes('/nonexistent/routes.yaml')).toThrow(/ENOENT.*SCHNITTSTELLE_ROUTES/);
  });
});
