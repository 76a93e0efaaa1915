import { InputError } from '@app/contracts';
import { childElements, documentElement, firstChildElement, inspectXml, textContent, type XmlElement, type XmlInspection, type XmlLimits } from '@app/xml';
import { readZipContainer, type ZipEntryData, type ZipLimits } from './zip-container.reader.js';

/** xdomea message roots name their type and end with its code: `Aussonderung.Aussonderung.0503`. */
const MESSAGE_ROOT = /^[A-Za-z]+\.[A-Za-z]+\.(\d{4})$/;
/**
 * `<ProzessID>_<Typ>.xml`, as xdomea names the message in its container: Typ is the root element's name
 * up to xdomea 3.x and the bare code from 4.0 on. The prefix is not required to be a UUID here: published
 * samples use placeholders (`xx_Aussonderung.Aussonderung.0503.xml`), and a mismatch is only a warning.
 */
const MESSAGE_FILE = /^(.+)_((?:[A-Za-z]+\.[A-Za-z]+\.)?\d{4})\.xml$/i;
const CONTAINER_FILE = /^(.+)_((?:[A-Za-z]+\.[A-Za-z]+\.)?\d{4})\.zip$/i;
const ZIP_MEDIA_TYPES = new Set(['application/zip', 'application/x-zip-compressed', 'application/x-zip']);

/** A file the message names and expects in its container. */
export interface PrimaryDocumentReference {
  /** `Primaerdokument/Dateiname` or `SignaturSiegelDatei`: the entry name in the container. */
  filename: string;
  /** `DateinameOriginal`: the name the file had in the sender's DMS. */
  originalName?: string;
  /** `Format/Name/code` (code list Dateiformat), e.g. `018` for PDF. */
  formatCode?: string;
  kind: 'primary-document' | 'signature';
}

/** An xdomea message as read from a bare XML body or from its ZIP container. */
export interface XdomeaMessage {
  form: 'container' | 'xml';
  /** The message's entry name in the container, or the file name a bare message came with. */
  messageName?: string;
  messageBody: Buffer;
  inspection: XmlInspection;
  /** The message root: namespace-resolved, for readers and the reply. */
  root: XmlElement;
  references: PrimaryDocumentReference[];
  /** The container's other files (empty for a bare message). */
  entries: ZipEntryData[];
  /** Bytes unpacked from the container, message included. */
  unpackedBytes: number;
  /** Irregularities that do not stop the message (naming, header contradictions, unreferenced files). */
  warnings: string[];
}

export interface XdomeaReadLimits {
  zip: ZipLimits;
  xml: Partial<XmlLimits>;
}

export interface XdomeaInput {
  body: Buffer;
  mediaType?: string;
  filename?: string;
}

/** True for bodies that are ZIP archives by their first bytes (local file header, or the end record of an empty one). */
export function looksLikeZip(body: Buffer): boolean {
  return body.length >= 4 && body[0] === 0x50 && body[1] === 0x4b && ((body[2] === 3 && body[3] === 4) || (body[2] === 5 && body[3] === 6));
}

/**
 * Reads an xdomea message: a ZIP container (by its first bytes) holding exactly one xdomea message and the
 * files it references, or a bare XML message. A body declared as ZIP (media type, `.zip` name) that is
 * none is refused as corrupt rather than read as XML. InputErrors: the ZIP reader's, inspectXml's, and
 * 'xdomea-no-message', 'xdomea-ambiguous', 'xdomea-not-a-message' (422).
 */
export async function readXdomeaMessage(input: XdomeaInput, limits: XdomeaReadLimits): Promise<XdomeaMessage> {
  const declaredZip = (input.mediaType !== undefined && ZIP_MEDIA_TYPES.has(input.mediaType.toLowerCase())) || /\.zip$/i.test(input.filename ?? '');
  if (looksLikeZip(input.body)) return readContainer(input, limits);
  if (declaredZip) throw new InputError('the body is declared as a ZIP container but is none (no ZIP signature at its start); it may be truncated or of another type', 'zip-corrupt', 400);
  const inspection = inspectXml(input.body, limits.xml);
  const root = messageRoot(inspection, 'the XML body');
  const message: XdomeaMessage = {
    form: 'xml',
    messageBody: input.body,
    inspection,
    root,
    references: findReferences(root),
    entries: [],
    unpackedBytes: 0,
    warnings: [...inspection.warnings],
  };
  if (input.filename !== undefined) message.messageName = input.filename;
  if (message.references.length) {
    message.warnings.push(`the message references ${message.references.length} file(s) but came without its ZIP container; their text is not available`);
  }
  return message;
}

