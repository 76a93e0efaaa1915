import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError, defaultXmlWorkers, loadConfig, loadRoutes } from './config.loader.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempRoutes(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-config-'));
  tempDirs.push(dir);
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

  it('reads XML_WORKERS (0: in-process), defaulting to two worker threads when there is a second core', () => {
    const routes = tempRoutes(goodRoutes);
    expect(loadConfig({ SCHNITTSTELLE_ROUTES: routes, XML_WORKERS: '0' }).xml).toEqual({ workers: 0, timeoutMs: 30_000 });
    expect(loadConfig({ SCHNITTSTELLE_ROUTES: routes, XML_WORKERS: '3' }).xml).toEqual({ workers: 3, timeoutMs: 30_000 });
    expect(loadConfig({ SCHNITTSTELLE_ROUTES: routes }).xml).toEqual({ workers: defaultXmlWorkers(), timeoutMs: 30_000 });
    expect([defaultXmlWorkers(1), defaultXmlWorkers(2), defaultXmlWorkers(8)]).toEqual([0, 2, 2]);
    for (const bad of ['-1', '17', 'zwei', '1.5']) expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: routes, XML_WORKERS: bad })).toThrow(/XML_WORKERS/);
  });

  it('reads XML_WORKER_TIMEOUT_MS, the time one document may take on a worker', () => {
    const routes = tempRoutes(goodRoutes);
    expect(loadConfig({ SCHNITTSTELLE_ROUTES: routes, XML_WORKER_TIMEOUT_MS: '5000' }).xml.timeoutMs).toBe(5000);
    for (const bad of ['0', '99', 'lang', '1.5']) expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: routes, XML_WORKER_TIMEOUT_MS: bad })).toThrow(/XML_WORKER_TIMEOUT_MS/);
  });

  it('reads HTTP_KEEP_ALIVE_TIMEOUT_MS, by default above the 60 s idle timeout common in proxies', () => {
    const routes = tempRoutes(goodRoutes);
    expect(loadConfig({ SCHNITTSTELLE_ROUTES: routes }).http.keepAliveTimeoutMs).toBe(65_000);
    expect(loadConfig({ SCHNITTSTELLE_ROUTES: routes, HTTP_KEEP_ALIVE_TIMEOUT_MS: '120000' }).http.keepAliveTimeoutMs).toBe(120_000);
    for (const bad of ['0', '999', 'lang', '1.5']) expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: routes, HTTP_KEEP_ALIVE_TIMEOUT_MS: bad })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
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

