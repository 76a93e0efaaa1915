import { escapeXmlAttribute } from '@app/xml';
import { attribute, readXmlTree, resolveQName } from './xml-tree.reader.js';
import type { XmlElement } from './xml-tree.reader.js';

export type SoapVersion = '1.1' | '1.2';

export const WSDL_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/';
export const WSDL_SOAP11_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const WSDL_SOAP12_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/soap12/';

export interface QualifiedName {
  ns?: string;
  local: string;
}

export interface WsdlOperation {
  name: string;
  /** Empty soapAction attributes count as none. */
  soapAction?: string;
  style: 'document' | 'rpc';
  /** The element a document/literal request carries in the Body (the single part's element). */
  input?: QualifiedName;
  output?: QualifiedName;
}

export interface WsdlPort {
  service: string;
  name: string;
  binding: string;
  /** From the namespace of the binding's soap:binding / soap12:binding; undefined for non-SOAP bindings. */
  version?: SoapVersion;
  location?: string;
  operations: Map<string, WsdlOperation>;
}

export interface WsdlDescription {
  targetNamespace?: string;
  ports: WsdlPort[];
}

/**
 * Reads what the SOAP layer needs from a WSDL 1.1 document: ports with their SOAP version and
 * address, and per operation the SOAPAction and the request element. node-soap parses WSDLs too,
 * but does not keep the binding's SOAP version and merges the operations of bindings that share a
 * portType, so the endpoint checks rely on this reading instead. Only the document itself is read:
 * wsdl:import is not followed.
 */
export function describeWsdl(wsdlXml: string): WsdlDescription {
  const root = readXmlTree(wsdlXml);
  if (root.local !== 'definitions' || root.ns !== WSDL_NAMESPACE) {
    throw new Error(`not a WSDL 1.1 document: root element is {${root.ns ?? ''}}${root.local}`);
  }
  const children = (local: string) => root.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === local);

  const messages = new Map<string, XmlElement>();
  for (const message of children('message')) messages.set(attribute(message, 'name')?.value ?? '', message);

  const portTypes = new Map<string, XmlElement>();
  for (const portType of children('portType')) portTypes.set(attribute(portType, 'name')?.value ?? '', portType);

  const elementOfMessage = (operation: XmlElement, direction: 'input' | 'output'): QualifiedName | undefined => {
    const ref = operation.children.find((c) => c.ns === WSDL_NAMESPACE && c.local === direction);
    const messageRef = ref && attribute(ref, 'message')?.value;
    const message = messageRef && messages.get(resolveQName(ref, messageRef).local);
    if (!message) return undefined;
    const parts = message.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === 'part');
    const element = parts.length === 1 ? attribute(parts[0]!, 'element')?.value : undefined;
    return element ? resolveQName(parts[0]!, element) : undefined;
  };

  const bindings = new Map<string, { version?: SoapVersion; operations: Map<string, WsdlOperation> }>();
  for (const binding of children('binding')) {
    const soapBinding = binding.children.find((c) => c.local === 'binding' && (c.ns === WSDL_SOAP11_NAMESPACE || c.ns === WSDL_SOAP12_NAMESPACE));
    const version = soapBinding ? versionOf(soapBinding.ns) : undefined;
    const bindingStyle = soapBinding && attribute(soapBinding, 'style')?.value === 'rpc' ? 'rpc' : 'document';
    const typeRef = attribute(binding, 'type')?.value;
    const portType = typeRef ? portTypes.get(resolveQName(binding, typeRef).local) : undefined;
    const operations = new Map<string, WsdlOperation>();
    for (const op of binding.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === 'operation')) {
      const name = attribute(op, 'name')?.value ?? '';
      const soapOp = op.children.find((c) => c.local === 'operation' && c.ns === soapBinding?.ns);
      const abstract = portType?.children.find((c) => c.ns === WSDL_NAMESPACE && c.local === 'operation' && attribute(c, 'name')?.value === name);
      const opStyle = soapOp && attribute(soapOp, 'style')?.value;
      operations.set(name, {
        name,
        soapAction: (soapOp && attribute(soapOp, 'soapAction')?.value) || undefined,
        style: opStyle === 'rpc' || opStyle === 'document' ? opStyle : bindingStyle,
        input: abstract && elementOfMessage(abstract, 'input'),
        output: abstract && elementOfMessage(abstract, 'output'),
      });
    }
    bindings.set(attribute(binding, 'name')?.value ?? '', { version, operations });
  }

  const ports: WsdlPort[] = [];
  for (const service of children('service')) {
    const serviceName = attribute(service, 'name')?.value ?? '';
    for (const port of service.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === 'port')) {
      const bindingRef = attribute(port, 'binding')?.value ?? '';
      const bindingName = resolveQName(port, bindingRef).local;
      const binding = bindings.get(bindingName);
      const address = addressOf(port);
      ports.push({
        service: serviceName,
        name: attribute(port, 'name')?.value ?? '',
        binding: bindingName,
        version: binding?.version,
        location: address && attribute(address, 'location')?.value,
        operations: binding?.operations ?? new Map(),
      });
    }
  }
  return { targetNamespace: attribute(root, 'targetNamespace')?.value, ports };
}

/** Finds a port by name, optionally within one service. */
export function findPort(wsdl: WsdlDescription, portName: string, serviceName?: string): WsdlPort | undefined {
  return wsdl.ports.find((p) => p.name === portName && (serviceName === undefined || p.service === serviceName));
}

/**
 * Rewrites the soap:address / soap12:address location of the named ports, so that the WSDL served
 * at `?wsdl` names the addresses clients should really call. Everything else stays as written.
 */
export function setWsdlAddresses(wsdlXml: string, addresses: Record<string, string>): string {
  const root = readXmlTree(wsdlXml);
  const ports = root.children
    .filter((c) => c.ns === WSDL_NAMESPACE && c.local === 'service')
    .flatMap((service) => service.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === 'port'));
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const [portName, url] of Object.entries(addresses)) {
    const matching = ports.filter((p) => attribute(p, 'name')?.value === portName);
    if (matching.length === 0) {
      const known = ports.map((p) => attribute(p, 'name')?.value).join(', ');
      throw new Error(`WSDL has no port "${portName}"; ports: ${known || 'none'}`);
    }
    for (const port of matching) {
      const location = (() => {
        const address = addressOf(port);
        return address && attribute(address, 'location');
      })();
      if (!location) throw new Error(`port "${portName}" has no soap:address or soap12:address location`);
      edits.push({ start: location.valueStart, end: location.valueEnd, text: escapeXmlAttribute(url) });
    }
  }
  // From the end backwards, so earlier offsets stay valid.
  edits.sort((a, b) => b.start - a.start);
  let out = wsdlXml;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

function addressOf(port: XmlElement): XmlElement | undefined {
  return port.children.find((c) => c.local === 'address' && (c.ns === WSDL_SOAP11_NAMESPACE || c.ns === WSDL_SOAP12_NAMESPACE));
}

function versionOf(ns: string | undefined): SoapVersion | undefined {
  if (ns === WSDL_SOAP11_NAMESPACE) return '1.1';
  if (ns === WSDL_SOAP12_NAMESPACE) return '1.2';
  return undefined;
}