async function readContainer(input: XdomeaInput, limits: XdomeaReadLimits): Promise<XdomeaMessage> {
  const entries = (await readZipContainer(input.body, limits.zip)).filter((entry) => !isPackerClutter(entry.name));
  const unpackedBytes = entries.reduce((sum, entry) => sum + entry.data.length, 0);
  const chosen = chooseMessageEntry(entries, limits.xml);
  const { entry, inspection } = chosen;
  const root = messageRoot(inspection, JSON.stringify(entry.name));
  const warnings = [...inspection.warnings];
  const others = entries.filter((other) => other !== entry);
  const references = findReferences(root);
  const message: XdomeaMessage = { form: 'container', messageName: entry.name, messageBody: entry.data, inspection, root, references, entries: others, unpackedBytes, warnings };

  warnings.push(...namingWarnings(message, input.filename));
  const referenced = new Set(references.map((reference) => resolveReference(message, reference)).filter((found) => found !== undefined));
  for (const other of others) {
    if (!referenced.has(other)) warnings.push(`the container holds ${JSON.stringify(other.name)}, which the message does not reference; it is not read`);
  }
  return message;
}

/** Files that archivers add on their own (macOS resource forks, Windows thumbnails): neither message nor document. */
function isPackerClutter(name: string): boolean {
  return name.startsWith('__MACOSX/') || /(^|\/)(\.DS_Store|Thumbs\.db)$/i.test(name);
}

/**
 * The one xdomea message of a container. Names following `<ProzessID>_<Typ>.xml` are tried first; when
 * none or several do, every XML file is read and those whose root is an xdomea message count.
 */
function chooseMessageEntry(entries: ZipEntryData[], xmlLimits: Partial<XmlLimits>): { entry: ZipEntryData; inspection: XmlInspection } {
  const xmlEntries = entries.filter((entry) => /\.xml$/i.test(entry.name));
  const named = xmlEntries.filter((entry) => MESSAGE_FILE.test(baseName(entry.name)));
  if (named.length === 1) return { entry: named[0]!, inspection: inspectEntry(named[0]!, xmlLimits) };

  const pool = named.length > 1 ? named : xmlEntries;
  const messages: Array<{ entry: ZipEntryData; inspection: XmlInspection }> = [];
  for (const entry of pool) {
    let inspection: XmlInspection;
    try {
      inspection = inspectXml(entry.data, xmlLimits);
    } catch {
      continue;
    }
    if (isXdomeaMessageRoot(inspection)) messages.push({ entry, inspection });
  }
  if (messages.length === 1) return messages[0]!;
  if (messages.length > 1) {
    throw new InputError(
      `the ZIP container holds ${messages.length} xdomea messages (${messages.map((found) => JSON.stringify(found.entry.name)).join(', ')}); xdomea sends one message per container`,
      'xdomea-ambiguous',
      422,
    );
  }
  const listed = entries.length ? entries.map((entry) => JSON.stringify(entry.name)).join(', ') : 'no files';
  throw new InputError(`the ZIP container holds no xdomea message (an XML file <ProzessID>_<Typ>.xml with an xdomea message root); it holds ${listed}`, 'xdomea-no-message', 422);
}

