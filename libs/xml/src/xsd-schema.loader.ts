import { readFileSync, realpathSync, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issuesOf, untrustedParseOptions, XsdSchemaValidator, type Libxml2Document, type Libxml2Module, type XsdValidationIssue } from './xsd.validator.js';

/*
 * The only file of libs/xml that touches the file system: it reads XSD files while a schema compiles.
 * libxml2-wasm cannot see the file system by itself; the input provider registered here serves it
 * `.xsd` files below the folders allowed for the schema being compiled, and only while that schema
 * compiles. Everything else (other files, other folders, http:, ftp:, ...) is refused, so neither an
 * xs:include in a schema nor anything in a validated document can read the machine or the network.
 */

export interface XsdSchemaLoadOptions {
  /**
   * Folders whose `.xsd` files the schema may include or import (xdomea imports `../xoev/...`, so its
   * root is the folder above `xdomea_3.0.0`). Default: the entry file's folder. The entry must lie inside.
   */
  roots?: readonly string[];
}

/** A schema could not be compiled; `refused` names the files the input provider would not serve. */
export class XsdSchemaLoadError extends Error {
  override readonly name = 'XsdSchemaLoadError';

  constructor(
    message: string,
    readonly schemaPath: string,
    readonly details: readonly XsdValidationIssue[] = [],
    readonly refused: readonly string[] = [],
  ) {
    super(message);
  }
}

let libxml2: Promise<Libxml2Module> | undefined;

/** libxml2-wasm, instantiated on first use (about 50 ms), so processes that never validate do not pay for it. */
export function loadLibxml2(): Promise<Libxml2Module> {
  libxml2 ??= import('libxml2-wasm');
  return libxml2;
}

// ---- the input provider ------------------------------------------------------------------------------

