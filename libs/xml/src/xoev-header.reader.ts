import type { XoevHeader } from '@app/contracts';
import { documentElement, firstChildElement, textContent, type XmlElement, type XmlTree } from './xml.tree.js';

/** xdomea namespaces carry the version: `urn:xoev-de:xdomea:schema:3.0.0`. */
const XDOMEA_NAMESPACE = /^urn:xoev-de:xdomea:schema:(\d+\.\d+(?:\.\d+)?)$/;
/** The root element names the message type and ends with its code: `Aussonderung.Aussonderung.0503`. */
const ROOT_MESSAGE_CODE = /\.(\d{4})$/;

/**
 * The children of the root element the header is read from: xdomea 2.x/3.x `Kopf`, 4.x `nachrichtenkopf`.
 * A tree that holds the root with just these (and what they contain) gives the same header.
 */
export const XOEV_HEADER_ELEMENTS: readonly string[] = ['Kopf', 'nachrichtenkopf'];

/**
 * Reads the header of an XÖV message; undefined for XML that is not one it knows (today: xdomea).
 * Matches by namespace URI, never by prefix. `onWarning` hears about contradictions in the message.
 */
export function readXoevHeader(tree: XmlTree, onWarning?: (message: string) => void): XoevHeader | undefined {
  const root = documentElement(tree);
  if (!root?.namespace) return undefined;
  const version = XDOMEA_NAMESPACE.exec(root.namespace)?.[1];
  if (!version) return undefined;
  return readXdomea(root, root.namespace, version, onWarning);
}

function readXdomea(root: XmlElement, namespace: string, version: string, onWarning?: (message: string) => void): XoevHeader {
  // Code-list children (`code`, `name`) and the XÖV base header fields are unqualified in the schema;
  // accepting the xdomea namespace too keeps sloppy default-namespace messages readable.
  const ns = [namespace, undefined];
  const child = (parent: XmlElement | undefined, localName: string) => firstChildElement(parent, localName, ns);
  const text = (element: XmlElement | undefined) => textContent(element);

  const header: XoevHeader = { standard: 'xdomea', version, namespace, rootElement: root.localName };
  let declaredCode: string | undefined;

  const kopf = child(root, 'Kopf');
  const nachrichtenkopf = child(root, 'nachrichtenkopf');
  if (kopf) {
    // xdomea 2.x and 3.x: NkBasisType.
    assign(header, 'processId', text(child(kopf, 'ProzessID')));
    declaredCode = text(child(child(kopf, 'Nachrichtentyp'), 'code'));
    assign(header, 'createdAt', text(child(kopf, 'Erstellungszeitpunkt')));
    assign(header, 'sender', contactName(child(kopf, 'Absender'), child));
    assign(header, 'recipient', contactName(child(kopf, 'Empfaenger'), child));
  } else if (nachrichtenkopf) {
    // xdomea 4.x: XÖV base message header; the message UUID stands in when no ProzessID is given.
    const identification = child(nachrichtenkopf, 'identifikation.nachricht');
    assign(header, 'processId', text(child(nachrichtenkopf, 'ProzessID')) ?? text(child(identification, 'nachrichtenUUID')));
    declaredCode = text(child(child(identification, 'nachrichtentyp'), 'code'));
    assign(header, 'createdAt', text(child(identification, 'erstellungszeitpunkt')));
    assign(header, 'sender', authorName(child(nachrichtenkopf, 'autor'), child));
    assign(header, 'recipient', authorName(child(nachrichtenkopf, 'leser'), child));
  }

  // The root element is what the schema validates; the header code is a free value that real
  // messages get wrong (the published 0502 and 0504 patterns carry 0503 and 0501), so the root wins.
  const rootCode = ROOT_MESSAGE_CODE.exec(root.localName)?.[1];
  assign(header, 'messageTypeCode', rootCode ?? declaredCode);
  if (rootCode && declaredCode && rootCode !== declaredCode) {
    onWarning?.(`xdomea header Nachrichtentyp says ${declaredCode} but the root element ${root.localName} is message type ${rootCode}; using ${rootCode}`);
  }
  return header;
}

type ChildFinder = (parent: XmlElement | undefined, localName: string) => XmlElement | undefined;

/** A readable name for a KontaktType (xdomea 2.x/3.x) with the authority key when there is one: `Landesarchiv (LATh)`. */
function contactName(contact: XmlElement | undefined, child: ChildFinder): string | undefined {
  if (!contact) return undefined;
  const authority = child(contact, 'Behoerdenkennung');
  const authorityKey = child(authority, 'Behoerdenschluessel') ?? child(authority, 'Kennung');
  const person = child(contact, 'Name');
  const personName = [child(child(person, 'Vorname'), 'Name'), child(child(person, 'Familienname'), 'Name')]
    .map((element) => textContent(element))
    .filter((part): part is string => part !== undefined)
    .join(' ');
  const name =
    textContent(child(child(contact, 'Institution'), 'Name')) ??
    textContent(child(child(contact, 'Organisationseinheit'), 'Name')) ??
    textContent(child(authorityKey, 'name')) ??
    (personName || undefined);
  const key = textContent(child(authorityKey, 'code'));
  if (name && key && name !== key) return `${name} (${key})`;
  return name ?? key;
}

/** `autor` / `leser` of the XÖV base header (xdomea 4.x). */
function authorName(party: XmlElement | undefined, child: ChildFinder): string | undefined {
  if (!party) return undefined;
  return textContent(child(child(party, 'NameInstitution'), 'Name')) ?? textContent(child(party, 'name')) ?? textContent(child(party, 'kennung'));
}

function assign<K extends keyof XoevHeader>(header: XoevHeader, key: K, value: XoevHeader[K] | undefined): void {
  if (value !== undefined) header[key] = value;
}
