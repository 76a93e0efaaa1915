import type { ConnectorRef, Route } from '@app/contracts';
import type { Connector } from './connector.definition.js';

/** A connector of any options and parsed form, as the registry keeps it. */
export type AnyConnector = Connector<any, any>;

/**
 * Names a connector cannot have: the ways in a route `accept`s and the write-back types that are no
 * connector (`writeback: { type: folder }` must never mean a connector called "folder").
 */
export const RESERVED_CONNECTOR_NAMES: readonly string[] = ['folder', 'soap', 'rest', 'connector'];

/** A name no registered connector has; the message lists the names that exist. */
export class UnknownConnectorError extends Error {
  override name = 'UnknownConnectorError';
  readonly code = 'unknown-connector';
}

/**
 * The connectors one process knows, by name. The built-in ones are listed in connectors.catalogue.ts;
 * an installation with its own connector registers it before the configuration is loaded, and nothing
 * else in the core changes.
 */
export class ConnectorRegistry {
  private readonly byName = new Map<string, AnyConnector>();

  constructor(connectors: Iterable<AnyConnector> = []) {
    for (const connector of connectors) this.register(connector);
  }

  /** Adds a connector made with defineConnector; a second connector of the same name is an error, the same one again is not. */
  register(connector: AnyConnector): this {
    if ((connector as { kind?: unknown } | undefined)?.kind !== 'connector') {
      throw new TypeError('register connectors made with defineConnector({...})');
    }
    if (RESERVED_CONNECTOR_NAMES.includes(connector.name)) {
      throw new Error(`connector "${connector.name}": the name is reserved (${RESERVED_CONNECTOR_NAMES.join(', ')})`);
    }
    const known = this.byName.get(connector.name);
    if (known && known !== connector) throw new Error(`connector "${connector.name}" is registered twice`);
    this.byName.set(connector.name, connector);
    return this;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The known names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  get(name: string): AnyConnector {
    const connector = this.byName.get(name);
    if (!connector) throw new UnknownConnectorError(`unknown connector "${name}"; known connectors: ${this.names().join(', ') || '(none)'}`);
    return connector;
  }
}

/** How a route uses a connector; each use needs its hooks. */
export type ConnectorRole = 'connector' | 'source' | 'writeback';

const ROLE_NEEDS: Record<ConnectorRole, { hooks: ReadonlyArray<'parse' | 'receive' | 'send' | 'fromResult'>; what: string }> = {
  connector: { hooks: ['parse'], what: 'read a route\'s messages as `connector:` (it has no parse hook)' },
  source: { hooks: ['receive'], what: 'fetch messages under `sources:` (it has no receive hook)' },
  writeback: { hooks: ['send', 'fromResult'], what: 'write results back (it has neither send nor fromResult)' },
};

/** A problem with a route's connector settings, at its path in the routes file. */
export interface ConnectorConfigIssue {
  path: Array<string | number>;
  message: string;
}

export interface ConnectorCheck {
  /** The routes with every connector's options parsed by its `options` schema (defaults filled in). */
  routes: Route[];
  issues: ConnectorConfigIssue[];
}

/**
 * Checks every connector a route names (`connector:`, `sources:`, `writeback: { type: <connector> }`):
 * the name is known, the connector has the hooks that use needs, and the options pass the connector's
 * own schema. Issues carry their path in the routes file (`routes.rechnungen.connector.schema`).
 */
export function checkRouteConnectors(routes: readonly Route[], registry: ConnectorRegistry): ConnectorCheck {
  const issues: ConnectorConfigIssue[] = [];
  const checkRef = (ref: ConnectorRef, path: Array<string | number>, role: ConnectorRole): ConnectorRef => {
    if (!registry.has(ref.connector)) {
      issues.push({ path: [...path, 'type'], message: `unknown connector "${ref.connector}"; known connectors: ${registry.names().join(', ') || '(none)'}` });
      return ref;
    }
    const connector = registry.get(ref.connector);
    const needs = ROLE_NEEDS[role];
    if (!needs.hooks.some((hook) => typeof connector[hook] === 'function')) {
      issues.push({ path: [...path, 'type'], message: `connector "${connector.name}" cannot ${needs.what}` });
    }
    if (!connector.options) {
      for (const key of Object.keys(ref.options)) issues.push({ path: [...path, key], message: `connector "${connector.name}" takes no options` });
      return ref;
    }
    const parsed = connector.options.safeParse(ref.options);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) issues.push({ path: [...path, ...issue.path.map((key) => (typeof key === 'number' ? key : String(key)))], message: issue.message });
      return ref;
    }
    if (typeof parsed.data !== 'object' || parsed.data === null || Array.isArray(parsed.data)) {
      issues.push({ path, message: `connector "${connector.name}" has an options schema that does not give an object` });
      return ref;
    }
    return { connector: ref.connector, options: parsed.data as Record<string, unknown> };
  };

  const checked = routes.map((route): Route => {
    const at = ['routes', route.id];
    const out: Route = { ...route };
    if (route.connector) out.connector = checkRef(route.connector, [...at, 'connector'], 'connector');
    if (route.sources) out.sources = route.sources.map((source, index) => checkRef(source, [...at, 'sources', index], 'source'));
    if (route.writeback.type === 'connector') out.writeback = { type: 'connector', ...checkRef(route.writeback, [...at, 'writeback'], 'writeback') };
    return out;
  });
  return { routes: checked, issues };
}