describe('AI providers', () => {
  const routesUsing = (provider: string, extra = '') => `
routes:
  bescheide:
    dataClass: personal
    tokenBudgetPerDay: 50000
    steps:
      - { id: kurz, task: summarise, provider: ${provider}, fallbackProviders: [embedded] }
      - { id: thema, task: classify, model: models/thema.json }${extra}
    writeback: { type: folder }
`;
  const providers = `
providers:
  krz-llm:
    type: openai-compatible
    baseUrl: https://llm.krz.example/v1
    model: mistral-small
    apiKeyEnv: KRZ_LLM_KEY
    location: on-premises
    operator: Kommunales Rechenzentrum Musterland
    dataClasses: [public, internal, personal]
    limits: { concurrency: 2, requestsPerMinute: 60 }
`;
  function files(routes: string, providersText = providers) {
    const routesFile = tempRoutes(routes);
    const providersFile = path.join(path.dirname(routesFile), 'providers.yaml');
    fs.writeFileSync(providersFile, providersText);
    return { SCHNITTSTELLE_ROUTES: routesFile, SCHNITTSTELLE_PROVIDERS: providersFile };
  }

  it('loads the providers file with the API key from the variable it names, and model paths beside the routes file', () => {
    const env = { ...files(routesUsing('krz-llm')), KRZ_LLM_KEY: 'geheim' };
    const config = loadConfig(env);
    expect(config.providers).toEqual([
      expect.objectContaining({ name: 'krz-llm', type: 'openai-compatible', apiKey: 'geheim', limits: { concurrency: 2, requestsPerMinute: 60 } }),
    ]);
    expect(config.routes[0]!.tokenBudgetPerDay).toBe(50000);
    expect(config.routes[0]!.steps[1]).toMatchObject({ model: path.join(path.dirname(env.SCHNITTSTELLE_ROUTES), 'models/thema.json') });
    expect(config.tokenBudgetTimeZone).toBe('Europe/Berlin');
  });

  it('stops when the API key variable is missing, naming it', () => {
    expect(() => loadConfig(files(routesUsing('krz-llm')))).toThrow(/providers\.krz-llm\.apiKeyEnv: the environment variable KRZ_LLM_KEY is not set/);
  });

  it('stops when a step names a provider that is not configured', () => {
    expect(() => loadConfig({ ...files(routesUsing('eu-llm')), KRZ_LLM_KEY: 'k' })).toThrow(/routes\.bescheide\.steps\[0\]\.provider: no provider "eu-llm"/);
    const fallback = routesUsing('embedded').replace('fallbackProviders: [embedded]', 'fallbackProviders: [krz-llm, eu-llm]');
    expect(() => loadConfig({ ...files(fallback), KRZ_LLM_KEY: 'k' })).toThrow(/routes\.bescheide\.steps\[0\]\.fallbackProviders\[1\]: no provider "eu-llm"/);
    // Without a providers file only the embedded provider exists.
    expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: tempRoutes(routesUsing('krz-llm')) })).toThrow(/no provider "krz-llm"/);
  });

  it('stops when no provider of a step does its task: the embedded engine does not translate', () => {
    const translate = routesUsing('embedded').replace('task: summarise, provider: embedded, fallbackProviders: [embedded]', 'task: translate, provider: embedded, sourceLanguage: deu, targetLanguage: eng');
    expect(() => loadConfig({ ...files(translate), KRZ_LLM_KEY: 'k' })).toThrow(/routes\.bescheide\.steps\[0\]\.provider: no provider of the step does "translate" \(embedded: detect-language, summarise, classify\)/);
    const summariseOnly = providers.replace('    limits:', '    tasks: [summarise]\n    limits:');
    const extract = routesUsing('krz-llm').replace('task: summarise', 'task: extract, schema: { type: object }');
    expect(() => loadConfig({ ...files(extract, summariseOnly), KRZ_LLM_KEY: 'k' })).toThrow(/no provider of the step does "extract"/);
    // A fallback that can do it is enough.
    const withFallback = translate.replace('targetLanguage: eng', 'targetLanguage: eng, fallbackProviders: [krz-llm]');
    expect(loadConfig({ ...files(withFallback), KRZ_LLM_KEY: 'k' }).routes[0]!.steps[0]!.task).toBe('translate');
  });

  it('names a bad provider setting by its path, and refuses the name of the embedded provider', () => {
    const bad = providers.replace('location: on-premises', 'location: cloud');
    expect(() => loadConfig({ ...files(routesUsing('embedded'), bad), KRZ_LLM_KEY: 'k' })).toThrow(/providers\.krz-llm\.location: Invalid option/);
    const taken = providers.replace('krz-llm:', 'embedded:');
    expect(() => loadConfig({ ...files(routesUsing('embedded'), taken), KRZ_LLM_KEY: 'k' })).toThrow(/providers\.embedded: "embedded" is the in-process provider's name/);
  });

  it('refuses OPENAI_CUSTOM_HEADERS, which the SDK would add to every provider request', () => {
    expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: tempRoutes(goodRoutes), OPENAI_CUSTOM_HEADERS: 'X-Debug: 1' })).toThrow(/OPENAI_CUSTOM_HEADERS/);
  });

  it('checks the budget time zone', () => {
    expect(() => loadConfig({ SCHNITTSTELLE_ROUTES: tempRoutes(goodRoutes), TOKEN_BUDGET_TIME_ZONE: 'Mitteleuropa' })).toThrow(/TOKEN_BUDGET_TIME_ZONE/);
  });
});

describe('loadRoutes: connectors', () => {
  const invoices = (connector: string) => `
routes:
  rechnungen:
    connector: ${connector}
    steps:
      - { id: sprache, task: detect-language }
    writeback: { type: folder }
`;

  it('parses a connector entry with the connector options schema, defaults filled', () => {
    const [route] = loadRoutes(tempRoutes(invoices('{ type: xrechnung, rules: refuse }')));
    expect(route!.connector).toEqual({ connector: 'xrechnung', options: { schema: 'catalogue', rules: 'refuse' } });
  });

  it('stops with a ConfigError naming a bad option, an unknown option and an unknown connector by path', () => {
    const file = tempRoutes(invoices('{ type: xrechnung, rules: ignore, foo: 1 }'));
    expect(() => loadRoutes(file)).toThrow(ConfigError);
    expect(() => loadRoutes(file)).toThrow(/routes\.rechnungen\.connector\.rules: Invalid option/);
    expect(() => loadRoutes(file)).toThrow(/routes\.rechnungen\.connector: Unrecognized key: "foo"/);
    expect(() => loadRoutes(tempRoutes(invoices('xdomea-9')))).toThrow(/routes\.rechnungen\.connector\.type: unknown connector "xdomea-9"; known connectors: .*xrechnung/);
  });
});
