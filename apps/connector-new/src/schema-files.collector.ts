import { realpath, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { descendants, readSchemaFile, SchemaFileError, WSDL_NAMESPACE, XSD_NAMESPACE, type SchemaNode } from './schema-document.reader.js';

/** One file of a schema set, read and placed. */
export interface CollectedFile {
  /** Real absolute path of the source. */
  source: string;
  /** Path below the set's base folder, with "/" separators: where the copy goes below `contracts/<name>/<version>/`. */
  relative: string;
  root: SchemaNode;
  /** Real path of the file each include/import/wsdl:import element of this file names. */
  targets: Map<SchemaNode, string>;
}

export interface SchemaSet {
  kind: 'xsd' | 'wsdl';
  /** The entry first, then every file it includes or imports, transitively, in the order found. */
  files: CollectedFile[];
  /** The deepest folder holding every file; relative paths between the files stay as they are below it. */
  baseDir: string;
  /** Licence and notice files found beside the entry or in the base folder, copied with the set. */
  notices: Array<{ source: string; relative: string }>;
}

/** Files a schema set may hold: a guard against a reference loop through generated names. */
const MAX_FILES = 500;
const NOTICE_FILE = /^(licen[cs]e|notice|copying)(\.(md|txt))?$/i;

/**
 * Collects a schema (`.xsd`) or WSDL 1.1 file with everything it includes or imports (`xs:include`,
 * `xs:import`, `xs:redefine`, `xs:override`, `wsdl:import`), resolved relative to the file that names it,
 * as the validators and node-soap resolve them. An import without a location is left alone (a namespace
 * the processor knows); a location that is a URL or an absolute path cannot be vendored and is refused,
 * as is a file that does not exist.
 */
export async function collectSchemaSet(entry: string, expected: 'xsd' | 'wsdl'): Promise<SchemaSet> {
  const entryPath = await realFile(entry, undefined);
  const files: CollectedFile[] = [];
  const seen = new Set<string>();
  const queue: string[] = [entryPath];
  seen.add(entryPath);
  while (queue.length > 0) {
    const file = queue.shift()!;
    const root = await readSchemaFile(file);
    if (files.length === 0) checkEntryKind(file, root, expected);
    const targets = new Map<SchemaNode, string>();
    files.push({ source: file, relative: '', root, targets });
    for (const { location, node } of referencesOf(root)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) {
        throw new SchemaFileError(`${file}:${node.line}: ${node.local} names ${location}, which cannot be vendored: download it next to the schema and refer to it by a relative path, then scaffold again`);
      }
      if (path.isAbsolute(location)) {
        throw new SchemaFileError(`${file}:${node.line}: ${node.local} names the absolute path ${location}; a vendored schema set needs relative references`);
      }
      const target = await realFile(path.resolve(path.dirname(file), decodePath(location)), `${file}:${node.line}: ${node.local} names ${location}`);
      targets.set(node, target);
      if (seen.has(target)) continue;
      if (seen.size >= MAX_FILES) throw new SchemaFileError(`${entryPath} pulls in more than ${MAX_FILES} files; is this the right entry file?`);
      seen.add(target);
      queue.push(target);
    }
  }
  const baseDir = commonFolder(files.map((file) => path.dirname(file.source)));
  for (const file of files) file.relative = path.relative(baseDir, file.source).split(path.sep).join('/');
  return { kind: expected, files, baseDir, notices: await noticesBeside(path.dirname(entryPath), baseDir) };
}

function checkEntryKind(file: string, root: SchemaNode, expected: 'xsd' | 'wsdl'): void {
  const isXsd = root.ns === XSD_NAMESPACE && root.local === 'schema';
  const isWsdl = root.ns === WSDL_NAMESPACE && root.local === 'definitions';
  const found = isXsd ? 'an XML schema' : isWsdl ? 'a WSDL 1.1 document' : `{${root.ns}}${root.local}`;
  if (expected === 'xsd' && !isXsd) throw new SchemaFileError(`${file} is not an XML schema (xs:schema); found ${found}${isWsdl ? ': give it with --wsdl' : ''}`);
  if (expected === 'wsdl' && !isWsdl) throw new SchemaFileError(`${file} is not a WSDL 1.1 document (wsdl:definitions); found ${found}${isXsd ? ': give it with --xsd' : ''}`);
}

/** Where a file points to other files of its set. */
function referencesOf(root: SchemaNode): Array<{ location: string; node: SchemaNode }> {
  const found: Array<{ location: string; node: SchemaNode }> = [];
  for (const node of descendants(root)) {
    let location: string | undefined;
    if (node.ns === XSD_NAMESPACE && ['include', 'import', 'redefine', 'override'].includes(node.local)) location = node.attrs.schemaLocation;
    else if (node.ns === WSDL_NAMESPACE && node.local === 'import') location = node.attrs.location;
    if (location !== undefined && location.trim() !== '') found.push({ location: location.trim(), node });
  }
  return found;
}

/** Schema locations are URI references: `%20` is a space. */
function decodePath(location: string): string {
  try {
    return decodeURIComponent(location);
  } catch {
    return location;
  }
}

async function realFile(file: string, referencedBy: string | undefined): Promise<string> {
  const absolute = path.resolve(file);
  try {
    const real = await realpath(absolute);
    if (!(await stat(real)).isFile()) throw new Error('not a file');
    return real;
  } catch {
    throw new SchemaFileError(referencedBy ? `${referencedBy}, but ${absolute} does not exist or is not a file` : `${absolute} does not exist or is not a file`);
  }
}

function commonFolder(folders: string[]): string {
  let common = folders[0]!;
  for (const folder of folders.slice(1)) {
    while (common !== path.dirname(common) && path.relative(common, folder).startsWith('..')) common = path.dirname(common);
  }
  return common;
}

async function noticesBeside(entryDir: string, baseDir: string): Promise<Array<{ source: string; relative: string }>> {
  const notices = new Map<string, string>();
  for (const folder of [entryDir, baseDir]) {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isFile() && NOTICE_FILE.test(entry.name)) notices.set(path.join(folder, entry.name), path.relative(baseDir, path.join(folder, entry.name)).split(path.sep).join('/'));
    }
  }
  return [...notices].map(([source, relative]) => ({ source, relative }));
}
