import path from 'node:path';
import type { AppConfig } from '@app/config';
import { connectorContext, type ConnectorContext } from '@app/connectors';
import type { ConnectorRef, Route } from '@app/contracts';
import { contractsDir } from './contracts.locator.js';

/** Where a connector's notes go: Nest's Logger, for one. */
export interface ConnectorNotes {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * What a connector's hooks are given for one route, from this installation's settings (contracts folder,
 * routes file folder, body limit); its notes go to `logger`, each under `label` (default: the connector's name).
 */
export function connectorContextFor(config: AppConfig, route: Route, ref: ConnectorRef, logger: ConnectorNotes, label: string = ref.connector): ConnectorContext<unknown> {
  return connectorContext({
    route,
    ref,
    contractsDir: contractsDir(),
    configDir: path.dirname(config.paths.routesFile),
    defaultMaxBodyBytes: config.limits.maxBodyBytes,
    log: { info: (message) => logger.log(`${label}: ${message}`), warn: (message) => logger.warn(`${label}: ${message}`) },
  });
}
