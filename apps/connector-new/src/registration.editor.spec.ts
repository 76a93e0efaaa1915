import { describe, expect, it } from '@jest/globals';
import { addToCatalogue, addToIndex, RegistrationError } from './registration.editor.js';

const ONE_LINE = `import { ConnectorRegistry, type AnyConnector } from './sdk/connector.registry.js';
import { xdomeaConnector } from './xdomea/xdomea.connector.js';

/** The connectors that come with Schnittstelle. */
export const BUILT_IN_CONNECTORS: readonly AnyConnector[] = Object.freeze([xdomeaConnector]);

export const connectorRegistry = new ConnectorRegistry(BUILT_IN_CONNECTORS);
`;

describe('addToCatalogue', () => {
  it('adds the import after the last one and the entry at the end of the one-line list, nothing else', () => {
    expect(addToCatalogue(ONE_LINE, 'xbau', 'xbauConnector')).toBe(`import { ConnectorRegistry, type AnyConnector } from './sdk/connector.registry.js';
import { xdomeaConnector } from './xdomea/xdomea.connector.js';
import { xbauConnector } from './xbau/xbau.connector.js';

/** The connectors that come with Schnittstelle. */
export const BUILT_IN_CONNECTORS: readonly AnyConnector[] = Object.freeze([xdomeaConnector, xbauConnector]);

export const connectorRegistry = new ConnectorRegistry(BUILT_IN_CONNECTORS);
`);
  });

  it('keeps a list written one entry per line as it is', () => {
    const multiline = ONE_LINE.replace('Object.freeze([xdomeaConnector])', 'Object.freeze([\n  xdomeaConnector,\n  xta2Connector,\n])');
    expect(addToCatalogue(multiline, 'xbau', 'xbauConnector')).toContain('Object.freeze([\n  xdomeaConnector,\n  xta2Connector,\n  xbauConnector,\n])');
    expect(addToCatalogue(ONE_LINE.replace('[xdomeaConnector]', '[]'), 'xbau', 'xbauConnector')).toContain('Object.freeze([xbauConnector])');
  });

  it('refuses a catalogue of another shape, or one that has the connector already', () => {
    expect(() => addToCatalogue(ONE_LINE.replace('Object.freeze([xdomeaConnector])', '[xdomeaConnector]'), 'xbau', 'xbauConnector')).toThrow(RegistrationError);
    const twice = addToCatalogue(ONE_LINE, 'xbau', 'xbauConnector');
    expect(() => addToCatalogue(twice, 'xbau', 'xbauConnector')).toThrow('already imports xbauConnector');
  });
});

describe('addToIndex', () => {
  it('adds one export line at the end, once', () => {
    expect(addToIndex("export * from './sdk/index.js';\n", 'xbau')).toBe("export * from './sdk/index.js';\nexport * from './xbau/index.js';\n");
    expect(addToIndex("export * from './sdk/index.js';", 'xbau')).toBe("export * from './sdk/index.js';\nexport * from './xbau/index.js';\n");
    expect(() => addToIndex("export * from './xbau/index.js';\n", 'xbau')).toThrow(RegistrationError);
  });
});
