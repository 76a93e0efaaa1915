/**
 * The text of a value as node-soap hands it to a handler. An element that carries attributes
 * (`<routeId xsi:type="xsd:string">akten</routeId>`, which some toolkits send) arrives as
 * `{ attributes, $value }` instead of a plain string; an empty element as null. Handlers that want
 * text should read it through this rather than assume a string.
 */
export function soapText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '$value')) return soapText((value as { $value: unknown }).$value);
  return undefined;
}
