import type { ConnectorRef, Route } from '@app/contracts';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '@app/xml';
import type { ConnectorContext, ConnectorLimits } from './connector.definition.js';

/** Unpacked containers may be this many times larger than the body limit unless the route says otherwise. */
export const DEFAULT_UNPACKED_FACTOR = 10;

/**
 * The limits in force for a route: its `limits:` (or the older `maxBodyBytes:`), else the installation's
 * MAX_BODY_BYTES and the XML defaults.
 */
export function resolveRouteLimits(route: Pick<Route, 'limits' | 'maxBodyBytes'>, defaultMaxBodyBytes: number): ConnectorLimits {
  const maxBytes = route.limits?.maxBodyBytes ?? route.maxBodyBytes ?? defaultMaxBodyBytes;
  return {
    maxBytes,
    maxDepth: route.limits?.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth,
    maxAttributes: route.limits?.maxAttributes ?? DEFAULT_XML_LIMITS.maxAttributesPerElement,
    maxUnpackedBytes: route.limits?.maxUnpackedBytes ?? maxBytes * DEFAULT_UNPACKED_FACTOR,
  };
}

/** The same limits in the form inspectXml (@app/xml) takes. */
export function xmlLimitsOf(limits: ConnectorLimits): XmlLimits {
  return { maxBytes: limits.maxBytes, maxDepth: limits.maxDepth, maxAttributesPerElement: limits.maxAttributes };
}

export interface ConnectorContextInput {
  route: Route;
  /** The connector entry of the route whose options the hooks get. */
  ref: ConnectorRef;
  contractsDir: string;
  configDir: string;
  defaultMaxBodyBytes: number;
  log: ConnectorContext<unknown>['log'];
}

/** What a hook is given besides its input, for one route's use of one connector. */
export function connectorContext<Options = unknown>(input: ConnectorContextInput): ConnectorContext<Options> {
  return Object.freeze({
    options: input.ref.options as Options,
    route: input.route,
    contractsDir: input.contractsDir,
    configDir: input.configDir,
    limits: Object.freeze(resolveRouteLimits(input.route, input.defaultMaxBodyBytes)),
    log: input.log,
  });
}