/** Real paths of the folders the schema being compiled may read from; undefined when no schema compiles. */
let activeRoots: readonly string[] | undefined;
/** What the schema being compiled asked for and did not get. */
let refusedRequests: string[] = [];
const openFiles = new Map<number, { bytes: Buffer; offset: number }>();
let nextHandle = 1;
let registeredWith: Libxml2Module | undefined;

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The real path of an allowed schema file for a name libxml2 asks for, or undefined. */
function allowedSchemaFile(name: string): string | undefined {
  const roots = activeRoots;
  if (!roots) return undefined;
  let candidates: string[];
  if (/^file:/i.test(name)) {
    try {
      candidates = [fileURLToPath(name)];
    } catch {
      return undefined;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(name)) {
    return undefined; // http:, https:, ftp:, data:, ... never
  } else {
    // libxml2 escapes the paths it builds from a base and a relative location (a space becomes %20).
    candidates = [path.resolve(name)];
    if (name.includes('%')) {
      try {
        candidates.push(path.resolve(decodeURIComponent(name)));
      } catch {
        // not an escaped path; the literal one is still tried
      }
    }
  }
  for (const candidate of candidates) {
    if (path.extname(candidate).toLowerCase() !== '.xsd') continue;
    let real: string;
    try {
      real = realpathSync(candidate);
      if (!statSync(real).isFile()) continue;
    } catch {
      continue;
    }
    // A link named `.xsd` must not lead to another kind of file or out of the schema folders.
    if (path.extname(real).toLowerCase() === '.xsd' && roots.some((root) => isInside(real, root))) return real;
  }
  return undefined;
}

function registerInputProvider(lib: Libxml2Module): void {
  if (registeredWith === lib) return;
  const registered = lib.xmlRegisterInputProvider({
    match(name) {
      if (!activeRoots) return false;
      if (allowedSchemaFile(name) !== undefined) return true;
      refusedRequests.push(name);
      return false;
    },
    open(name) {
      const file = allowedSchemaFile(name);
      if (file === undefined) return undefined;
      try {
        const handle = nextHandle++;
        openFiles.set(handle, { bytes: readFileSync(file), offset: 0 });
        return handle;
      } catch {
        return undefined;
      }
    },
    read(handle, buffer) {
      const open = openFiles.get(handle);
      if (!open) return -1;
      const count = Math.min(buffer.byteLength, open.bytes.byteLength - open.offset);
      buffer.set(open.bytes.subarray(open.offset, open.offset + count));
      open.offset += count;
      return count;
    },
    close(handle) {
      openFiles.delete(handle);
      return true;
    },
  });
  if (!registered) throw new Error('libxml2 did not accept the XSD input provider (its callback table is full)');
  registeredWith = lib;
}

// ---- compiling and caching ---------------------------------------------------------------------------

const compiled = new Map<string, Promise<XsdSchemaValidator>>();
/**
 * Entry paths as callers spell them (made absolute) to the real path of a schema that compiled. Like the
 * compiled schema, the resolution is kept for the life of the process: validating a document then costs
 * no file-system round trips (realpath and stat each went through the thread pool on every call).
 */
const resolvedEntries = new Map<string, string>();

/**
 * The validator for the schema whose entry file is `entry`: compiled on first use (xdomea about 100-200 ms,
 * UBL about 250-550 ms) and cached per entry file for the life of the process. Includes and imports
 * resolve relative to the entry file and only to `.xsd` files below `options.roots`.
 * Rejects with XsdSchemaLoadError when the schema cannot be read or compiled.
 */
export async function loadXsdSchema(entry: string, options: XsdSchemaLoadOptions = {}): Promise<XsdSchemaValidator> {
  const absolute = path.resolve(entry);
  const known = resolvedEntries.get(absolute);
  const cached = known === undefined ? undefined : compiled.get(known);
  if (cached) return cached;
  const entryPath = await realSchemaPath(absolute);
  let loading = compiled.get(entryPath);
  if (!loading) {
    loading = compileSchema(entryPath, options);
    compiled.set(entryPath, loading);
    // A failure is not cached: the operator may fix the file and try again.
    loading.catch(() => compiled.delete(entryPath));
  }
  loading.then(
    () => {
      if (compiled.get(entryPath) === loading) resolvedEntries.set(absolute, entryPath);
    },
    () => undefined,
  );
  return loading;
}

/** Disposes every cached validator (tests, shutdown); later calls of loadXsdSchema compile afresh. */
export async function disposeXsdSchemas(): Promise<void> {
  const loading = [...compiled.values()];
  compiled.clear();
  resolvedEntries.clear();
  for (const result of await Promise.allSettled(loading)) if (result.status === 'fulfilled') result.value.dispose();
}

async function realSchemaPath(entry: string): Promise<string> {
  const absolute = path.resolve(entry);
  let real: string;
  try {
    real = await realpath(absolute);
    if (!(await stat(real)).isFile()) throw new Error('not a file');
  } catch {
    throw new XsdSchemaLoadError(`Schema file ${absolute} does not exist or is not a file`, absolute);
  }
  if (path.extname(real).toLowerCase() !== '.xsd') throw new XsdSchemaLoadError(`Schema file ${absolute} is not an .xsd file`, absolute);
  return real;
}

async function realRoots(entryPath: string, roots: readonly string[] | undefined): Promise<string[]> {
  if (!roots || roots.length === 0) return [path.dirname(entryPath)];
  const real: string[] = [];
  for (const root of roots) {
    try {
      real.push(await realpath(path.resolve(root)));
    } catch {
      throw new XsdSchemaLoadError(`Schema folder ${path.resolve(root)} does not exist`, entryPath);
    }
  }
  if (!real.some((root) => isInside(entryPath, root))) {
    throw new XsdSchemaLoadError(`Schema file ${entryPath} is outside the allowed schema folders (${real.join(', ')})`, entryPath);
  }
  return real;
}

async function compileSchema(entryPath: string, options: XsdSchemaLoadOptions): Promise<XsdSchemaValidator> {
  const lib = await loadLibxml2();
  const roots = await realRoots(entryPath, options.roots);
  const bytes = await readFile(entryPath);
  registerInputProvider(lib);

  // From here to the end nothing awaits: the provider serves this schema's roots and nobody else's.
  activeRoots = roots;
  refusedRequests = [];
  let schemaDocument: Libxml2Document | undefined;
  try {
    // The entry's own path as its URL, so relative includes and imports resolve next to it.
    schemaDocument = lib.XmlDocument.fromBuffer(bytes, { url: entryPath, option: untrustedParseOptions(lib) });
    const validator = new XsdSchemaValidator(lib, lib.XsdValidator.fromDoc(schemaDocument), entryPath, schemaDocument);
    schemaDocument = undefined; // the validator owns it now
    return validator;
  } catch (error) {
    if (!(error instanceof lib.XmlError)) throw error;
    const details = issuesOf(error instanceof lib.XmlLibError ? error.details : undefined, error.message);
    const refused = [...new Set(refusedRequests)];
    const why = refused.length > 0 ? `; not served (only .xsd files below ${roots.join(', ')}): ${refused.join(', ')}` : '';
    throw new XsdSchemaLoadError(`Schema ${entryPath} cannot be compiled: ${details[0]!.message}${why}`, entryPath, details, refused);
  } finally {
    activeRoots = undefined;
    schemaDocument?.dispose();
  }
}
