import { PermanentError, type CanonicalDocument, type ClassificationOutput, type ReviewState, type StepResult } from '@app/contracts';
import { childElements, escapeXml, escapeXmlAttribute, firstChildElement, isXmlElement, textContent, XDOMEA_3_NAMESPACE, type XmlElement } from '@app/xml';
import { renderResultXml } from '../result-xml.renderer.js';

/** Code list Aussonderungsart 1.0: archivwürdig, zum Bewerten markiert, zum Vernichten markiert. */
export type Aussonderungsart = 'A' | 'B' | 'V';

export const ANBIETEVERZEICHNIS = 'Aussonderung.Anbieteverzeichnis.0501';
export const BEWERTUNGSVERZEICHNIS = 'Aussonderung.Bewertungsverzeichnis.0502';

export interface AssessmentOptions {
  /** Id of the classify step whose label is the assessment; needed only when a route has several. */
  step?: string;
  /** Classifier label -> Aussonderungsart; the codes A, B and V themselves always map to themselves. */
  codes: Record<string, Aussonderungsart>;
  /** Below this confidence the object is marked B (a person assesses it), whatever the label. */
  minConfidence?: number;
}

export interface Assessment {
  code: Aussonderungsart;
  result: StepResult;
  output: ClassificationOutput;
  /** Why this code, in German, for the message's Hinweis. */
  reason: string;
}

const CODES: readonly Aussonderungsart[] = ['A', 'B', 'V'];
const CODE_MEANING: Readonly<Record<Aussonderungsart, string>> = { A: 'archivwürdig', B: 'zum Bewerten markiert', V: 'zum Vernichten markiert' };
const REVIEW_STATE: Readonly<Record<ReviewState, string>> = {
  unreviewed: 'nicht von einer Person geprüft',
  approved: 'von einer Person bestätigt',
  edited: 'von einer Person geändert',
  rejected: 'von einer Person verworfen',
};

/**
 * The archival assessment from the route's results: the one classify step (or the one `step` names),
 * its label mapped to an Aussonderungsart. PermanentError when there is none to take, the label has no
 * code, or a person rejected it: an assessment must never be made up.
 */
export function chooseAssessment(results: readonly StepResult[], options: AssessmentOptions): Assessment {
  let result: StepResult | undefined;
  if (options.step !== undefined) {
    result = results.find((candidate) => candidate.step === options.step);
    if (!result) throw new PermanentError(`the assessment step "${options.step}" (connector option assessment.step) has no result for this document`, 'xdomea-no-assessment');
    if (result.task !== 'classify') throw new PermanentError(`the assessment step "${options.step}" is a ${result.task} step; it must classify`, 'xdomea-no-assessment');
  } else {
    const classifications = results.filter((candidate) => candidate.task === 'classify');
    if (classifications.length === 0) {
      throw new PermanentError(
        'an xdomea Bewertungsverzeichnis (0502) needs an assessment, and the route has no classify step whose label could be one; add one, or write the results as result XML (writeback type folder) or over SOAP',
        'xdomea-no-assessment',
      );
    }
    if (classifications.length > 1) {
      throw new PermanentError(
        `the route has several classify steps (${classifications.map((candidate) => candidate.step).join(', ')}); name the one that assesses in the connector option assessment.step`,
        'xdomea-no-assessment',
      );
    }
    result = classifications[0]!;
  }
  if (result.label.reviewState === 'rejected') {
    throw new PermanentError(`the assessment of step "${result.step}" was rejected in review; no Bewertungsverzeichnis is sent for it`, 'xdomea-assessment-rejected');
  }
  const output = result.output as ClassificationOutput;
  if (typeof output.label !== 'string' || typeof output.confidence !== 'number' || !Number.isFinite(output.confidence)) {
    throw new PermanentError(`the output of step "${result.step}" is not a classification`, 'result-output-invalid');
  }
  const confidence = output.confidence.toFixed(2);
  if (options.minConfidence !== undefined && output.confidence < options.minConfidence) {
    return { code: 'B', result, output, reason: `Klassifikation „${output.label}“ mit Konfidenz ${confidence} unter der Schwelle ${options.minConfidence} – zur Bewertung durch eine Person markiert (B)` };
  }
  const code = codeFor(output.label, options.codes);
  if (!code) {
    throw new PermanentError(
      `the classification label ${JSON.stringify(output.label)} of step "${result.step}" has no Aussonderungsart; map it in the connector option assessment.codes (label: A, B or V)`,
      'xdomea-unmapped-label',
    );
  }
  return { code, result, output, reason: `Klassifikation „${output.label}“ mit Konfidenz ${confidence} – Aussonderungsart ${code} (${CODE_MEANING[code]})` };
}

