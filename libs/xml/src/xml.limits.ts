/** Bounds for reading untrusted XML; every one is checked before the text reaches a parser. */
export interface XmlLimits {
  /** Largest accepted input in bytes (UTF-8 bytes for string input). */
  maxBytes: number;
  /** Deepest accepted element nesting; the root element is depth 1. */
  maxDepth: number;
  /** Most attributes (namespace declarations included) on one element. */
  maxAttributesPerElement: number;
}

export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxDepth: 64,
  maxAttributesPerElement: 256,
});

/** Fills unset limits from the defaults; a limit that is not a positive integer is a programming error. */
export function resolveXmlLimits(limits: Partial<XmlLimits> = {}): XmlLimits {
  const resolved: XmlLimits = { ...DEFAULT_XML_LIMITS };
  for (const key of Object.keys(DEFAULT_XML_LIMITS) as Array<keyof XmlLimits>) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`XML limit ${key} must be a positive integer, got ${String(value)}`);
    resolved[key] = value;
  }
  return resolved;
}
