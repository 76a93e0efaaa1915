import type { Xta2Party } from './xta2-metadata.builder.js';

/** What the connector reads from an `oscimeta:MessageMetaData` it received (status list entry or getMessage header). */
export interface Xta2MetaDataSummary {
  messageId?: string;
  author?: Xta2Party;
  reader?: Xta2Party;
  service?: string;
  /** The code of a defined scenario, or the text of an undefined one. */
  businessScenario?: string;
  messageType?: { code?: string; payloadSchema?: string };
  sizeBytes?: number;
  testMessage: boolean;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

/** node-soap gives simple content as a plain value, or as `{ $value, attributes }` when the element has attributes. */
export function soapText(value: unknown): string | undefined {
  if (Array.isArray(value)) return soapText(value[0]);
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (isNode(value) && '$value' in value) return soapText(value['$value']);
  return undefined;
}

export function soapAttributes(value: unknown): Record<string, string> {
  const node = Array.isArray(value) ? value[0] : value;
  const attributes = isNode(node) ? node['attributes'] : undefined;
  if (!isNode(attributes)) return {};
  return Object.fromEntries(Object.entries(attributes).flatMap(([k, v]) => (v === undefined || v === null ? [] : [[k, String(v)]])));
}

/** A child of a node-soap object; node-soap keeps prefixes out of keys, but tolerate `prefix:Name` too. */
export function soapChild(node: unknown, name: string): unknown {
  const value = Array.isArray(node) ? node[0] : node;
  if (!isNode(value)) return undefined;
  if (name in value) return value[name];
  const key = Object.keys(value).find((k) => k.slice(k.indexOf(':') + 1) === name);
  return key === undefined ? undefined : value[key];
}

/** A repeated child as a list (node-soap gives one occurrence as a value, several as an array). */
export function soapList(node: unknown, name: string): unknown[] {
  const value = soapChild(node, name);
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function party(node: unknown): Xta2Party | undefined {
  const identifier = soapChild(node, 'Identifier');
  const id = soapText(identifier);
  if (!id) return undefined;
  const attrs = soapAttributes(identifier);
  return { id, type: attrs['type'] ?? '', ...(attrs['name'] ? { name: attrs['name'] } : {}), ...(attrs['category'] ? { category: attrs['category'] } : {}) };
}

/** Reads the facts the poller needs from a MessageMetaData as node-soap parsed it; missing parts stay undefined. */
export function readMessageMetaData(metaData: unknown): Xta2MetaDataSummary {
  const qualifier = soapChild(metaData, 'Qualifier');
  const scenario = soapChild(qualifier, 'BusinessScenario');
  const messageType = soapChild(qualifier, 'MessageType');
  const size = Number(soapText(soapChild(metaData, 'MsgSize')));
  const summary: Xta2MetaDataSummary = { testMessage: soapAttributes(metaData)['TestMsg'] === 'true' };
  const messageId = soapText(soapChild(soapChild(metaData, 'MsgIdentification'), 'MessageID'));
  if (messageId) summary.messageId = messageId;
  const author = party(soapChild(soapChild(metaData, 'Originators'), 'Author'));
  if (author) summary.author = author;
  const reader = party(soapChild(soapChild(metaData, 'Destinations'), 'Reader'));
  if (reader) summary.reader = reader;
  const service = soapText(soapChild(qualifier, 'Service'));
  if (service) summary.service = service;
  const scenarioText = soapText(soapChild(soapChild(scenario, 'Defined'), 'code')) ?? soapText(soapChild(scenario, 'Undefined'));
  if (scenarioText) summary.businessScenario = scenarioText;
  if (messageType !== undefined) {
    const code = soapText(soapChild(messageType, 'code'));
    const payloadSchema = soapAttributes(messageType)['payloadSchema'];
    summary.messageType = { ...(code ? { code } : {}), ...(payloadSchema ? { payloadSchema } : {}) };
  }
  if (Number.isSafeInteger(size) && size >= 0) summary.sizeBytes = size;
  return summary;
}
