import type { XoevHeader } from '@app/contracts';
import type { XmlLimits } from './xml.limits.js';
import { readXmlHeaderAndText } from './xml.parser.js';
import { validateAgainstCatalogue } from './xsd-schema.catalogue.js';
import { loadXsdSchema } from './xsd-schema.loader.js';
import type { XsdValidationResult } from './xsd.validator.js';

/** Which XSD check a document gets: none, the catalogue schema its root element names, or one schema file. */
export type XmlIntakeValidation = { kind: 'none' } | { kind: 'catalogue'; catalogueRoot: string } | { kind: 'schema'; schemaPath: string };

export interface XmlIntakeOptions {
  limits?: Partial<XmlLimits>;
  validation: XmlIntakeValidation;
}

/** What intake needs of an XML document; plain data, so it crosses a worker boundary as it is. */
export interface XmlIntakeResult {
  /** The readable text for the AI steps (see extractText). */
  text: string;
  rootElement: string;
  xoev?: XoevHeader;
  warnings: string[];
  /** The XSD check's outcome; absent when the document was not validated. */
  validation?: XsdValidationResult;
}

/**
 * The per-document XML work of intake, in one place so it runs the same in a worker thread or in-process:
 * the hardened inspection (refusals are InputErrors), then the XSD check, then the text. A schema-invalid
 * document is not refused here: its errors come back in `validation` for the caller to report.
 */
export async function readXmlForIntake(body: Uint8Array, options: XmlIntakeOptions): Promise<XmlIntakeResult> {
  const inspection = readXmlHeaderAndText(body, options.limits);
  const { validation } = options;
  let checked: XsdValidationResult | undefined;
  if (validation.kind === 'catalogue') {
    const result = await validateAgainstCatalogue(body, validation.catalogueRoot);
    checked = { valid: result.valid, errors: result.errors };
  } else if (validation.kind === 'schema') {
    checked = (await loadXsdSchema(validation.schemaPath)).validate(body);
  }
  const result: XmlIntakeResult = { text: inspection.readableText, rootElement: inspection.rootElement, warnings: inspection.warnings };
  if (inspection.xoev) result.xoev = inspection.xoev;
  if (checked) result.validation = checked;
  return result;
}

/** The worker task name of readXmlForIntake (see XmlWorkerPool.read). */
export const XML_INTAKE_TASK = 'xml-intake';

/** The intake task for an XML worker: the payload is the body with its XmlIntakeOptions. */
export const XML_INTAKE_TASKS = {
  [XML_INTAKE_TASK]: ({ body, options }: { body: Uint8Array; options: XmlIntakeOptions }) => readXmlForIntake(body, options),
} as const;
