import { describe, expect, it } from '@jest/globals';
import { routesFileSchema } from './route-config.schema.js';

/** The route-level keys for connectors, sources, write-back by connector and limits. */
const steps = [{ id: 'sprache', task: 'detect-language' }];
const parse = (route: Record<string, unknown>) => routesFileSchema.safeParse({ routes: { r: { steps, writeback: { type: 'folder' }, ...route } } });
const route = (settings: Record<string, unknown>) => {
  const result = parse(settings);
  if (!result.success) throw new Error(JSON.stringify(result.error.issues));
  return result.data.routes.r!;
};
const issues = (settings: Record<string, unknown>) => parse(settings).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('route connector, sources and write-back by connector', () => {
  it('has no connector and no sources by default (the built-in XML and text reading)', () => {
    const r = route({});
    expect(r.connector).toBeUndefined();
    expect(r.sources).toBeUndefined();
    expect(r.limits).toBeUndefined();
  });

  it('takes a connector by name or with options, and sources with options', () => {
    expect(route({ connector: 'xrechnung' }).connector).toEqual({ connector: 'xrechnung', options: {} });
    expect(route({ connector: { type: 'xrechnung', rules: 'refuse' } }).connector).toEqual({ connector: 'xrechnung', options: { rules: 'refuse' } });
    expect(route({ sources: [{ type: 'xta2', account: 'a' }, 'xta2'] }).sources).toEqual([
      { connector: 'xta2', options: { account: 'a' } },
      { connector: 'xta2', options: {} },
    ]);
  });

  it('keeps folder and soap write-back and reads any other type as a connector', () => {
    expect(route({ writeback: { type: 'folder' } }).writeback).toEqual({ type: 'folder' });
    expect(route({ writeback: { type: 'xta2', recipient: 'amt' } }).writeback).toEqual({ type: 'connector', connector: 'xta2', options: { recipient: 'amt' } });
    // A soap write-back with a missing key is still named as before, not taken for a connector.
    expect(issues({ writeback: { type: 'soap', wsdl: 'x.wsdl', mapping: { a: 'document.id' } } })).toEqual(['routes.r.writeback.operation: Invalid input: expected string, received undefined']);
    expect(issues({ writeback: { type: 'folder', to: 'x' } })).toEqual(['routes.r.writeback: Unrecognized key: "to"']);
  });

  it('names a bad connector name at the key the file has', () => {
    const bad = 'a connector name: lower-case letters, digits and "-", starting with a letter';
    expect(issues({ connector: 'X Rechnung' })).toEqual([`routes.r.connector.type: ${bad}`]);
    expect(issues({ connector: { rules: 'refuse' } })).toEqual([`routes.r.connector.type: ${bad}`]);
    expect(issues({ sources: [{ type: 7 }] })).toEqual([`routes.r.sources.0.type: ${bad}`]);
    expect(issues({ writeback: { type: 'Xta2' } })).toEqual([`routes.r.writeback.type: ${bad}`]);
    expect(issues({ sources: [] })?.[0]).toMatch(/^routes\.r\.sources: Too small/);
  });

  it('leaves validation to the connector', () => {
    expect(issues({ connector: 'xrechnung', validation: 'catalogue' })).toEqual([
      'routes.r.validation: the connector "xrechnung" validates the route\'s messages itself (see its options); remove validation',
    ]);
  });
});

describe('route limits', () => {
  it('takes every limit, and the older maxBodyBytes beside it when they agree', () => {
    expect(route({ limits: { maxBodyBytes: 1000, maxDepth: 10, maxAttributes: 20, maxUnpackedBytes: 5000 } }).limits).toEqual({
      maxBodyBytes: 1000,
      maxDepth: 10,
      maxAttributes: 20,
      maxUnpackedBytes: 5000,
    });
    expect(route({ maxBodyBytes: 1000 }).maxBodyBytes).toBe(1000);
    expect(route({ maxBodyBytes: 1000, limits: { maxBodyBytes: 1000 } }).limits).toEqual({ maxBodyBytes: 1000 });
  });

  it('refuses limits that contradict each other, unknown keys and non-positive values', () => {
    expect(issues({ maxBodyBytes: 1000, limits: { maxBodyBytes: 2000 } })).toEqual(['routes.r.maxBodyBytes: differs from limits.maxBodyBytes; keep only limits.maxBodyBytes']);
    expect(issues({ limits: { maxNesting: 3 } })).toEqual(['routes.r.limits: Unrecognized key: "maxNesting"']);
    expect(issues({ limits: { maxDepth: 0 } })?.[0]).toMatch(/^routes\.r\.limits\.maxDepth: Too small/);
  });
});
