import { ConnectorRegistry, type AnyConnector } from './sdk/connector.registry.js';
import { xdomeaConnector } from './xdomea/xdomea.connector.js';
import { xrechnungConnector } from './xrechnung/xrechnung.connector.js';
import { xta2Connector } from './xta2/xta2.connector.js';

/** The connectors that come with Schnittstelle; a route names them by `name`. */
export const BUILT_IN_CONNECTORS: readonly AnyConnector[] = Object.freeze([xdomeaConnector, xrechnungConnector, xta2Connector]);

/**
 * The connectors of this process: the built-in ones, and any an installation registers before its
 * configuration is loaded (`connectorRegistry.register(myConnector)` in its own start file). The
 * routes are checked against it at start, intake, sources and write-back look connectors up in it.
 */
export const connectorRegistry = new ConnectorRegistry(BUILT_IN_CONNECTORS);
