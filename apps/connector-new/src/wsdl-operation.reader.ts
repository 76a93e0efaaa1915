import { describeWsdl, type QualifiedName, type SoapVersion } from '@app/soap';
import { resolveQName, WSDL_NAMESPACE, XSD_NAMESPACE, xsdChildren, type SchemaNode } from './schema-document.reader.js';
import type { CollectedFile } from './schema-files.collector.js';
import type { XsdModel } from './xsd-schema.model.js';

/** The operation a generated transport connector calls, as SoapCaller will find it. */
export interface WsdlOperationFacts {
  service: string;
  port: string;
  soapVersion: SoapVersion;
  operation: string;
  soapAction?: string;
  /** The element the request carries in the Body, when the WSDL says (document/literal). */
  input?: QualifiedName;
  output?: QualifiedName;
  /** The request element's children, for the mapping the developer fills in. */
  fields: RequestField[];
  /** The address the WSDL gives, if any. */
  location?: string;
}

export interface RequestField {
  name: string;
  type: string;
  required: boolean;
  repeated: boolean;
}

export class WsdlOperationError extends Error {
  override readonly name = 'WsdlOperationError';
}

/**
 * The first operation of the first SOAP port of the entry WSDL: the one the generated connector calls.
 * SoapCaller reads ports from the entry document only (wsdl:import is not followed there), so the port
 * must be in the entry; its portType and messages may come from an imported WSDL.
 */
export function firstOperation(entryText: string, files: readonly CollectedFile[], model: XsdModel): WsdlOperationFacts {
  let description;
  try {
    description = describeWsdl(entryText);
  } catch (error) {
    throw new WsdlOperationError(`the WSDL cannot be read: ${(error as Error).message}`);
  }
  const port = description.ports.find((p) => p.version !== undefined && p.operations.size > 0);
  if (!port) {
    const ports = description.ports.map((p) => `${p.name} (${p.version ? `SOAP ${p.version}` : 'not SOAP'})`).join(', ');
    throw new WsdlOperationError(`the WSDL has no SOAP port with operations in its entry file (ports: ${ports || 'none'}); SoapCaller needs wsdl:service and wsdl:binding there`);
  }
  const operation = [...port.operations.values()][0]!;
  const input = operation.input ?? messageElement(files, port.binding, operation.name, 'input');
  const output = operation.output ?? messageElement(files, port.binding, operation.name, 'output');
  return {
    service: port.service,
    port: port.name,
    soapVersion: port.version!,
    operation: operation.name,
    ...(operation.soapAction ? { soapAction: operation.soapAction } : {}),
    ...(input ? { input } : {}),
    ...(output ? { output } : {}),
    fields: input ? fieldsOf(model, input) : [],
    ...(port.location ? { location: port.location } : {}),
  };
}

/** The element of an operation's message when portType and messages sit in an imported WSDL. */
function messageElement(files: readonly CollectedFile[], bindingName: string, operationName: string, direction: 'input' | 'output'): QualifiedName | undefined {
  const all = (local: string) => files.flatMap((file) => (file.root.ns === WSDL_NAMESPACE ? file.root.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === local) : []));
  const binding = all('binding').find((b) => b.attrs.name === bindingName);
  const portTypeName = binding?.attrs.type ? resolveQName(binding, binding.attrs.type)?.local : undefined;
  const portType = all('portType').find((p) => p.attrs.name === portTypeName);
  const operation = portType?.children.find((c) => c.ns === WSDL_NAMESPACE && c.local === 'operation' && c.attrs.name === operationName);
  const ref = operation?.children.find((c) => c.ns === WSDL_NAMESPACE && c.local === direction);
  const messageName = ref?.attrs.message ? resolveQName(ref, ref.attrs.message)?.local : undefined;
  const message = all('message').find((m) => m.attrs.name === messageName);
  const parts = message?.children.filter((c) => c.ns === WSDL_NAMESPACE && c.local === 'part') ?? [];
  const element = parts.length === 1 ? parts[0]!.attrs.element : undefined;
  const name = element ? resolveQName(parts[0]!, element) : undefined;
  return name ? { ns: name.ns, local: name.local } : undefined;
}

/** The direct children of a request element (sequence or all of its complex type). */
function fieldsOf(model: XsdModel, element: QualifiedName): RequestField[] {
  const declared = model.get('element', element.ns ?? '', element.local);
  if (!declared) return [];
  let type: SchemaNode | undefined = xsdChildren(declared.node, 'complexType')[0];
  if (!type && declared.node.attrs.type) type = model.lookup('complexType', declared.node, declared.node.attrs.type)?.node;
  const group = type?.children.find((c) => c.ns === XSD_NAMESPACE && (c.local === 'sequence' || c.local === 'all'));
  if (!group) return [];
  return xsdChildren(group, 'element').map((child) => ({
    name: child.attrs.name ?? (child.attrs.ref ?? '?').replace(/^.*:/, ''),
    type: child.attrs.type ?? (child.attrs.ref ? `ref ${child.attrs.ref}` : 'inline type'),
    required: child.attrs.minOccurs !== '0',
    repeated: child.attrs.maxOccurs !== undefined && child.attrs.maxOccurs !== '1',
  }));
}