function inspectEntry(entry: ZipEntryData, xmlLimits: Partial<XmlLimits>): XmlInspection {
  try {
    return inspectXml(entry.data, xmlLimits);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${JSON.stringify(entry.name)}: ${error.message}`, error.code, error.httpStatus);
    throw error;
  }
}

function isXdomeaMessageRoot(inspection: XmlInspection): boolean {
  return inspection.xoev?.standard === 'xdomea' && MESSAGE_ROOT.test(inspection.rootElement);
}

function messageRoot(inspection: XmlInspection, where: string): XmlElement {
  const root = documentElement(inspection.tree);
  if (!root || !isXdomeaMessageRoot(inspection)) {
    const qualified = inspection.namespace ? `{${inspection.namespace}}${inspection.rootElement}` : `${inspection.rootElement} (no namespace)`;
    throw new InputError(
      `${where} is not an xdomea message: its root element is ${qualified}, not a message type such as {urn:xoev-de:xdomea:schema:3.0.0}Aussonderung.Aussonderung.0503`,
      'xdomea-not-a-message',
      422,
    );
  }
  return root;
}

/**
 * The files the message names, in document order, each once: `Format/Primaerdokument/Dateiname` (with
 * `DateinameOriginal` and the format code) and `SignaturSiegelDatei` (a detached signature or seal).
 */
export function findReferences(root: XmlElement): PrimaryDocumentReference[] {
  const ns = [root.namespace];
  const codeNs = [undefined, root.namespace];
  const found = new Map<string, PrimaryDocumentReference>();
  const work: XmlElement[] = [root];
  for (let element = work.pop(); element; element = work.pop()) {
    const children = childElements(element);
    for (const child of children) {
      if (child.namespace !== root.namespace) continue;
      if (child.localName === 'Format') {
        const primary = firstChildElement(child, 'Primaerdokument', ns);
        const filename = textContent(firstChildElement(primary, 'Dateiname', ns));
        if (!filename || found.has(filename)) continue;
        const reference: PrimaryDocumentReference = { filename, kind: 'primary-document' };
        const originalName = textContent(firstChildElement(primary, 'DateinameOriginal', ns));
        const formatCode = textContent(firstChildElement(firstChildElement(child, 'Name', ns), 'code', codeNs));
        if (originalName) reference.originalName = originalName;
        if (formatCode) reference.formatCode = formatCode;
        found.set(filename, reference);
      } else if (child.localName === 'SignaturSiegelDatei') {
        const filename = textContent(child);
        if (filename && !found.has(filename)) found.set(filename, { filename, kind: 'signature' });
      }
    }
    // Reversed onto the stack, so the walk goes in document order.
    for (let i = children.length - 1; i >= 0; i--) work.push(children[i]!);
  }
  return [...found.values()];
}

/** The container entry for a reference: the exact name, else the one entry in a folder with that file name. */
export function resolveReference(message: Pick<XdomeaMessage, 'entries'>, reference: PrimaryDocumentReference): ZipEntryData | undefined {
  const exact = message.entries.find((entry) => entry.name === reference.filename);
  if (exact) return exact;
  const inFolders = message.entries.filter((entry) => baseName(entry.name) === reference.filename);
  return inFolders.length === 1 ? inFolders[0] : undefined;
}

/** Where names and header disagree: the container and message names carry ProzessID and type by convention. */
function namingWarnings(message: XdomeaMessage, containerName: string | undefined): string[] {
  const warnings: string[] = [];
  const processId = message.inspection.xoev?.processId;
  const root = message.inspection.rootElement;
  const code = MESSAGE_ROOT.exec(root)?.[1];
  const check = (what: string, name: string, pattern: RegExp, extension: string) => {
    const match = pattern.exec(baseName(name));
    if (!match) {
      warnings.push(`${what} ${JSON.stringify(name)} is not named <ProzessID>_<Typ>${extension} as xdomea names it`);
      return;
    }
    if (processId && match[1] !== processId) warnings.push(`${what} ${JSON.stringify(name)} names the process ${JSON.stringify(match[1])}, the message header says ${processId}`);
    if (match[2] !== root && match[2] !== code) warnings.push(`${what} ${JSON.stringify(name)} names the message type ${match[2]}, the message is ${root}`);
  };
  if (message.messageName !== undefined) check('the message file', message.messageName, MESSAGE_FILE, '.xml');
  // Transports and uploads may rename the container; only a name that looks like the convention is held to it.
  if (containerName !== undefined && CONTAINER_FILE.test(baseName(containerName))) check('the container', containerName, CONTAINER_FILE, '.zip');
  return warnings;
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
