import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RESERVED_CONNECTOR_NAMES } from '@app/connectors';
import { CONNECTOR_NAME_PATTERN } from '@app/contracts';
import { extractText, inspectXml, loadXsdSchema, type XsdSchemaValidator } from '@app/xml';
import { renderConnector, renderContractsReadme, renderFixtureReadme, renderIndex, renderSpec, type TemplateInput } from './connector.templates.js';
import { addToCatalogue, addToIndex, RegistrationError } from './registration.editor.js';
import { SchemaFileError, XSD_NAMESPACE } from './schema-document.reader.js';
import { collectSchemaSet, type SchemaSet } from './schema-files.collector.js';
import { firstOperation, WsdlOperationError, type WsdlOperationFacts } from './wsdl-operation.reader.js';
import { generateInstance, InstanceGenerationError } from './xsd-instance.generator.js';
import { XsdModel, type Declared } from './xsd-schema.model.js';

/** What `npm run connector:new` was asked for; paths are absolute or relative to the working folder. */
export interface ScaffoldRequest {
  /** The repository: the folder with libs/connectors, contracts and test/fixtures. */
  root: string;
  name: string;
  xsd?: string;
  wsdl?: string;
  version?: string;
  /** A real message for the fixture instead of a generated one. */
  sample?: string;
  /** The global element the generated fixture is an instance of (default: the schema's first). */
  element?: string;
  dryRun?: boolean;
}

export interface ScaffoldReport {
  /** Files made, relative to the root, in the order written. */
  created: string[];
  /** Existing files a line was added to. */
  changed: Array<{ file: string; added: string[] }>;
  /** What the developer should know: where the fixture came from, what to do next. */
  notes: string[];
}

/** The request cannot be carried out; nothing was written. Exit code 1. */
export class ScaffoldRefusal extends Error {
  override readonly name = 'ScaffoldRefusal';
}

const CONNECTORS_DIR = 'libs/connectors/src';
const CATALOGUE = `${CONNECTORS_DIR}/connectors.catalogue.ts`;
const INDEX = `${CONNECTORS_DIR}/index.ts`;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$/;

type Output = { kind: 'write'; data: string } | { kind: 'copy'; from: string };

/**
 * Scaffolds a connector: its folder under libs/connectors/src (connector, index, spec), the vendored
 * contract under contracts/<name>/<version>/ (unmodified copies and a README stub), a fixture under
 * test/fixtures/ok/<name>/, and the two registration lines (catalogue, library index). Everything is
 * checked and made in memory first; a refusal writes nothing, and a failure while writing removes what
 * was written and restores the two edited files.
 */
