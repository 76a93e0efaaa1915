import { createHash } from 'node:crypto';
import { PermanentError } from '@app/contracts';
import type { ConnectorResult, OutboundMessage, SendReceipt } from '../sdk/index.js';
import { DEFAULT_IDENTIFIER_TYPE, XTA2_CONNECTOR_NAME, XTA2_META_KEYS, XTA2_RECEIVED_META_KEYS } from './xta2.constants.js';
import type { Xta2Client } from './xta2.client.js';
import { buildMessageMetaData } from './xta2-metadata.builder.js';
import type { MessageMetaDataInput, Xta2Party } from './xta2-metadata.builder.js';
import type { Xta2Options, Xta2SendOptions } from './xta2.options.js';

/**
 * The MessageMetaData of one outgoing message, from the route's options, what the format connector
 * suggested in `message.meta` (keys: XTA2_META_KEYS) and, for a document an xta2 source fetched, what its
 * transport knew (`result.document.transport.meta`, keys: XTA2_RECEIVED_META_KEYS). Who decides:
 * - Author: always the route's `identifier` (the account sending).
 * - Reader: the route's `send.reader`; else the author of the received message (a reply goes back where
 *   the document came from); else `meta.recipient`. Content cannot redirect results while the route or the
 *   transport names a reader.
 * - Service, business scenario: the route's `send` options.
 * - Message type, payload schema, subject: the message's own facts (`meta`) win over the route's defaults.
 * - In-Reply-To: the received message's MessageID, and `meta.inReplyTo`. ProcessRef/Requester: `meta.processId`.
 * Throws PermanentError when something required is missing.
 */
export function resolveSendMetaData(
  options: Pick<Xta2Options, 'identifier'>,
  send: Xta2SendOptions,
  message: OutboundMessage,
  result: Pick<ConnectorResult, 'writtenAt'> & { document?: Pick<ConnectorResult['document'], 'transport'> },
  messageId: string,
): MessageMetaDataInput {
  const meta = message.meta ?? {};
  const given = (key: string): string | undefined => {
    const value = meta[key]?.trim();
    return value ? value : undefined;
  };
  // Only facts an xta2 source recorded are XTA identifiers; another transport's ids mean nothing here.
  const transport = result.document?.transport?.connector === XTA2_CONNECTOR_NAME ? result.document.transport.meta : {};
  const received = (key: string): string | undefined => {
    const value = transport[key]?.trim();
    return value ? value : undefined;
  };
  const recipient = given(XTA2_META_KEYS.recipient);
  const originalAuthor = received(XTA2_RECEIVED_META_KEYS.sender);
  const reader: Xta2Party | undefined =
    send.reader ??
    (originalAuthor ? { id: originalAuthor, type: received(XTA2_RECEIVED_META_KEYS.senderType) ?? DEFAULT_IDENTIFIER_TYPE } : undefined) ??
    (recipient ? { id: recipient, type: given(XTA2_META_KEYS.recipientType) ?? DEFAULT_IDENTIFIER_TYPE } : undefined);
  if (!reader) {
    throw new PermanentError(
      'XTA send has no reader: set `send.reader` in the route, take the documents in with an xta2 source (the reply goes to their author), or use a format connector that names the recipient',
      'xta2-metadata-invalid',
    );
  }

  const messageTypeCode = given(XTA2_META_KEYS.messageType) ?? send.messageType.code;
  const payloadSchema = given(XTA2_META_KEYS.payloadSchema) ?? send.messageType.payloadSchema;
  const missing = [!messageTypeCode && '`send.messageType.code`', !payloadSchema && '`send.messageType.payloadSchema`'].filter(Boolean);
  if (missing.length > 0) {
    throw new PermanentError(`XTA send needs ${missing.join(' and ')} in the route (the format connector suggested none)`, 'xta2-metadata-invalid');
  }
  const subject = given(XTA2_META_KEYS.subject) ?? send.subject;
  const inReplyTo = [...new Set([received(XTA2_RECEIVED_META_KEYS.messageId), given(XTA2_META_KEYS.inReplyTo)].filter((id): id is string => id !== undefined))];
  const processId = given(XTA2_META_KEYS.processId);
  // The type's name belongs to the route's code; a suggested code comes without one.
  const typeName = given(XTA2_META_KEYS.messageType) ? undefined : send.messageType.name;

  return {
    messageId,
    author: options.identifier,
    reader,
    service: send.service,
    businessScenario: send.businessScenario,
    messageType: {
      code: messageTypeCode!,
      ...(typeName ? { name: typeName } : {}),
      listUri: send.messageType.listUri,
      listVersionId: send.messageType.listVersionId,
      payloadSchema: payloadSchema!,
    },
    ...(subject ? { subject } : {}),
    ...(inReplyTo.length > 0 ? { inReplyTo } : {}),
    ...(processId ? { processRef: { requester: processId } } : {}),
    origin: result.writtenAt,
    sizeBytes: message.body.length,
    testMessage: send.testMessage,
  };
}

/** A MessageID that is the same for every attempt to send one document's results on one route. */
export function documentMessageId(routeId: string, documentId: string): string {
  const hash = createHash('sha256').update(`xta2\u0000${routeId}\u0000${documentId}`).digest('hex');
  // Shaped as a UUID (version nibble 8: custom, RFC 9562) so it is a valid urn:uuid.
  const variant = ((parseInt(hash[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(13, 16)}-${variant}${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
}

/** Sends one message over SendXtaPort; see resolveSendMetaData for its metadata. */
export async function sendXta2(client: Xta2Client, options: Xta2Options, message: OutboundMessage, result: ConnectorResult, routeId: string): Promise<SendReceipt> {
  const send = options.send;
  if (!send) throw new PermanentError('the xta2 writeback needs `send:` options (service, businessScenario, reader, messageType)', 'xta2-config');
  if (!client.endpoint('send')) throw new PermanentError('the xta2 writeback needs the SendXtaPort address: set `baseUrl` or `endpoints.send`', 'xta2-config');
  if (send.messageId === 'server' && !client.endpoint('management')) {
    throw new PermanentError('`send.messageId: server` needs the ManagementPort address (createMessageId): set `baseUrl` or `endpoints.management`', 'xta2-config');
  }
  const messageId = send.messageId === 'server' ? await client.createMessageId(options.identifier) : documentMessageId(routeId, result.document.id);
  const metaData = resolveSendMetaData(options, send, message, result, messageId);
  const metaDataXml = buildMessageMetaData(metaData);
  await client.sendMessage(metaDataXml, {
    body: message.body,
    contentType: message.mediaType,
    ...(message.filename ? { filename: message.filename } : {}),
    ...(send.contentDescription ? { description: send.contentDescription } : {}),
  });
  return { location: `${messageId} (XTA, to ${metaData.reader.type}:${metaData.reader.id})` };
}
