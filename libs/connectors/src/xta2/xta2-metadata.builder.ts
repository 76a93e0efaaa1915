import { PermanentError } from '@app/contracts';
import { escapeXml, escapeXmlAttribute } from '@app/xml';
import { OSCIMETA_NAMESPACE, WSA_NAMESPACE } from './xta2.constants.js';

/** An OSCI party identifier (`oscimeta:PartyIdentifierType`): value plus the scheme it belongs to. */
export interface Xta2Party {
  /** The identifier, e.g. a DVDV Behördenkennung `ags:09162000`. */
  id: string;
  /** How to read `id`, e.g. `xoev`. */
  type: string;
  /** Display name. */
  name?: string;
  /** Role in the business scenario, e.g. `Meldebehörde`. */
  category?: string;
}

/** A code of a code list (`oscimeta:KeyCodeType`); the list is named by URI and version. */
export interface Xta2KeyCode {
  code: string;
  name?: string;
  listUri: string;
  listVersionId: string;
}

/** BusinessScenario: a code of a published list (`Defined`), or free text (`Undefined`) when no list is named. */
export interface Xta2BusinessScenario {
  code: string;
  name?: string;
  listUri?: string;
  listVersionId?: string;
}

export interface Xta2MessageType extends Xta2KeyCode {
  /** Namespace URI of the payload's schema. */
  payloadSchema: string;
}

/** What goes into the `oscimeta:MessageMetaData` header of sendMessage. */
export interface MessageMetaDataInput {
  /** The XTA MessageID (from createMessageId, or one of our own). */
  messageId: string;
  author: Xta2Party;
  reader: Xta2Party;
  /** Qualifier/Service: the XÖV "Dienste-URI" of the service in the business scenario. */
  service: string;
  businessScenario: Xta2BusinessScenario;
  messageType: Xta2MessageType;
  subject?: string;
  /** MessageIDs this message answers. */
  inReplyTo?: readonly string[];
  /** Business process references (e.g. an xdomea ProzessID) on the requester's and the responder's side. */
  processRef?: { requester?: string; responder?: string };
  /** DeliveryAttributes/Origin: when the content was produced. */
  origin?: Date | string;
  /** DeliveryAttributes/ServiceQuality (XTA: the service profile). */
  serviceQuality?: string;
  /** MsgSize: the payload's size in bytes. */
  sizeBytes?: number;
  /** MessageMetaData@TestMsg. */
  testMessage?: boolean;
}

const required = (value: string | undefined, what: string, problems: string[]): string => {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) problems.push(`${what} is missing`);
  return trimmed;
};

/** xs:normalizedString must hold no tab, CR or LF; identifiers with them would change on the way. */
const normalized = (value: string, what: string, problems: string[]): string => {
  if (/[\t\r\n]/.test(value)) problems.push(`${what} contains a tab or line break`);
  return value;
};

function partyXml(element: 'Author' | 'Reader', party: Xta2Party, problems: string[]): string {
  const id = normalized(required(party.id, `${element} identifier`, problems), `${element} identifier`, problems);
  const type = required(party.type, `${element} identifier type`, problems);
  const attrs = [`type="${escapeXmlAttribute(type)}"`];
  if (party.name?.trim()) attrs.push(`name="${escapeXmlAttribute(party.name.trim())}"`);
  if (party.category?.trim()) attrs.push(`category="${escapeXmlAttribute(party.category.trim())}"`);
  return `<oscimeta:${element}><oscimeta:Identifier ${attrs.join(' ')}>${escapeXml(id)}</oscimeta:Identifier></oscimeta:${element}>`;
}

function keyCodeContent(code: { code: string; name?: string }, what: string, problems: string[]): string {
  const value = required(code.code, `${what} code`, problems);
  const name = code.name?.trim();
  return `<code>${escapeXml(value)}</code>${name ? `<name>${escapeXml(normalized(name, `${what} name`, problems))}</name>` : ''}`;
}

function isoDateTime(value: Date | string, problems: string[]): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) {
    problems.push(`origin ${String(value)} is not a date and time`);
    return '';
  }
  return date.toISOString();
}

/**
 * Builds the `oscimeta:MessageMetaData` SOAP header for sendMessage (OSCI MessageMetaData 2.02, as XTA 2
 * version 3.1.1 uses it): delivery attributes, author, reader, MessageID and the qualifier (service,
 * business scenario, message type). The element declares its own namespaces, so it stands alone in any
 * envelope. Throws PermanentError naming every missing or malformed part: metadata that is wrong now will
 * be wrong on every retry.
 */