export async function scaffoldConnector(request: ScaffoldRequest): Promise<ScaffoldReport> {
  const root = path.resolve(request.root);
  const name = request.name;
  checkName(name);
  await checkRepository(root, name);
  const identifiers = identifiersOf(name);

  if (request.sample !== undefined && request.element !== undefined) throw new ScaffoldRefusal('give --sample or --element, not both: the sample names its own root element');
  const xsdSet = request.xsd ? await collect(request.xsd, 'xsd') : undefined;
  const wsdlSet = request.wsdl ? await collect(request.wsdl, 'wsdl') : undefined;
  const version = request.version ?? versionOf(xsdSet) ?? '1.0';
  if (!VERSION.test(version) || version.includes('..')) {
    throw new ScaffoldRefusal(`--version ${JSON.stringify(version)} is not a folder name: letters, digits, ".", "_", "-", starting with a letter or digit`);
  }
  const contractDir = `${name}/${version}`;
  await mustNotExist(root, `contracts/${contractDir}`, `contracts/${contractDir} exists already; vendor another version with --version`);

  const outputs = new Map<string, Output>();
  const place = (relative: string, output: Output) => {
    const target = `contracts/${contractDir}/${relative}`;
    const known = outputs.get(target);
    if (known && !(known.kind === 'copy' && output.kind === 'copy' && known.from === output.from)) {
      throw new ScaffoldRefusal(`two different files would be copied to ${target}; keep the schema and the WSDL in one folder tree`);
    }
    outputs.set(target, output);
  };
  for (const set of [xsdSet, wsdlSet]) {
    if (!set) continue;
    for (const file of set.files) place(file.relative, { kind: 'copy', from: file.source });
    for (const notice of set.notices) place(notice.relative, { kind: 'copy', from: notice.source });
  }

  const notes: string[] = [];
  const template: TemplateInput = { name, ...identifiers, version, contractDir, fixture: { file: '', rootElement: '' } };

  // ---- the schema, the fixture ----
  let fixture: { file: string; xml: Buffer | string; rootElement: string; namespace: string; generated: boolean; request?: boolean } | undefined;
  if (xsdSet) {
    const model = new XsdModel(xsdSet.files);
    const entry = xsdSet.files[0]!;
    const validator = await compile(entry.source, xsdSet.baseDir);
    if (request.sample) {
      fixture = await sampleFixture(request.sample, validator);
      notes.push(`fixture: ${path.basename(request.sample)} (given with --sample, valid against ${entry.relative})`);
    } else {
      const element = chooseElement(model, entry.root.attrs.targetNamespace ?? '', request.element);
      const made = makeInstance(model, element, validator, entry.relative);
      fixture = { file: `${made.rootElement}.xml`, xml: made.xml, rootElement: made.rootElement, namespace: made.rootNamespace, generated: true };
      notes.push(`fixture: a minimal instance of ${qualifiedName(made.rootNamespace, made.rootElement)} generated from ${entry.relative} and valid against it; replace it with a real message (or scaffold with --sample <file>)`);
    }
    template.xsd = { entry: `${contractDir}/${entry.relative}`, namespace: fixture.namespace };
  } else if (!wsdlSet) {
    if (request.sample) {
      fixture = await sampleFixture(request.sample, undefined);
      notes.push(`fixture: ${path.basename(request.sample)} (given with --sample; no schema to check it against)`);
    } else {
      const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- Placeholder: replace with a real message of the standard. -->\n<Nachricht>\n  <Text>Beispiel einer Nachricht</Text>\n</Nachricht>\n';
      fixture = { file: 'Nachricht.xml', xml, rootElement: 'Nachricht', namespace: '', generated: true };
      notes.push('fixture: a placeholder message (no schema given); replace it with a real message');
    }
  } else if (request.sample || request.element) {
    throw new ScaffoldRefusal('--sample and --element need --xsd: a transport connector reads no messages');
  }

  let operation: WsdlOperationFacts | undefined;
  if (wsdlSet) {
    const entry = wsdlSet.files[0]!;
    const model = new XsdModel(wsdlSet.files);
    try {
      operation = firstOperation(await readFile(entry.source, 'utf8'), wsdlSet.files, model);
    } catch (error) {
      if (error instanceof WsdlOperationError) throw new ScaffoldRefusal(`${entry.source}: ${error.message}`);
      throw error;
    }
    template.wsdl = { entry: `${contractDir}/${entry.relative}`, operation };
    notes.push(`send calls ${operation.operation} (service ${operation.service}, port ${operation.port}, SOAP ${operation.soapVersion}); map its request in ${identifiers.camel}Request`);
    if (!fixture) fixture = requestExample(model, operation, entry.relative, notes);
  }
  template.fixture = fixture ? { file: fixture.file, rootElement: fixture.rootElement, namespace: fixture.namespace } : { file: '', rootElement: operation?.input?.local ?? operation!.operation };

  // ---- the files ----
  const folder = `${CONNECTORS_DIR}/${name}`;
  outputs.set(`${folder}/${name}.connector.ts`, { kind: 'write', data: renderConnector(template) });
  outputs.set(`${folder}/${name}.connector.spec.ts`, { kind: 'write', data: renderSpec(template) });
  outputs.set(`${folder}/index.ts`, { kind: 'write', data: renderIndex(template) });
  const given = (file: string) => path.resolve(file);
  outputs.set(`contracts/${contractDir}/README.md`, {
    kind: 'write',
    data: renderContractsReadme({
      name,
      version,
      entries: [
        ...(xsdSet ? [{ kind: 'XML schema' as const, entry: xsdSet.files[0]!.relative, given: given(request.xsd!), namespace: template.xsd!.namespace }] : []),
        ...(wsdlSet ? [{ kind: 'WSDL' as const, entry: wsdlSet.files[0]!.relative, given: given(request.wsdl!) }] : []),
      ],
      files: [...outputs].flatMap(([target, output]) => (output.kind === 'copy' ? [{ relative: target.slice(`contracts/${contractDir}/`.length), source: output.from }] : [])),
      notices: [...(xsdSet?.notices ?? []), ...(wsdlSet?.notices ?? [])].map((n) => n.relative),
    }),
  });
  if (fixture) {
    outputs.set(`test/fixtures/ok/${name}/${fixture.file}`, request.sample ? { kind: 'copy', from: path.resolve(request.sample) } : { kind: 'write', data: String(fixture.xml) });
    outputs.set(`test/fixtures/ok/${name}/README.md`, {
      kind: 'write',
      data: renderFixtureReadme({
        name,
        file: fixture.file,
        generated: fixture.generated,
        request: fixture.request === true,
        rootElement: qualifiedName(fixture.namespace, fixture.rootElement),
        ...(template.xsd ? { schema: template.xsd.entry } : {}),
        ...(request.sample ? { given: path.resolve(request.sample) } : {}),
      }),
    });
  }

  // ---- the two registration lines ----
  const identifier = `${identifiers.camel}Connector`;
  const catalogueBefore = await readFile(path.join(root, CATALOGUE), 'utf8');
  const indexBefore = await readFile(path.join(root, INDEX), 'utf8');
  let catalogueAfter: string;
  let indexAfter: string;
  try {
    catalogueAfter = addToCatalogue(catalogueBefore, name, identifier);
    indexAfter = addToIndex(indexBefore, name);
  } catch (error) {
    if (error instanceof RegistrationError) {
      throw new ScaffoldRefusal(`${error.message}; add \`import { ${identifier} } from './${name}/${name}.connector.js';\` and ${identifier} to BUILT_IN_CONNECTORS in ${CATALOGUE}, and \`export * from './${name}/index.js';\` to ${INDEX} by hand`);
    }
    throw error;
  }
  const changed = [
    { file: CATALOGUE, added: addedLines(catalogueBefore, catalogueAfter) },
    { file: INDEX, added: addedLines(indexBefore, indexAfter) },
  ];
  notes.push(
    `next: complete contracts/${contractDir}/README.md (source, licence), run the spec (node --experimental-vm-modules node_modules/jest/bin/jest.js ${folder}), then name the connector in a route (docs/connectors.md)`,
  );
  const report: ScaffoldReport = { created: [...outputs.keys()], changed, notes };
  if (request.dryRun) return report;

  await writeAll(root, outputs, [
    { file: CATALOGUE, before: catalogueBefore, after: catalogueAfter },
    { file: INDEX, before: indexBefore, after: indexAfter },
  ]);
  return report;
}

