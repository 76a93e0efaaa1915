import { describe, expect, it } from '@jest/globals';
import { resolveXta2Endpoints, xta2OptionsSchema } from './xta2.options.js';

const identifier = { id: 'ags:09162000' };

function problems(raw: unknown): string[] {
  const result = xta2OptionsSchema.safeParse(raw);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('xta2OptionsSchema', () => {
  it('fills the defaults of a minimal source entry', () => {
    const options = xta2OptionsSchema.parse({ baseUrl: 'https://xta.example.de/MB_XTA-WS', identifier });
    expect(options).toEqual({
      baseUrl: 'https://xta.example.de/MB_XTA-WS',
      endpoints: {},
      identifier: { id: 'ags:09162000', type: 'xoev' },
      pollIntervalMs: 30_000,
      maxMessagesPerPoll: 50,
      timeoutMs: 30_000,
      onRefused: 'close',
    });
  });

  it('reads a writeback entry: plain business scenario, message type defaults, server MessageIDs', () => {
    const options = xta2OptionsSchema.parse({
      endpoints: { send: 'https://xta.example.de/send', management: 'https://xta.example.de/mgmt' },
      identifier,
      send: { reader: { id: 'ags:09162999' }, service: 'urn:xoev-de:xdomea:schema:3.0.0', businessScenario: 'XDOMEAGAD_DATA', messageType: { code: 'xdomea.0602' } },
    });
    expect(options.send).toEqual({
      reader: { id: 'ags:09162999', type: 'xoev' },
      service: 'urn:xoev-de:xdomea:schema:3.0.0',
      businessScenario: { code: 'XDOMEAGAD_DATA' },
      messageType: { code: 'xdomea.0602', listUri: 'urn:de:payloadSchema:elementName', listVersionId: '1.0' },
      messageId: 'server',
      testMessage: false,
    });
  });

  it('refuses options that would fail later, naming the setting', () => {
    expect(problems({ identifier })).toEqual(['baseUrl: give baseUrl or the endpoints of the ports to use']);
    expect(problems({ baseUrl: 'ftp://xta.example.de', identifier })[0]).toMatch(/^baseUrl: must be an http\(s\) URL/);
    expect(problems({ baseUrl: 'https://x.de', identifier: { id: 'ags:1\nags:2' } })[0]).toMatch(/^identifier\.id: must not contain tabs or line breaks/);
    expect(problems({ baseUrl: 'https://x.de', identifier, pollIntervalMs: 10 })[0]).toMatch(/^pollIntervalMs:/);
    expect(problems({ baseUrl: 'https://x.de', identifier, maxMessagesPerPoll: 0 })[0]).toMatch(/^maxMessagesPerPoll:/);
    expect(problems({ baseUrl: 'https://x.de', identifier, onRefused: 'delete' })[0]).toMatch(/^onRefused:/);
    expect(problems({ baseUrl: 'https://x.de', identifier, polInterval: 5 })[0]).toMatch(/polInterval/);
    expect(problems({ baseUrl: 'https://x.de', identifier, send: { service: 'urn:s', businessScenario: { code: 'X', listUri: 'urn:l' } } }).join()).toMatch(
      /listUri and listVersionId together/,
    );
    expect(problems({ baseUrl: 'https://x.de', identifier, send: { businessScenario: 'X' } })[0]).toMatch(/^send\.service:/);
  });
});

describe('resolveXta2Endpoints', () => {
  it('puts the port names under the base URL, without doubling a trailing slash', () => {
    expect(resolveXta2Endpoints({ baseUrl: 'https://xta.example.de/xta/', endpoints: {} })).toEqual({
      msgBox: 'https://xta.example.de/xta/MsgBoxPort',
      send: 'https://xta.example.de/xta/SendXtaPort',
      management: 'https://xta.example.de/xta/ManagementPort',
    });
  });

  it('lets an explicit endpoint win and leaves ports without address out', () => {
    expect(resolveXta2Endpoints({ baseUrl: 'https://a.de', endpoints: { send: 'https://b.de/XTA210sendPort.svc' } }).send).toBe('https://b.de/XTA210sendPort.svc');
    expect(resolveXta2Endpoints({ endpoints: { msgBox: 'https://b.de/box' } })).toEqual({ msgBox: 'https://b.de/box' });
  });
});
