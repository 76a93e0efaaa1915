/*
 * The two lines a new built-in connector needs outside its own folder: an entry in the list of built-in
 * connectors (connectors.catalogue.ts) and an export from the library's entry point (index.ts). Both edits
 * add text and change nothing else; when the files do not have the expected shape the scaffold stops
 * before writing anything and says what to add by hand.
 */

export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
}

const LIST_START = /BUILT_IN_CONNECTORS\s*:[^=]*=\s*Object\.freeze\(\[/;

/** The catalogue with the connector imported and appended to BUILT_IN_CONNECTORS. */
export function addToCatalogue(source: string, name: string, identifier: string): string {
  const importLine = `import { ${identifier} } from './${name}/${name}.connector.js';`;
  if (source.includes(importLine)) throw new RegistrationError(`connectors.catalogue.ts already imports ${identifier}`);
  const list = LIST_START.exec(source);
  if (!list) throw new RegistrationError('connectors.catalogue.ts has no `BUILT_IN_CONNECTORS ... = Object.freeze([...])`');
  const listStart = list.index + list[0].length;
  const listEnd = source.indexOf('])', listStart);
  if (listEnd === -1) throw new RegistrationError('connectors.catalogue.ts: the list of BUILT_IN_CONNECTORS does not end in `])`');
  const entries = source.slice(listStart, listEnd);
  if (new RegExp(`\\b${identifier}\\b`).test(entries)) throw new RegistrationError(`BUILT_IN_CONNECTORS already lists ${identifier}`);
  // Keep the list's own layout: one line, or one entry per line.
  const trimmed = entries.replace(/\s+$/, '');
  const multiline = entries.includes('\n');
  const indent = multiline ? (/\n([ \t]*)\S/.exec(entries)?.[1] ?? '  ') : '';
  const separator = trimmed === '' ? '' : trimmed.endsWith(',') ? (multiline ? `\n${indent}` : ' ') : multiline ? `,\n${indent}` : ', ';
  const withEntry = `${source.slice(0, listStart)}${trimmed}${separator}${identifier}${multiline && trimmed.endsWith(',') ? ',' : ''}${entries.slice(trimmed.length)}${source.slice(listEnd)}`;

  // The import goes after the last import line.
  const imports = [...withEntry.matchAll(/^import .*;$/gm)];
  const last = imports.at(-1);
  if (!last) throw new RegistrationError('connectors.catalogue.ts has no import lines');
  const at = last.index + last[0].length;
  return `${withEntry.slice(0, at)}\n${importLine}${withEntry.slice(at)}`;
}

/** The library entry point with the connector folder's exports added at the end. */
export function addToIndex(source: string, name: string): string {
  const line = `export * from './${name}/index.js';`;
  if (source.split('\n').some((existing) => existing.trim() === line)) throw new RegistrationError(`index.ts already has ${line}`);
  return `${source.replace(/\n*$/, '\n')}${line}\n`;
}