function checkName(name: string): void {
  if (!CONNECTOR_NAME_PATTERN.test(name) || name.endsWith('-') || name.includes('--')) {
    throw new ScaffoldRefusal(`${JSON.stringify(name)} is not a connector name: lower-case letters, digits and single "-", starting with a letter, at most 40 characters (routes write it as \`connector: <name>\`)`);
  }
  if (RESERVED_CONNECTOR_NAMES.includes(name)) throw new ScaffoldRefusal(`"${name}" is reserved (${RESERVED_CONNECTOR_NAMES.join(', ')}): routes use it for another way in or out`);
}

async function checkRepository(root: string, name: string): Promise<void> {
  for (const file of [CATALOGUE, INDEX]) {
    if (!(await exists(path.join(root, file)))) throw new ScaffoldRefusal(`${root} is not a Schnittstelle repository: ${file} is missing (give the repository with --root)`);
  }
  await mustNotExist(root, `${CONNECTORS_DIR}/${name}`, `a connector "${name}" exists already: ${CONNECTORS_DIR}/${name}/`);
  // A connector of that name in another folder (xrechnung's folder is named after it, but need not be).
  for (const entry of await readdir(path.join(root, CONNECTORS_DIR), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.connector.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (new RegExp(`\\bname:\\s*['"]${name}['"]`).test(await readFile(file, 'utf8'))) {
      throw new ScaffoldRefusal(`a connector "${name}" exists already: ${path.relative(root, file)}`);
    }
  }
  await mustNotExist(root, `test/fixtures/ok/${name}`, `test/fixtures/ok/${name}/ exists already`);
}

async function collect(file: string, kind: 'xsd' | 'wsdl'): Promise<SchemaSet> {
  try {
    return await collectSchemaSet(file, kind);
  } catch (error) {
    if (error instanceof SchemaFileError) throw new ScaffoldRefusal(error.message);
    throw error;
  }
}

/** The schema's own `version` attribute, when it is usable as a folder name. */
function versionOf(set: SchemaSet | undefined): string | undefined {
  const version = set?.files[0]?.root.attrs.version?.trim();
  return version && VERSION.test(version) && !version.includes('..') ? version : undefined;
}

async function compile(entry: string, baseDir: string) {
  try {
    return await loadXsdSchema(entry, { roots: [baseDir] });
  } catch (error) {
    throw new ScaffoldRefusal(`the schema ${entry} cannot be compiled: ${(error as Error).message}`);
  }
}

function chooseElement(model: XsdModel, targetNamespace: string, wanted: string | undefined): Declared {
  const own = model.elementsIn(targetNamespace).filter((d) => d.node.attrs.abstract !== 'true');
  if (wanted === undefined) {
    const first = own[0];
    if (!first) throw new ScaffoldRefusal(`the schema declares no global element in ${targetNamespace || 'no namespace'}; give a message with --sample <file>`);
    return first;
  }
  const found = own.find((d) => d.node.attrs.name === wanted) ?? model.elementsIn(undefined).find((d) => d.node.attrs.name === wanted);
  if (!found) {
    const known = own.slice(0, 12).map((d) => d.node.attrs.name);
    throw new ScaffoldRefusal(`--element ${wanted}: the schema declares no such global element; some it does: ${known.join(', ')}${own.length > known.length ? ', ...' : ''}`);
  }
  return found;
}

function makeInstance(model: XsdModel, element: Declared, validator: XsdSchemaValidator, schemaName: string) {
  const name = qualifiedName(element.schema.targetNamespace, element.node.attrs.name ?? '?');
  let made;
  try {
    made = generateInstance(model, element);
    // Required content of codes and dates only (an xdomea header): add the first optional text.
    if (!made.hasText) made = generateInstance(model, element, { withText: true });
  } catch (error) {
    if (error instanceof InstanceGenerationError) throw new ScaffoldRefusal(`cannot generate an instance of ${name} from ${schemaName}: ${error.message}; give a real message with --sample <file>`);
    throw error;
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- A minimal instance of ${element.node.attrs.name} made from ${schemaName}: replace it with a real message. -->\n${made.xml}`;
  const result = validator.validate(xml);
  if (!result.valid) {
    const errors = result.errors.slice(0, 3).map((e) => `line ${e.line}: ${e.message}`);
    throw new ScaffoldRefusal(`cannot generate a valid instance of ${name} from ${schemaName} (${errors.join('; ')}); give a real message with --sample <file>, or another root with --element <name>`);
  }
  if (extractText(inspectXml(xml)).trim() === '') {
    throw new ScaffoldRefusal(`the generated instance of ${name} holds no text for the AI steps (no element of it can carry readable text); give a real message with --sample <file>`);
  }
  return { ...made, xml };
}

async function sampleFixture(sample: string, validator: XsdSchemaValidator | undefined) {
  const file = path.resolve(sample);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ScaffoldRefusal(`--sample ${file} cannot be read (${(error as { code?: string }).code ?? 'unreadable'})`);
  }
  let inspection;
  try {
    inspection = inspectXml(bytes);
  } catch (error) {
    throw new ScaffoldRefusal(`--sample ${file} is refused: ${(error as Error).message}`);
  }
  if (validator) {
    const result = validator.validate(bytes);
    if (!result.valid) throw new ScaffoldRefusal(`--sample ${file} is not valid against the schema: ${result.errors.slice(0, 5).map((e) => `line ${e.line}: ${e.message}`).join('; ')}`);
  }
  if (extractText(inspection).trim() === '') throw new ScaffoldRefusal(`--sample ${file} holds no text for the AI steps`);
  const base = path.basename(file);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$/.test(base)) throw new ScaffoldRefusal(`--sample ${file}: name the file with letters, digits, ".", "_", "-" and end it in .xml`);
  return { file: base, xml: bytes, rootElement: inspection.rootElement, namespace: inspection.namespace ?? '', generated: false };
}

/** For a transport: the request element's shape, made from the WSDL's types (libxml2 cannot validate against a schema inside a WSDL). */
function requestExample(model: XsdModel, operation: WsdlOperationFacts, wsdlName: string, notes: string[]) {
  const declared = operation.input ? model.get('element', operation.input.ns ?? '', operation.input.local) : undefined;
  if (!declared) {
    notes.push(`fixture: none (the WSDL names no request element for ${operation.operation})`);
    return undefined;
  }
  try {
    const made = generateInstance(model, declared);
    notes.push(`fixture: the shape of the ${operation.operation} request, made from the types of ${wsdlName} (not validated)`);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- The shape of the ${operation.operation} request (required parts only), made from ${wsdlName}. -->\n${made.xml}`;
    return { file: `${made.rootElement}.request.xml`, xml, rootElement: made.rootElement, namespace: made.rootNamespace, generated: true, request: true };
  } catch (error) {
    if (!(error instanceof InstanceGenerationError)) throw error;
    notes.push(`fixture: none (${error.message})`);
    return undefined;
  }
}

function identifiersOf(name: string): Pick<TemplateInput, 'camel' | 'pascal' | 'constant'> {
  const parts = name.split('-');
  const camel = parts.map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1))).join('');
  return { camel, pascal: camel.charAt(0).toUpperCase() + camel.slice(1), constant: parts.map((part) => part.toUpperCase()).join('_') };
}