export function buildMessageMetaData(input: MessageMetaDataInput): string {
  const problems: string[] = [];
  const messageId = required(input.messageId, 'MessageID', problems);
  const service = required(input.service, 'service', problems);

  const origin = input.origin === undefined ? '' : isoDateTime(input.origin, problems);
  const quality = input.serviceQuality?.trim();
  const delivery =
    (origin ? `<oscimeta:Origin>${origin}</oscimeta:Origin>` : '') + (quality ? `<oscimeta:ServiceQuality>${escapeXml(quality)}</oscimeta:ServiceQuality>` : '');

  const author = partyXml('Author', input.author, problems);
  const reader = partyXml('Reader', input.reader, problems);

  const replies = (input.inReplyTo ?? []).map((id) => id.trim()).filter(Boolean);
  const requester = input.processRef?.requester?.trim();
  const responder = input.processRef?.responder?.trim();
  const processRef =
    requester || responder
      ? `<oscimeta:ProcessRef>${requester ? `<oscimeta:Requester>${escapeXml(requester)}</oscimeta:Requester>` : ''}` +
        `${responder ? `<oscimeta:Responder>${escapeXml(responder)}</oscimeta:Responder>` : ''}</oscimeta:ProcessRef>`
      : '';
  const identification =
    `<wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>` +
    replies.map((id) => `<oscimeta:In-Reply-To>${escapeXml(id)}</oscimeta:In-Reply-To>`).join('') +
    processRef;

  const scenario = input.businessScenario;
  const scenarioListUri = scenario.listUri?.trim();
  const scenarioListVersion = scenario.listVersionId?.trim();
  if (Boolean(scenarioListUri) !== Boolean(scenarioListVersion)) problems.push('business scenario needs both listUri and listVersionId, or neither');
  const scenarioXml =
    scenarioListUri && scenarioListVersion
      ? `<oscimeta:Defined listURI="${escapeXmlAttribute(scenarioListUri)}" listVersionID="${escapeXmlAttribute(scenarioListVersion)}">` +
        `${keyCodeContent(scenario, 'business scenario', problems)}</oscimeta:Defined>`
      : `<oscimeta:Undefined>${escapeXml(normalized(required(scenario.code, 'business scenario code', problems), 'business scenario', problems))}</oscimeta:Undefined>`;

  const type = input.messageType;
  const typeAttrs =
    `listURI="${escapeXmlAttribute(required(type.listUri, 'message type listUri', problems))}" ` +
    `listVersionID="${escapeXmlAttribute(required(type.listVersionId, 'message type listVersionId', problems))}" ` +
    `payloadSchema="${escapeXmlAttribute(required(type.payloadSchema, 'message type payloadSchema', problems))}"`;
  const subject = input.subject?.trim();
  const qualifier =
    (subject ? `<oscimeta:Subject>${escapeXml(subject)}</oscimeta:Subject>` : '') +
    `<oscimeta:Service>${escapeXml(service)}</oscimeta:Service>` +
    `<oscimeta:BusinessScenario>${scenarioXml}</oscimeta:BusinessScenario>` +
    `<oscimeta:MessageType ${typeAttrs}>${keyCodeContent(type, 'message type', problems)}</oscimeta:MessageType>`;

  let size = '';
  if (input.sizeBytes !== undefined) {
    // xs:positiveInteger: an empty payload has no size worth stating.
    if (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0) problems.push(`size ${String(input.sizeBytes)} is not a byte count`);
    else if (input.sizeBytes > 0) size = `<oscimeta:MsgSize>${input.sizeBytes}</oscimeta:MsgSize>`;
  }

  if (problems.length > 0) throw new PermanentError(`XTA MessageMetaData cannot be built: ${problems.join('; ')}`, 'xta2-metadata-invalid');

  return (
    `<oscimeta:MessageMetaData xmlns:oscimeta="${OSCIMETA_NAMESPACE}" xmlns:wsa="${WSA_NAMESPACE}"${input.testMessage ? ' TestMsg="true"' : ''}>` +
    `<oscimeta:DeliveryAttributes>${delivery}</oscimeta:DeliveryAttributes>` +
    `<oscimeta:Originators>${author}</oscimeta:Originators>` +
    `<oscimeta:Destinations>${reader}</oscimeta:Destinations>` +
    `<oscimeta:MsgIdentification>${identification}</oscimeta:MsgIdentification>` +
    `<oscimeta:Qualifier>${qualifier}</oscimeta:Qualifier>` +
    size +
    `</oscimeta:MessageMetaData>`
  );
}

/** The `oscimeta:Author` header that names the calling account on MsgBox and Management operations. */
export function buildAuthorHeader(account: Xta2Party): string {
  const problems: string[] = [];
  const author = partyXml('Author', account, problems);
  if (problems.length > 0) throw new PermanentError(`XTA Author header cannot be built: ${problems.join('; ')}`, 'xta2-metadata-invalid');
  // partyXml writes a bare prefix; this header declares it for itself.
  return author.replace('<oscimeta:Author>', `<oscimeta:Author xmlns:oscimeta="${OSCIMETA_NAMESPACE}">`);
}