function codeFor(label: string, codes: Record<string, Aussonderungsart>): Aussonderungsart | undefined {
  const key = normaliseLabel(label);
  for (const [from, to] of Object.entries(codes)) if (normaliseLabel(from) === key) return to;
  return CODES.find((code) => code.toLowerCase() === key);
}

function normaliseLabel(label: string): string {
  return label.normalize('NFC').trim().toLowerCase();
}

export interface BewertungsverzeichnisInput {
  /** Root of the 0501 the reply answers. */
  offer: XmlElement;
  assessment: Assessment;
  document: CanonicalDocument;
  results: StepResult[];
  routeId: string;
  writtenAt: string;
  requestReceipt: boolean;
}

/**
 * The answer to an Anbieteverzeichnis (0501): a Bewertungsverzeichnis (0502) with the same ProzessID,
 * sender and recipient swapped (copied from the offer as they were), one BewertetesObjekt per offered
 * Schriftgutobjekt. The AI label travels twice, both within the schema: in words in `Kopf/Hinweis`, and
 * machine-readable as the Schnittstelle result document (urn:schnittstelle:result:v1, the same as folder
 * write-back writes) in `Kopf/AnwendungsspezifischeErweiterungXML`, which xdomea validates laxly.
 */
export function renderBewertungsverzeichnis(input: BewertungsverzeichnisInput): string {
  const { offer, assessment } = input;
  if (offer.namespace !== XDOMEA_3_NAMESPACE || offer.localName !== ANBIETEVERZEICHNIS) {
    throw new PermanentError(`a Bewertungsverzeichnis answers an xdomea 3.0.0 ${ANBIETEVERZEICHNIS}, not {${offer.namespace ?? ''}}${offer.localName}`, 'xdomea-no-reply');
  }
  const ns = [XDOMEA_3_NAMESPACE];
  const kopf = firstChildElement(offer, 'Kopf', ns);
  const processId = textContent(firstChildElement(kopf, 'ProzessID', ns));
  const sender = firstChildElement(kopf, 'Absender', ns);
  const recipient = firstChildElement(kopf, 'Empfaenger', ns);
  if (!processId || !sender || !recipient) throw new PermanentError('the Anbieteverzeichnis lacks ProzessID, Absender or Empfaenger in its Kopf', 'xdomea-no-reply');
  const objectIds = offeredObjectIds(offer);
  if (objectIds.length === 0) throw new PermanentError('the Anbieteverzeichnis offers no Schriftgutobjekt with an ID; there is nothing to assess', 'xdomea-no-reply');

  const label = assessment.result.label;
  const hinweis =
    `KI-generierte Bewertung (Schnittstelle, Schritt „${assessment.result.step}“): ${assessment.reason}. ` +
    `Anbieter ${label.provider}, Modell ${label.model}, erzeugt ${label.generatedAt}, ${REVIEW_STATE[label.reviewState]}. ` +
    `Herkunftsart ${label.digitalSourceType}. Maschinenlesbare Kennzeichnung in AnwendungsspezifischeErweiterungXML.`;
  const resultXml = renderResultXml({ document: input.document, results: input.results, routeId: input.routeId, writtenAt: input.writtenAt })
    .replace(/^<\?xml[^>]*\?>\s*/, '')
    .trimEnd();

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<xdomea:${BEWERTUNGSVERZEICHNIS} xmlns:xdomea="${XDOMEA_3_NAMESPACE}">`,
    '  <xdomea:Kopf>',
    `    <xdomea:ProzessID>${escapeXml(processId)}</xdomea:ProzessID>`,
    '    <xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp" listVersionID="2.0">',
    '      <code>0502</code>',
    '    </xdomea:Nachrichtentyp>',
    `    <xdomea:Erstellungszeitpunkt>${escapeXml(input.writtenAt)}</xdomea:Erstellungszeitpunkt>`,
    ...copyElement(recipient, 'Absender', 2),
    ...copyElement(sender, 'Empfaenger', 2),
    '    <xdomea:SendendesSystem>',
    '      <xdomea:Produktname>Schnittstelle</xdomea:Produktname>',
    '    </xdomea:SendendesSystem>',
    `    <xdomea:Hinweis>${escapeXml(hinweis)}</xdomea:Hinweis>`,
    '    <xdomea:AnwendungsspezifischeErweiterungXML>',
    ...resultXml.split('\n').map((line) => `      ${line}`),
    '    </xdomea:AnwendungsspezifischeErweiterungXML>',
    `    <xdomea:Empfangsbestaetigung>${input.requestReceipt ? 'true' : 'false'}</xdomea:Empfangsbestaetigung>`,
    '  </xdomea:Kopf>',
  ];
  for (const id of objectIds) {
    lines.push(
      '  <xdomea:BewertetesObjekt>',
      `    <xdomea:ID>${escapeXml(id)}</xdomea:ID>`,
      '    <xdomea:Aussonderungsart>',
      '      <xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart" listVersionID="1.0">',
      `        <code>${assessment.code}</code>`,
      '      </xdomea:Aussonderungsart>',
      '    </xdomea:Aussonderungsart>',
      '  </xdomea:BewertetesObjekt>',
    );
  }
  lines.push(`</xdomea:${BEWERTUNGSVERZEICHNIS}>`);
  return `${lines.join('\n')}\n`;
}

/** IDs of the offered objects: each `Schriftgutobjekt` holds one Akte, Vorgang or Dokument. */
function offeredObjectIds(offer: XmlElement): string[] {
  const ns = [XDOMEA_3_NAMESPACE];
  const ids: string[] = [];
  for (const object of childElements(offer, 'Schriftgutobjekt', ns)) {
    const record = childElements(object, undefined, ns).find((child) => ['Akte', 'Vorgang', 'Dokument'].includes(child.localName));
    const id = textContent(firstChildElement(firstChildElement(record, 'Identifikation', ns), 'ID', ns));
    if (id) ids.push(id);
  }
  return ids;
}

/**
 * An element of the offer under a new name, its content copied as it was read: xdomea elements get the
 * `xdomea:` prefix, unqualified ones (code-list `code`, `name`) none, any other namespace a prefix declared
 * where it is used. Namespaced attributes other than `xml:` are dropped (KontaktType has none).
 */
function copyElement(element: XmlElement, newLocalName: string, depth: number): string[] {
  const lines: string[] = [];
  write(element, `xdomea:${newLocalName}`, depth, new Map([[XDOMEA_3_NAMESPACE, 'xdomea']]), lines);
  return lines;
}

function write(element: XmlElement, name: string, depth: number, scope: Map<string, string>, lines: string[]): void {
  const pad = '  '.repeat(depth);
  const attributes: string[] = [];
  for (const [attribute, value] of Object.entries(element.attributes)) {
    if (attribute === 'xmlns' || attribute.startsWith('xmlns:')) continue;
    if (attribute.includes(':') && !attribute.startsWith('xml:')) continue;
    attributes.push(` ${attribute}="${escapeXmlAttribute(value)}"`);
  }
  const open = `${name}${attributes.join('')}`;
  const elements = element.children.filter(isXmlElement);
  if (elements.length === 0) {
    const text = element.children.map((child) => ('text' in child ? child.text : '')).join('');
    lines.push(text === '' ? `${pad}<${open}/>` : `${pad}<${open}>${escapeXml(text)}</${name}>`);
    return;
  }
  lines.push(`${pad}<${open}>`);
  for (const child of element.children) {
    if (!isXmlElement(child)) {
      // Mixed content is not part of KontaktType; kept as text so nothing read is lost.
      if (child.text.trim()) lines.push(`${pad}  ${escapeXml(child.text)}`);
      continue;
    }
    let childScope = scope;
    let declaration = '';
    let childName = child.localName;
    if (child.namespace !== undefined) {
      let prefix = scope.get(child.namespace);
      if (prefix === undefined) {
        prefix = `ns${scope.size}`;
        childScope = new Map(scope).set(child.namespace, prefix);
        declaration = ` xmlns:${prefix}="${escapeXmlAttribute(child.namespace)}"`;
      }
      childName = `${prefix}:${child.localName}`;
    }
    const before = lines.length;
    write(child, childName, depth + 1, childScope, lines);
    if (declaration) lines[before] = lines[before]!.replace(`<${childName}`, `<${childName}${declaration}`);
  }
  lines.push(`${pad}</${name}>`);
}
