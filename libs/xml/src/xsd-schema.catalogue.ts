import path from 'node:path';
import { InputError } from '@app/contracts';
import { loadLibxml2, loadXsdSchema } from './xsd-schema.loader.js';
import { parseUntrustedXml, type XsdValidationResult } from './xsd.validator.js';

/** Which schema validates which documents, by the root element's namespace (and name). */
export interface XsdCatalogueEntry {
  /** For people: `xdomea 3.0.0`, `UBL 2.1 Invoice`. */
  name: string;
  /** Namespace URI of the root element. */
  namespace: string;
  /** Local name of the root element; absent: every root element of the namespace (xdomea has one per message type). */
  rootElement?: string;
  /** The schema's entry file, relative to the catalogue root. */
  schema: string;
  /** The folder, relative to the catalogue root, whose `.xsd` files the schema may include and import. */
  schemaRoot: string;
}

export const XDOMEA_3_NAMESPACE = 'urn:xoev-de:xdomea:schema:3.0.0';
export const UBL_INVOICE_NAMESPACE = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_CREDIT_NOTE_NAMESPACE = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';

/** The vendored schemas under `contracts/` (see the README.md beside each for source and licence). */
export const XSD_CATALOGUE: readonly XsdCatalogueEntry[] = Object.freeze([
  { name: 'xdomea 3.0.0', namespace: XDOMEA_3_NAMESPACE, schema: 'xdomea/3.0.0/xdomea_3.0.0/xdomea.xsd', schemaRoot: 'xdomea/3.0.0' },
  { name: 'UBL 2.1 Invoice', namespace: UBL_INVOICE_NAMESPACE, rootElement: 'Invoice', schema: 'ubl/2.1/maindoc/UBL-Invoice-2.1.xsd', schemaRoot: 'ubl/2.1' },
  {
    name: 'UBL 2.1 CreditNote',
    namespace: UBL_CREDIT_NOTE_NAMESPACE,
    rootElement: 'CreditNote',
    schema: 'ubl/2.1/maindoc/UBL-CreditNote-2.1.xsd',
    schemaRoot: 'ubl/2.1',
  },
]);

/** The entry for a root element: an exact name match wins over a namespace-wide entry. */
export function findCatalogueSchema(
  namespace: string | undefined,
  rootElement: string,
  catalogue: readonly XsdCatalogueEntry[] = XSD_CATALOGUE,
): XsdCatalogueEntry | undefined {
  if (!namespace) return undefined;
  const inNamespace = catalogue.filter((entry) => entry.namespace === namespace);
  return inNamespace.find((entry) => entry.rootElement === rootElement) ?? inNamespace.find((entry) => entry.rootElement === undefined);
}

export interface CatalogueSchema {
  name: string;
  /** Absolute path of the entry file. */
  path: string;
}

export interface CatalogueValidationResult extends XsdValidationResult {
  /** Local name and namespace of the root element; absent when the document could not be read. */
  rootElement?: string;
  namespace?: string;
  /** The schema the document was validated against; absent when the document could not be read. */
  schema?: CatalogueSchema;
}

export interface CatalogueValidationOptions {
  catalogue?: readonly XsdCatalogueEntry[];
}

/**
 * Validates untrusted XML against the catalogue schema its root element names, compiling each schema
 * once per process. Returns errors with line and column (not well-formed, or not valid). Throws
 * InputError for refused input: 'doctype', 'encoding', 'empty', or 'unknown-schema' (422) when no
 * schema in the catalogue fits the root element. `catalogueRoot` is the folder holding the vendored
 * schemas, i.e. `contracts/`.
 */
export async function validateAgainstCatalogue(
  input: Uint8Array | string,
  catalogueRoot: string,
  options: CatalogueValidationOptions = {},
): Promise<CatalogueValidationResult> {
  const lib = await loadLibxml2();
  const parsed = parseUntrustedXml(lib, input);
  if (parsed.errors) return { valid: false, errors: parsed.errors };
  const { document } = parsed;
  try {
    const root = document.root;
    const namespace = root.namespaceUri || undefined;
    const rootElement = root.name;
    const entry = findCatalogueSchema(namespace, rootElement, options.catalogue);
    if (!entry) {
      const known = (options.catalogue ?? XSD_CATALOGUE).map((candidate) => candidate.name).join(', ');
      const qualified = namespace ? `{${namespace}}${rootElement}` : `${rootElement} (no namespace)`;
      throw new InputError(`No schema in the catalogue for the root element ${qualified}; known: ${known}`, 'unknown-schema', 422);
    }
    const schemaPath = path.resolve(catalogueRoot, entry.schema);
    const validator = await loadXsdSchema(schemaPath, { roots: [path.resolve(catalogueRoot, entry.schemaRoot)] });
    const result: CatalogueValidationResult = { ...validator.validateDocument(document), rootElement, schema: { name: entry.name, path: validator.schemaPath } };
    if (namespace) result.namespace = namespace;
    return result;
  } finally {
    document.dispose();
  }
}
