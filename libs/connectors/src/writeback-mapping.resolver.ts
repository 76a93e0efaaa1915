import { PermanentError } from '@app/contracts';
import type { AiLabel, CanonicalDocument, SoapWritebackConfig, StepResult } from '@app/contracts';

export type WritebackMapping = SoapWritebackConfig['mapping'];

/** What a mapping path may read from: nothing else is reachable. */
export interface WritebackContext {
  document: CanonicalDocument;
  /** Step id -> result. */
  results: Record<string, StepResult>;
  label: AiLabel;
  route: { id: string };
}

const ROOTS = new Set(['document', 'results', 'label', 'route']);

/** Names that lead to prototypes, in a path or an argument key. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Builds the argument object of a SOAP write-back call from a route's mapping. Keys with dots
 * become nested objects (`aiLabel.provider` -> `{ aiLabel: { provider } }`); a value is a path into
 * the context (`results.kurz.output.summary`) or a fixed `{ value }`. A path that leads nowhere
 * leaves its argument out, so optional facts (a missing XÖV process id) need no special casing.
 * Paths only follow own properties: configuration must not reach prototypes or functions.
 */
export function resolveWritebackMapping(mapping: WritebackMapping, context: WritebackContext): Record<string, unknown> {
  assertNoOverlap(Object.keys(mapping));
  const args: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(mapping)) {
    const value = typeof source === 'string' ? resolvePath(source, context) : literal(key, source);
    if (value === undefined) continue;
    setNested(args, key, value);
  }
  return args;
}

function literal(key: string, source: unknown): unknown {
  if (source !== null && typeof source === 'object' && Object.hasOwn(source, 'value')) {
    const value = (source as { value: unknown }).value;
    if (['string', 'number', 'boolean'].includes(typeof value)) return value;
  }
  throw new PermanentError(`write-back mapping for "${key}" is neither a path nor { value: string | number | boolean }`, 'writeback-mapping-invalid');
}

function resolvePath(path: string, context: WritebackContext): unknown {
  const segments = splitChecked(path, 'path');
  const [root, ...rest] = segments;
  if (!root || !ROOTS.has(root)) {
    throw new PermanentError(`write-back mapping path "${path}" must start with document., results., label. or route.`, 'writeback-mapping-invalid');
  }
  let current: unknown = context[root as keyof WritebackContext];
  for (const segment of rest) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === null || current === undefined || typeof current === 'function' || typeof current === 'symbol') return undefined;
  // A copy, so that whatever builds the SOAP request cannot change the stored result.
  return typeof current === 'object' ? structuredClone(current) : current;
}

/** `a` and `a.b` both mapped would make `a` both a value and an object: refused whatever resolves. */
function assertNoOverlap(keys: string[]): void {
  const all = new Set(keys);
  for (const key of keys) {
    const segments = splitChecked(key, 'argument name');
    for (let i = 1; i < segments.length; i++) {
      const prefix = segments.slice(0, i).join('.');
      if (all.has(prefix)) throw new PermanentError(`write-back arguments "${prefix}" and "${key}" overlap`, 'writeback-mapping-invalid');
    }
  }
}

function setNested(target: Record<string, unknown>, key: string, value: unknown): void {
  const segments = key.split('.');
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    if (!Object.hasOwn(node, segment)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}

function splitChecked(text: string, what: string): string[] {
  const segments = text.split('.');
  for (const segment of segments) {
    if (segment === '') throw new PermanentError(`write-back ${what} "${text}" has an empty part`, 'writeback-mapping-invalid');
    if (FORBIDDEN_SEGMENTS.has(segment)) throw new PermanentError(`write-back ${what} "${text}" uses "${segment}", which is refused`, 'writeback-mapping-invalid');
  }
  return segments;
}
