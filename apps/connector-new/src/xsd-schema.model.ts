import { descendants, qnameKey, resolveQName, WSDL_NAMESPACE, XSD_NAMESPACE, xsdChildren, type SchemaNode } from './schema-document.reader.js';
import type { CollectedFile } from './schema-files.collector.js';

/** One `xs:schema` element (a file's root, or one inside a WSDL's `wsdl:types`) with its defaults. */
export interface SchemaScope {
  targetNamespace: string;
  elementsQualified: boolean;
  attributesQualified: boolean;
  /** The file it is in, for messages. */
  file: string;
}

/** A component declared at the top of a schema, with the schema it belongs to. */
export interface Declared {
  node: SchemaNode;
  schema: SchemaScope;
}

export type ComponentKind = 'element' | 'complexType' | 'simpleType' | 'group' | 'attributeGroup' | 'attribute';

/**
 * The global components of a schema set by `{namespace}name`, enough to build an instance document and
 * to describe a WSDL operation's request. A chameleon include (a schema without targetNamespace included
 * by one with it) takes the includer's namespace, as XSD says.
 */
export class XsdModel {
  private readonly components: Record<ComponentKind, Map<string, Declared>> = {
    element: new Map(),
    complexType: new Map(),
    simpleType: new Map(),
    group: new Map(),
    attributeGroup: new Map(),
    attribute: new Map(),
  };
  /** Global elements in the order a reader of the entry meets them (includes in place). */
  readonly elementOrder: Declared[] = [];
  /** Prefixes the schema files themselves use, by namespace: the generated instance writes the same. */
  readonly prefixes = new Map<string, string>();

  constructor(files: readonly CollectedFile[]) {
    const byPath = new Map(files.map((file) => [file.source, file]));
    const visited = new Set<string>();
    const visit = (file: CollectedFile, chameleon: string | undefined) => {
      const key = `${file.source}\u0000${chameleon ?? ''}`;
      if (visited.has(key)) return;
      visited.add(key);
      for (const schemaNode of schemaElementsOf(file.root)) {
        const declared = schemaNode.attrs.targetNamespace;
        const schema: SchemaScope = {
          targetNamespace: declared ?? chameleon ?? '',
          elementsQualified: schemaNode.attrs.elementFormDefault === 'qualified',
          attributesQualified: schemaNode.attrs.attributeFormDefault === 'qualified',
          file: file.source,
        };
        this.notePrefixes(schemaNode);
        for (const child of schemaNode.children) {
          if (child.ns !== XSD_NAMESPACE) continue;
          if (child.local === 'include' || child.local === 'redefine' || child.local === 'override' || child.local === 'import') {
            const target = targetOf(file, child, byPath);
            if (target) visit(target, child.local === 'import' ? undefined : schema.targetNamespace || undefined);
            // A redefinition's own components replace the originals: register them after the included ones.
            if (child.local === 'redefine' || child.local === 'override') for (const inner of child.children) this.add(inner, schema, true);
            continue;
          }
          this.add(child, schema, false);
        }
      }
      // WSDL imports bring more wsdl:types.
      for (const node of file.root.children) {
        if (node.ns === WSDL_NAMESPACE && node.local === 'import') {
          const target = targetOf(file, node, byPath);
          if (target) visit(target, undefined);
        }
      }
    };
    if (files[0]) visit(files[0], undefined);
    // Files reached only through paths this walk did not take (e.g. a WSDL importing a schema by wsdl:import).
    for (const file of files) visit(file, undefined);
  }

  get(kind: ComponentKind, ns: string, local: string): Declared | undefined {
    return this.components[kind].get(qnameKey(ns, local));
  }

  /** A QName attribute (`type`, `ref`, `base`) of `node` resolved and looked up. */
  lookup(kind: ComponentKind, node: SchemaNode, qname: string): Declared | undefined {
    const name = resolveQName(node, qname);
    return name ? this.get(kind, name.ns, name.local) : undefined;
  }

  /** Global elements whose substitution group leads to `head` (directly or through others). */
  substitutesOf(head: Declared): Declared[] {
    const headKey = qnameKey(head.schema.targetNamespace, head.node.attrs.name ?? '');
    const result: Declared[] = [];
    for (const candidate of this.components.element.values()) {
      const seen = new Set<string>();
      let current: Declared | undefined = candidate;
      while (current?.node.attrs.substitutionGroup) {
        const group = resolveQName(current.node, current.node.attrs.substitutionGroup);
        if (!group) break;
        const key = qnameKey(group.ns, group.local);
        if (key === headKey) {
          result.push(candidate);
          break;
        }
        if (seen.has(key)) break;
        seen.add(key);
        current = this.components.element.get(key);
      }
    }
    return result;
  }

  /** Global elements of one namespace, or of any when `ns` is undefined. */
  elementsIn(ns: string | undefined): Declared[] {
    return this.elementOrder.filter((declared) => ns === undefined || declared.schema.targetNamespace === ns);
  }

  private add(node: SchemaNode, schema: SchemaScope, replace: boolean): void {
    if (node.ns !== XSD_NAMESPACE || !(node.local in this.components)) return;
    const name = node.attrs.name;
    if (!name) return;
    const kind = node.local as ComponentKind;
    const key = qnameKey(schema.targetNamespace, name);
    if (this.components[kind].has(key) && !replace) return;
    const declared = { node, schema };
    this.components[kind].set(key, declared);
    if (kind === 'element' && !this.elementOrder.some((known) => known.node === node)) this.elementOrder.push(declared);
  }

  private notePrefixes(schemaNode: SchemaNode): void {
    for (const node of descendants(schemaNode)) {
      for (const name of Object.keys(node.attrs)) {
        if (!['type', 'ref', 'base', 'substitutionGroup'].includes(name)) continue;
        const value = node.attrs[name]!;
        const colon = value.indexOf(':');
        if (colon <= 0) continue;
        const prefix = value.slice(0, colon);
        const ns = node.resolve(prefix);
        if (ns && ns !== XSD_NAMESPACE && !this.prefixes.has(ns)) this.prefixes.set(ns, prefix);
      }
    }
  }
}

/** The xs:schema elements of a file: its root, or those inside a WSDL's wsdl:types. */
function schemaElementsOf(root: SchemaNode): SchemaNode[] {
  if (root.ns === XSD_NAMESPACE && root.local === 'schema') return [root];
  if (root.ns === WSDL_NAMESPACE && root.local === 'definitions') {
    return root.children.filter((child) => child.ns === WSDL_NAMESPACE && child.local === 'types').flatMap((types) => xsdChildren(types, 'schema'));
  }
  return [];
}

function targetOf(file: CollectedFile, reference: SchemaNode, byPath: ReadonlyMap<string, CollectedFile>): CollectedFile | undefined {
  const target = file.targets.get(reference);
  return target === undefined ? undefined : byPath.get(target);
}
