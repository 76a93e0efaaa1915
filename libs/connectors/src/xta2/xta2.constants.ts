/** Names and namespaces of the XTA 2 web service, specification 3.1.1 (`contracts/xta2/3.1.1/XTA.wsdl`). */

/** Where the vendored WSDL lies below `contracts/`. */
export const XTA2_WSDL_PATH = 'xta2/3.1.1/XTA.wsdl';

export const XTA2_SERVICE = 'XTAService';

/** The connector's name in routes (`sources: [{ type: xta2 }]`, `writeback: { type: xta2 }`) and in `document.transport.connector`. */
export const XTA2_CONNECTOR_NAME = 'xta2';

/** The three ports of XTAService. The WSDL gives all three the placeholder address REPLACE_WITH_ACTUAL_URL. */
export const XTA2_PORTS = { msgBox: 'MsgBoxPort', send: 'SendXtaPort', management: 'ManagementPort' } as const;
export type Xta2PortKey = keyof typeof XTA2_PORTS;

/** OSCI MessageMetaData 2.02 (`oscimeta:`). */
export const OSCIMETA_NAMESPACE = 'http://www.osci.eu/ws/2014/10/transport';
export const WSA_NAMESPACE = 'http://www.w3.org/2005/08/addressing';
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

/** Defaults for MessageType when the route names none (the code list the payload's root element name is taken from). */
export const DEFAULT_MESSAGE_TYPE_LIST_URI = 'urn:de:payloadSchema:elementName';
export const DEFAULT_MESSAGE_TYPE_LIST_VERSION = '1.0';

/** The party identifier type XÖV uses for its addressing (DVDV "Behördenkennung", prefix:Kennung). */
export const DEFAULT_IDENTIFIER_TYPE = 'xoev';

/**
 * Keys of `OutboundMessage.meta` the XTA 2 connector reads when it sends. Format connectors (xdomea, ...)
 * may suggest them for the message they built; see `resolveSendMetaData` for which one wins.
 */
export const XTA2_META_KEYS = {
  /** MessageType code (e.g. `xdomea.0602`, or the payload's root element name). */
  messageType: 'messageType',
  /** MessageType@payloadSchema: the namespace URI of the payload's schema. */
  payloadSchema: 'payloadSchema',
  /** Qualifier/Subject (informational). */
  subject: 'subject',
  /** MsgIdentification/ProcessRef/Requester, e.g. an xdomea ProzessID. */
  processId: 'processId',
  /** MsgIdentification/In-Reply-To: the XTA MessageID of the message this one answers (besides the one an xta2 source recorded). */
  inReplyTo: 'inReplyTo',
  /** Destinations/Reader identifier, used only when the route configures no reader and the document came from no xta2 source. */
  recipient: 'recipient',
  /** Type of the recipient identifier (default `xoev`). */
  recipientType: 'recipientType',
} as const;

/**
 * Keys of `ReceivedMessage.meta` the XTA 2 source fills from the MessageMetaData of a fetched message. The
 * core keeps them with the document (`document.transport.meta`); `send` reads them to answer the original
 * author (Reader) with In-Reply-To set to the original MessageID. Addressing identifiers only.
 */
export const XTA2_RECEIVED_META_KEYS = {
  /** The XTA MessageID of the received message (also its correlation id). */
  messageId: 'messageId',
  /** Originators/Author identifier: who sent it, and where a reply goes when the route names no reader. */
  sender: 'sender',
  /** Type of the author identifier (e.g. `xoev`). */
  senderType: 'senderType',
  /** Qualifier/MessageType code of the received message. */
  messageType: 'messageType',
  /** Qualifier/BusinessScenario code (or the text of an undefined one). */
  businessScenario: 'businessScenario',
} as const;