function qualifiedName(ns: string, local: string): string {
  return ns && ns !== XSD_NAMESPACE ? `{${ns}}${local}` : local;
}

function addedLines(before: string, after: string): string[] {
  const old = new Set(before.split('\n'));
  return after.split('\n').filter((line) => !old.has(line));
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function mustNotExist(root: string, relative: string, message: string): Promise<void> {
  if (await exists(path.join(root, relative))) throw new ScaffoldRefusal(message);
}

/** Writes every output (never over an existing file) and the edits; undoes all of it on a failure. */
async function writeAll(root: string, outputs: ReadonlyMap<string, Output>, edits: Array<{ file: string; before: string; after: string }>): Promise<void> {
  const made: string[] = [];
  const folders: string[] = [];
  const edited: Array<{ file: string; before: string }> = [];
  try {
    for (const [relative, output] of outputs) {
      const target = path.join(root, relative);
      const created = await mkdir(path.dirname(target), { recursive: true });
      if (created) folders.push(created);
      if (output.kind === 'copy') await copyFile(output.from, target, fsConstants.COPYFILE_EXCL);
      else await writeFile(target, output.data, { flag: 'wx' });
      made.push(target);
    }
    for (const edit of edits) {
      const target = path.join(root, edit.file);
      // Another change since the plan was made would be lost: stop instead.
      if ((await readFile(target, 'utf8')) !== edit.before) throw new ScaffoldRefusal(`${edit.file} changed while the connector was being made; run the command again`);
      await writeFile(target, edit.after);
      edited.push({ file: target, before: edit.before });
    }
  } catch (error) {
    for (const edit of edited.reverse()) await writeFile(edit.file, edit.before).catch(() => undefined);
    for (const file of made.reverse()) await rm(file, { force: true }).catch(() => undefined);
    for (const folder of folders.reverse()) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
