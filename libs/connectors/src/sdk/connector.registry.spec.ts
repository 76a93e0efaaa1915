import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { routesFileSchema, type Route } from '@app/contracts';
import { BUILT_IN_CONNECTORS, connectorRegistry } from '../connectors.catalogue.js';
import { xrechnungConnector } from '../xrechnung/xrechnung.connector.js';
import { defineConnector } from './connector.definition.js';
import { resolveRouteLimits, xmlLimitsOf } from './connector.context.js';
import { checkRouteConnectors, ConnectorRegistry, UnknownConnectorError } from './connector.registry.js';

const reader = defineConnector({
  name: 'leser',
  description: 'reads text',
  parse: (input) => input.body.toString('utf8'),
  toDocument: (text) => ({ kind: 'text' as const, text }),
});

const mailbox = defineConnector<{ account: string; pollMs: number }>({
  name: 'postfach',
  description: 'fetches and sends messages',
  options: z.strictObject({ account: z.string().min(1), pollMs: z.int().min(100).default(5000) }),
  receive: async () => undefined,
  send: async () => ({ location: 'postfach:1' }),
});

const builder = defineConnector({ name: 'antwort', description: 'builds replies', fromResult: () => ({ body: Buffer.from('x'), mediaType: 'text/plain', filename: 'x.txt' }) });

const registry = new ConnectorRegistry([reader, mailbox, builder]);

/** Routes as loadRoutes has them after the schema: ids beside their settings. */
function routes(yamlLike: Record<string, unknown>): Route[] {
  const parsed = routesFileSchema.parse({ routes: yamlLike });
  return Object.entries(parsed.routes).map(([id, route]) => ({ id, ...route }));
}

const steps = [{ id: 'sprache', task: 'detect-language' }];
const issuesOf = (routesYaml: Record<string, unknown>) => checkRouteConnectors(routes(routesYaml), registry).issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('ConnectorRegistry', () => {
  it('looks connectors up by name, and names the known ones for an unknown name', () => {
    expect(registry.get('leser')).toBe(reader);
    expect(registry.names()).toEqual(['antwort', 'leser', 'postfach']);
    expect(() => registry.get('xdomea')).toThrow(UnknownConnectorError);
    expect(() => registry.get('xdomea')).toThrow('unknown connector "xdomea"; known connectors: antwort, leser, postfach');
  });

  it('refuses a second connector of the same name, a reserved name and a plain object', () => {
    const other = defineConnector({ name: 'leser', description: 'another', fromResult: () => ({ body: Buffer.alloc(0), mediaType: 'x/y', filename: 'a' }) });
    expect(() => new ConnectorRegistry([reader, other])).toThrow('connector "leser" is registered twice');
    expect(new ConnectorRegistry([reader, reader]).names()).toEqual(['leser']);
    const folder = defineConnector({ name: 'folder', description: 'clash', fromResult: () => ({ body: Buffer.alloc(0), mediaType: 'x/y', filename: 'a' }) });
    expect(() => new ConnectorRegistry([folder])).toThrow(/reserved/);
    expect(() => new ConnectorRegistry([{ name: 'roh', description: 'not defined' } as never])).toThrow(/defineConnector/);
  });

  it('has the built-in connectors in the process registry', () => {
    expect(BUILT_IN_CONNECTORS).toContain(xrechnungConnector);
    expect(connectorRegistry.get('xrechnung')).toBe(xrechnungConnector);
  });
});

describe('checkRouteConnectors', () => {
  it('takes a route without connectors as it is', () => {
    const input = routes({ texte: { steps, writeback: { type: 'folder' } } });
    expect(checkRouteConnectors(input, registry)).toEqual({ routes: input, issues: [] });
  });

  it('parses each connector entry with its options schema and keeps the result (defaults filled)', () => {
    const { routes: checked, issues } = checkRouteConnectors(
      routes({
        akten: {
          connector: 'leser',
          sources: [{ type: 'postfach', account: 'amt-1' }],
          steps,
          writeback: { type: 'postfach', account: 'amt-2', pollMs: 250 },
        },
      }),
      registry,
    );
    expect(issues).toEqual([]);
    expect(checked[0]!.connector).toEqual({ connector: 'leser', options: {} });
    expect(checked[0]!.sources).toEqual([{ connector: 'postfach', options: { account: 'amt-1', pollMs: 5000 } }]);
    expect(checked[0]!.writeback).toEqual({ type: 'connector', connector: 'postfach', options: { account: 'amt-2', pollMs: 250 } });
  });

  it('names an unknown connector by its path, with the known names', () => {
    expect(issuesOf({ akten: { connector: 'xdomea', steps, writeback: { type: 'folder' } } })).toEqual([
      'routes.akten.connector.type: unknown connector "xdomea"; known connectors: antwort, leser, postfach',
    ]);
  });

  it('names bad options by their path, as the config loader names keys', () => {
    expect(
      issuesOf({
        akten: { sources: [{ type: 'postfach', account: 'a' }, { type: 'postfach', pollMs: 5 }], steps, writeback: { type: 'postfach', account: 'b', colour: 'blau' } },
      }),
    ).toEqual([
      'routes.akten.sources.1.account: Invalid input: expected string, received undefined',
      'routes.akten.sources.1.pollMs: Too small: expected number to be >=100',
      'routes.akten.writeback: Unrecognized key: "colour"',
    ]);
    expect(issuesOf({ akten: { connector: { type: 'leser', strict: true }, steps, writeback: { type: 'folder' } } })).toEqual([
      'routes.akten.connector.strict: connector "leser" takes no options',
    ]);
  });

  it('demands the hooks each use needs: parse as connector, receive as source, send or fromResult as write-back', () => {
    expect(
      issuesOf({
        akten: { connector: { type: 'postfach', account: 'a' }, sources: [{ type: 'leser' }], steps, writeback: { type: 'leser' } },
      }),
    ).toEqual([
      'routes.akten.connector.type: connector "postfach" cannot read a route\'s messages as `connector:` (it has no parse hook)',
      'routes.akten.sources.0.type: connector "leser" cannot fetch messages under `sources:` (it has no receive hook)',
      'routes.akten.writeback.type: connector "leser" cannot write results back (it has neither send nor fromResult)',
    ]);
    expect(issuesOf({ akten: { connector: 'leser', steps, writeback: { type: 'antwort' } } })).toEqual([]);
  });
});

describe('resolveRouteLimits', () => {
  it('takes the route limits, the older maxBodyBytes, then the installation default', () => {
    expect(resolveRouteLimits({}, 1000)).toEqual({ maxBytes: 1000, maxDepth: 64, maxAttributes: 256, maxUnpackedBytes: 10_000 });
    expect(resolveRouteLimits({ maxBodyBytes: 500 }, 1000).maxBytes).toBe(500);
    const limits = resolveRouteLimits({ limits: { maxBodyBytes: 200, maxDepth: 8, maxAttributes: 4, maxUnpackedBytes: 300 } }, 1000);
    expect(limits).toEqual({ maxBytes: 200, maxDepth: 8, maxAttributes: 4, maxUnpackedBytes: 300 });
    expect(xmlLimitsOf(limits)).toEqual({ maxBytes: 200, maxDepth: 8, maxAttributesPerElement: 4 });
  });
});
