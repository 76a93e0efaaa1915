import { escapeXml, escapeXmlAttribute, isTechnicalValue } from '@app/xml';
import { resolveQName, XSD_NAMESPACE, xsdChildren, type SchemaNode } from './schema-document.reader.js';
import { examplePatternValue } from './xsd-pattern.example.js';
import type { Declared, SchemaScope, XsdModel } from './xsd-schema.model.js';

/*
 * A minimal instance of a global element: every required element and attribute, nothing optional, the
 * first alternative of a choice that can be written, values that satisfy the facets (enumeration, pattern,
 * length, bounds). Strings get a readable German word, so the document has text for the AI steps. What it
 * cannot satisfy (identity constraints, strict wildcards without a declaration, xsi:type for an abstract
 * type) shows up when the result is validated; the scaffold then asks for a real sample.
 */

interface OutAttribute {
  ns: string;
  local: string;
  value: string;
}

interface OutElement {
  ns: string;
  local: string;
  attributes: OutAttribute[];
  children: OutElement[];
  text?: string;
}

export class InstanceGenerationError extends Error {
  override readonly name = 'InstanceGenerationError';
}

/** How deep required content may nest before a recursive type counts as unwritable. */
const MAX_DEPTH = 48;
/** Optional particles tried in search of text before giving up. */
const MAX_TEXT_ATTEMPTS = 2000;
/** Elements built in all, tries included: a schema whose required content explodes is not worth waiting for. */
const MAX_ELEMENTS = 200_000;
const WORD = 'Beispiel';

const BUILT_IN_VALUES: Readonly<Record<string, string>> = {
  string: WORD,
  normalizedString: WORD,
  token: WORD,
  Name: WORD,
  NCName: WORD,
  NMTOKEN: WORD,
  NMTOKENS: WORD,
  ENTITY: WORD,
  ENTITIES: WORD,
  QName: WORD,
  anySimpleType: WORD,
  anyAtomicType: WORD,
  anyType: WORD,
  language: 'de',
  anyURI: 'urn:example:beispiel',
  boolean: 'true',
  decimal: '1',
  float: '1',
  double: '1',
  integer: '1',
  long: '1',
  int: '1',
  short: '1',
  byte: '1',
  nonNegativeInteger: '1',
  positiveInteger: '1',
  unsignedLong: '1',
  unsignedInt: '1',
  unsignedShort: '1',
  unsignedByte: '1',
  nonPositiveInteger: '0',
  negativeInteger: '-1',
  duration: 'P1D',
  dayTimeDuration: 'P1D',
  yearMonthDuration: 'P1Y',
  dateTime: '2025-01-31T12:00:00',
  dateTimeStamp: '2025-01-31T12:00:00Z',
  date: '2025-01-31',
  time: '12:00:00',
  gYear: '2025',
  gYearMonth: '2025-01',
  gMonth: '--01',
  gMonthDay: '--01-31',
  gDay: '---31',
  hexBinary: '00',
  base64Binary: 'AA==',
};

const NUMERIC = new Set(['decimal', 'float', 'double', 'integer', 'long', 'int', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte', 'nonPositiveInteger', 'negativeInteger']);

/** A simple value and what kind of built-in type it derives from, so bounds apply to numbers only. */
interface SimpleValue {
  value: string;
  builtIn: string;
}

/** The instance document (without XML declaration) and its root element. */
export interface GeneratedInstance {
  xml: string;
  /** Whether some element holds readable text (not a code, identifier, date or flag). */
  hasText: boolean;
  rootNamespace: string;
  rootElement: string;
}

export interface GenerateOptions {
  /**
   * Also write the first optional element that carries readable text, for schemas whose required content
   * is codes, identifiers and dates only (an xdomea header): the AI steps need some text.
   */
  withText?: boolean;
}

export function generateInstance(model: XsdModel, root: Declared, options: GenerateOptions = {}): GeneratedInstance {
  const generator = new InstanceGenerator(model, options.withText === true);
  const element = generator.element(root.node, root.schema, true, 0);
  if (!element) throw new InstanceGenerationError(generator.reason ?? `cannot build an instance of ${root.node.attrs.name}`);
  return { xml: serialise(element, model), rootNamespace: element.ns, rootElement: element.local, hasText: generator.hasText };
}

class InstanceGenerator {
  reason: string | undefined;
  hasText = false;
  private ids = 0;
  private attempts = 0;
  private elements = 0;

  constructor(
    private readonly model: XsdModel,
    private readonly withText: boolean,
  ) {}

  /** Sets an element's text, noting whether it is readable text. */
  private setText(out: OutElement, value: string | undefined): boolean {
    if (value === undefined) return false;
    out.text = value;
    if (value.trim() !== '' && !isTechnicalValue(value.trim())) this.hasText = true;
    return true;
  }

  /** Writes an optional particle only if that brings the first readable text; never fails. */
  private optionalForText(node: SchemaNode, schema: SchemaScope, out: OutElement, depth: number): true {
    if (!this.withText || this.hasText || this.attempts >= MAX_TEXT_ATTEMPTS || depth > MAX_DEPTH / 2) return true;
    this.attempts++;
    const mark = { children: out.children.length, attributes: out.attributes.length, reason: this.reason, ids: this.ids };
    const written = this.particleOnce(node, schema, out, depth);
    if (!written || !this.hasText) {
      out.children.length = mark.children;
      out.attributes.length = mark.attributes;
      this.hasText = false;
      this.ids = mark.ids;
    }
    // What an optional part could not be is no reason for the whole to fail.
    this.reason = mark.reason;
    return true;
  }

  private give(reason: string): undefined {
    this.reason ??= reason;
    return undefined;
  }

  element(decl: SchemaNode, schema: SchemaScope, global: boolean, depth: number): OutElement | undefined {
    if (depth > MAX_DEPTH) return this.give(`required content nests deeper than ${MAX_DEPTH} levels (a recursive type?) below ${decl.attrs.name ?? decl.attrs.ref}`);
    if (++this.elements > MAX_ELEMENTS) return this.give(`more than ${MAX_ELEMENTS} elements would be needed`);
    if (decl.attrs.ref) {
      const target = this.model.lookup('element', decl, decl.attrs.ref);
      if (!target) return this.give(`${schema.file}:${decl.line}: element ref ${decl.attrs.ref} is not declared`);
      return this.globalElement(target, depth);
    }
    const name = decl.attrs.name;
    if (!name) return this.give(`${schema.file}:${decl.line}: an element without name or ref`);
    const qualified = global || decl.attrs.form === 'qualified' || (decl.attrs.form === undefined && schema.elementsQualified);
    const out: OutElement = { ns: qualified ? schema.targetNamespace : '', local: name, attributes: [], children: [] };

    const fixed = decl.attrs.fixed ?? decl.attrs.default;
    const inlineComplex = xsdChildren(decl, 'complexType')[0];
    const inlineSimple = xsdChildren(decl, 'simpleType')[0];
    if (inlineComplex) return this.complexType(inlineComplex, schema, out, depth, fixed) ? out : undefined;
    if (inlineSimple) return this.setText(out, fixed ?? this.simpleType(inlineSimple, schema, 0)?.value) ? out : undefined;
    if (!decl.attrs.type) {
      // anyType: an empty element is valid.
      if (fixed !== undefined) this.setText(out, fixed);
      return out;
    }
    const type = resolveQName(decl, decl.attrs.type);
    if (!type) return this.give(`${schema.file}:${decl.line}: the prefix of type ${decl.attrs.type} is not declared`);
    if (type.ns === XSD_NAMESPACE) {
      if (type.local === 'anyType') {
        if (fixed !== undefined) this.setText(out, fixed);
        return out;
      }
      return this.setText(out, fixed ?? this.builtIn(type.local)?.value) ? out : undefined;
    }
    const complex = this.model.get('complexType', type.ns, type.local);
    if (complex) return this.complexType(complex.node, complex.schema, out, depth, fixed) ? out : undefined;
    const simple = this.model.get('simpleType', type.ns, type.local);
    if (simple) return this.setText(out, fixed ?? this.simpleType(simple.node, simple.schema, 0)?.value) ? out : undefined;
    return this.give(`${schema.file}:${decl.line}: type ${decl.attrs.type} is not declared`);
  }

  private globalElement(target: Declared, depth: number): OutElement | undefined {
    if (target.node.attrs.abstract === 'true') {
      for (const substitute of this.model.substitutesOf(target)) {
        if (substitute.node.attrs.abstract === 'true') continue;
        const made = this.element(substitute.node, substitute.schema, true, depth + 1);
        if (made) return made;
      }
      return this.give(`${target.schema.file}:${target.node.line}: element ${target.node.attrs.name} is abstract and nothing substitutes it`);
    }
    return this.element(target.node, target.schema, true, depth + 1);
  }

  /** Fills `out` from a complex type; false when some required part cannot be written. */
  private complexType(type: SchemaNode, schema: SchemaScope, out: OutElement, depth: number, fixed: string | undefined): boolean {
    const simpleContent = xsdChildren(type, 'simpleContent')[0];
    const complexContent = xsdChildren(type, 'complexContent')[0];
    if (simpleContent) {
      const derivation = simpleContent.children.find((c) => c.ns === XSD_NAMESPACE && (c.local === 'extension' || c.local === 'restriction'));
      if (!derivation) return false;
      if (!this.setText(out, fixed ?? this.simpleContentValue(derivation, schema, depth)?.value)) return false;
      return this.attributesOfDerivation(derivation, schema, out, depth);
    }
    if (complexContent) {
      const derivation = complexContent.children.find((c) => c.ns === XSD_NAMESPACE && (c.local === 'extension' || c.local === 'restriction'));
      if (!derivation) return false;
      if (derivation.local === 'extension') {
        const base = derivation.attrs.base ? resolveQName(derivation, derivation.attrs.base) : undefined;
        if (base && base.ns !== XSD_NAMESPACE) {
          const baseType = this.model.get('complexType', base.ns, base.local);
          if (!baseType) return this.give(`${schema.file}:${derivation.line}: base type ${derivation.attrs.base} is not declared`) ?? false;
          if (!this.complexType(baseType.node, baseType.schema, out, depth, undefined)) return false;
        }
      } else {
        // A restriction repeats the content it keeps; required attributes of the base still apply.
        const base = derivation.attrs.base ? resolveQName(derivation, derivation.attrs.base) : undefined;
        const baseType = base && base.ns !== XSD_NAMESPACE ? this.model.get('complexType', base.ns, base.local) : undefined;
        if (baseType) {
          const prohibited = new Set(xsdChildren(derivation, 'attribute').filter((a) => a.attrs.use === 'prohibited').map((a) => a.attrs.name ?? a.attrs.ref));
          const inherited: OutElement = { ...out, attributes: [], children: [] };
          this.attributesOf(baseType.node, baseType.schema, inherited, depth, true);
          out.attributes.push(...inherited.attributes.filter((a) => !prohibited.has(a.local)));
        }
      }
      return this.particlesOf(derivation, schema, out, depth) && this.attributesOf(derivation, schema, out, depth, false);
    }
    if (fixed !== undefined && type.attrs.mixed === 'true') this.setText(out, fixed);
    return this.particlesOf(type, schema, out, depth) && this.attributesOf(type, schema, out, depth, false);
  }

  private simpleContentValue(derivation: SchemaNode, schema: SchemaScope, depth: number): SimpleValue | undefined {
    const base = derivation.attrs.base ? resolveQName(derivation, derivation.attrs.base) : undefined;
    let baseValue: SimpleValue | undefined;
    if (!base) {
      const inline = xsdChildren(derivation, 'simpleType')[0];
      baseValue = inline ? this.simpleType(inline, schema, 0) : { value: WORD, builtIn: 'string' };
    } else if (base.ns === XSD_NAMESPACE) {
      baseValue = this.builtIn(base.local);
    } else {
      const simple = this.model.get('simpleType', base.ns, base.local);
      const complex = this.model.get('complexType', base.ns, base.local);
      if (simple) baseValue = this.simpleType(simple.node, simple.schema, 0);
      else if (complex) {
        const inner = xsdChildren(complex.node, 'simpleContent')[0]?.children.find((c) => c.ns === XSD_NAMESPACE && (c.local === 'extension' || c.local === 'restriction'));
        baseValue = inner ? this.simpleContentValue(inner, complex.schema, depth + 1) : undefined;
      } else return this.give(`${schema.file}:${derivation.line}: base type ${derivation.attrs.base} is not declared`);
    }
    if (!baseValue) return undefined;
    return derivation.local === 'restriction' ? this.applyFacets(derivation, baseValue) : baseValue;
  }

  /** Attributes of a simpleContent derivation, and those its complex base declares. */
  private attributesOfDerivation(derivation: SchemaNode, schema: SchemaScope, out: OutElement, depth: number): boolean {
    const base = derivation.attrs.base ? resolveQName(derivation, derivation.attrs.base) : undefined;
    const complex = base && base.ns !== XSD_NAMESPACE ? this.model.get('complexType', base.ns, base.local) : undefined;
    if (complex) {
      const inner = xsdChildren(complex.node, 'simpleContent')[0]?.children.find((c) => c.ns === XSD_NAMESPACE && (c.local === 'extension' || c.local === 'restriction'));
      if (inner && !this.attributesOfDerivation(inner, complex.schema, out, depth + 1)) return false;
    }
    return this.attributesOf(derivation, schema, out, depth, false);
  }

  /** The model group of a type or derivation: sequence, choice, all or group. */
  private particlesOf(owner: SchemaNode, schema: SchemaScope, out: OutElement, depth: number): boolean {
    const particle = owner.children.find((c) => c.ns === XSD_NAMESPACE && ['sequence', 'choice', 'all', 'group'].includes(c.local));
    return particle ? this.particle(particle, schema, out, depth) : true;
  }

  private particle(node: SchemaNode, schema: SchemaScope, out: OutElement, depth: number): boolean {
    const min = node.attrs.minOccurs === undefined ? 1 : Number(node.attrs.minOccurs);
    if (!(min > 0)) return node.local === 'any' ? true : this.optionalForText(node, schema, out, depth);
    for (let i = 0; i < min; i++) if (!this.particleOnce(node, schema, out, depth)) return false;
    return true;
  }

  private particleOnce(node: SchemaNode, schema: SchemaScope, out: OutElement, depth: number): boolean {
    switch (node.local) {
      case 'element': {
        const made = this.element(node, schema, false, depth + 1);
        if (!made) return false;
        out.children.push(made);
        return true;
      }
      case 'sequence':
      case 'all':
        return node.children.filter((c) => c.ns === XSD_NAMESPACE).every((child) => this.particle(child, schema, out, depth));
      case 'choice': {
        const options = node.children.filter((c) => c.ns === XSD_NAMESPACE && ['element', 'sequence', 'choice', 'group', 'any'].includes(c.local));
        // An alternative that may be empty makes the whole choice empty: the smallest instance.
        if (options.some((option) => option.attrs.minOccurs === '0')) {
          for (const option of options) if (option.local !== 'any') this.optionalForText(option, schema, out, depth);
          return true;
        }
        const reasonBefore = this.reason;
        for (const option of options) {
          const mark = out.children.length;
          const attributeMark = out.attributes.length;
          const textBefore = this.hasText;
          if (this.particle(option, schema, out, depth)) {
            // Why an earlier alternative failed is no longer a reason.
            this.reason = reasonBefore;
            return true;
          }
          out.children.length = mark;
          out.attributes.length = attributeMark;
          this.hasText = textBefore;
        }
        return this.give(`${schema.file}:${node.line}: no alternative of this choice can be written`) ?? false;
      }
      case 'group': {
        const group = node.attrs.ref ? this.model.lookup('group', node, node.attrs.ref) : undefined;
        if (!group) return this.give(`${schema.file}:${node.line}: group ${node.attrs.ref} is not declared`) ?? false;
        if (depth > MAX_DEPTH) return false;
        return this.particlesOf(group.node, group.schema, out, depth + 1);
      }
      case 'any':
        return this.wildcard(node, schema, out, depth);
      default:
        return true;
    }
  }

  /** A required xs:any: a declared element of an allowed namespace, else (lax, skip) a made-up one. */
  private wildcard(node: SchemaNode, schema: SchemaScope, out: OutElement, depth: number): boolean {
    const spec = (node.attrs.namespace ?? '##any').trim();
    const tns = schema.targetNamespace;
    const allowed = (ns: string) => {
      if (spec === '##any') return true;
      if (spec === '##other') return ns !== tns && ns !== '';
      return spec.split(/\s+/).some((token) => (token === '##targetNamespace' ? ns === tns : token === '##local' ? ns === '' : token === ns));
    };
    const mode = node.attrs.processContents ?? 'strict';
    if (mode !== 'strict') {
      const ns = spec === '##any' || spec === '##other' ? 'urn:example:erweiterung' : spec.split(/\s+/)[0] === '##targetNamespace' ? tns : spec.split(/\s+/)[0] === '##local' ? '' : spec.split(/\s+/)[0]!;
      if (allowed(ns)) {
        out.children.push({ ns, local: 'Erweiterung', attributes: [], children: [], text: WORD });
        return true;
      }
    }
    for (const candidate of this.model.elementsIn(undefined)) {
      if (!allowed(candidate.schema.targetNamespace) || candidate.node.attrs.abstract === 'true') continue;
      const made = this.element(candidate.node, candidate.schema, true, depth + 1);
      if (made) {
        out.children.push(made);
        return true;
      }
    }
    return this.give(`${schema.file}:${node.line}: a required xs:any (namespace ${spec}) that no declared element fills`) ?? false;
  }

  /** Required attributes, with attribute groups; `inheritedOnly` for a restricted base's attributes. */
  private attributesOf(owner: SchemaNode, schema: SchemaScope, out: OutElement, depth: number, inheritedOnly: boolean): boolean {
    for (const child of owner.children) {
      if (child.ns !== XSD_NAMESPACE) continue;
      if (child.local === 'attributeGroup') {
        const group = child.attrs.ref ? this.model.lookup('attributeGroup', child, child.attrs.ref) : undefined;
        if (!group) return this.give(`${schema.file}:${child.line}: attribute group ${child.attrs.ref} is not declared`) ?? false;
        if (depth > MAX_DEPTH || !this.attributesOf(group.node, group.schema, out, depth + 1, inheritedOnly)) return false;
      } else if (child.local === 'attribute' && child.attrs.use === 'required') {
        const made = this.attribute(child, schema);
        if (!made) return false;
        if (!out.attributes.some((a) => a.ns === made.ns && a.local === made.local)) out.attributes.push(made);
      }
    }
    return true;
  }

  private attribute(decl: SchemaNode, schema: SchemaScope): OutAttribute | undefined {
    let node = decl;
    let scope = schema;
    let qualified: boolean;
    if (decl.attrs.ref) {
      const target = this.model.lookup('attribute', decl, decl.attrs.ref);
      if (!target) {
        const name = resolveQName(decl, decl.attrs.ref);
        // xml:lang and friends: the xml namespace needs no schema.
        if (name?.ns === 'http://www.w3.org/XML/1998/namespace') return { ns: name.ns, local: name.local, value: name.local === 'lang' ? 'de' : WORD };
        return this.give(`${schema.file}:${decl.line}: attribute ref ${decl.attrs.ref} is not declared`);
      }
      node = target.node;
      scope = target.schema;
      qualified = true;
    } else {
      qualified = decl.attrs.form === 'qualified' || (decl.attrs.form === undefined && schema.attributesQualified);
    }
    const local = node.attrs.name!;
    const fixed = decl.attrs.fixed ?? decl.attrs.default ?? node.attrs.fixed ?? node.attrs.default;
    let value = fixed;
    if (value === undefined) {
      const inline = xsdChildren(node, 'simpleType')[0];
      if (inline) value = this.simpleType(inline, scope, 0)?.value;
      else if (node.attrs.type) value = this.namedSimple(node, node.attrs.type, scope)?.value;
      else value = WORD;
    }
    if (value === undefined) return undefined;
    return { ns: qualified ? scope.targetNamespace : '', local, value };
  }

  private namedSimple(at: SchemaNode, qname: string, schema: SchemaScope): SimpleValue | undefined {
    const type = resolveQName(at, qname);
    if (!type) return this.give(`${schema.file}:${at.line}: the prefix of type ${qname} is not declared`);
    if (type.ns === XSD_NAMESPACE) {
      if (type.local === 'ID') return { value: `id-${++this.ids}`, builtIn: 'ID' };
      return this.builtIn(type.local);
    }
    const simple = this.model.get('simpleType', type.ns, type.local);
    if (!simple) return this.give(`${schema.file}:${at.line}: simple type ${qname} is not declared`);
    return this.simpleType(simple.node, simple.schema, 0);
  }

  private builtIn(local: string): SimpleValue | undefined {
    if (local === 'ID') return { value: `id-${++this.ids}`, builtIn: 'ID' };
    const value = BUILT_IN_VALUES[local];
    if (value === undefined) return this.give(`no example value for the built-in type xs:${local}`);
    return { value, builtIn: local };
  }

  simpleType(type: SchemaNode, schema: SchemaScope, depth: number): SimpleValue | undefined {
    if (depth > MAX_DEPTH) return this.give('simple types derive from each other in a loop');
    const restriction = xsdChildren(type, 'restriction')[0];
    const list = xsdChildren(type, 'list')[0];
    const union = xsdChildren(type, 'union')[0];
    if (restriction) {
      const inline = xsdChildren(restriction, 'simpleType')[0];
      const base = inline ? this.simpleType(inline, schema, depth + 1) : restriction.attrs.base ? this.namedSimple(restriction, restriction.attrs.base, schema) : { value: WORD, builtIn: 'string' };
      return base ? this.applyFacets(restriction, base) : undefined;
    }
    if (list) {
      const inline = xsdChildren(list, 'simpleType')[0];
      return inline ? this.simpleType(inline, schema, depth + 1) : list.attrs.itemType ? this.namedSimple(list, list.attrs.itemType, schema) : undefined;
    }
    if (union) {
      for (const member of (union.attrs.memberTypes ?? '').split(/\s+/).filter(Boolean)) {
        const value = this.namedSimple(union, member, schema);
        if (value) return value;
      }
      for (const inline of xsdChildren(union, 'simpleType')) {
        const value = this.simpleType(inline, schema, depth + 1);
        if (value) return value;
      }
      return this.give(`${schema.file}:${union.line}: no member type of this union gives a value`);
    }
    return { value: WORD, builtIn: 'string' };
  }

  /** The facets of one restriction step applied to its base's value. */
  private applyFacets(restriction: SchemaNode, base: SimpleValue): SimpleValue | undefined {
    const facet = (name: string) => xsdChildren(restriction, name).map((f) => f.attrs.value ?? '');
    const enumeration = facet('enumeration');
    if (enumeration.length > 0) return { value: enumeration[0]!, builtIn: base.builtIn };
    let value = base.value;
    const patterns = facet('pattern');
    if (patterns.length > 0) {
      try {
        // Several patterns in one step: any of them may match.
        value = examplePatternValue(patterns.map((p) => `(${p})`).join('|'));
      } catch (error) {
        return this.give(`${restriction.line}: ${(error as Error).message}`);
      }
    }
    const length = facet('length')[0];
    const minLength = facet('minLength')[0];
    const maxLength = facet('maxLength')[0];
    if (patterns.length === 0 && !NUMERIC.has(base.builtIn)) {
      const want = length !== undefined ? Number(length) : undefined;
      const min = want ?? (minLength !== undefined ? Number(minLength) : undefined);
      const max = want ?? (maxLength !== undefined ? Number(maxLength) : undefined);
      if (min !== undefined && value.length < min) value = value.padEnd(min, value.length > 0 && /^[A-Za-z]+$/.test(value) ? 'x' : '0');
      if (max !== undefined && value.length > max) value = value.slice(0, max);
    }
    if (NUMERIC.has(base.builtIn)) value = withinBounds(value, facet('minInclusive')[0], facet('minExclusive')[0], facet('maxInclusive')[0], facet('maxExclusive')[0], base.builtIn);
    return { value, builtIn: base.builtIn };
  }
}

function withinBounds(value: string, minInclusive?: string, minExclusive?: string, maxInclusive?: string, maxExclusive?: string, builtIn = 'decimal'): string {
  let n = Number(value);
  const integral = !['decimal', 'float', 'double'].includes(builtIn);
  const step = 1;
  if (minInclusive !== undefined && n < Number(minInclusive)) n = Number(minInclusive);
  if (minExclusive !== undefined && n <= Number(minExclusive)) n = Number(minExclusive) + step;
  if (maxInclusive !== undefined && n > Number(maxInclusive)) n = Number(maxInclusive);
  if (maxExclusive !== undefined && n >= Number(maxExclusive)) n = Number(maxExclusive) - (integral ? 1 : 0.5);
  return String(integral ? Math.trunc(n) : n);
}

// ---- writing the document ----

function serialise(root: OutElement, model: XsdModel): string {
  const prefixes = new Map<string, string>();
  const used = new Set<string>(['xml', 'xmlns', 'xsi']);
  const collect = (element: OutElement) => {
    for (const ns of [element.ns, ...element.attributes.map((a) => a.ns)]) {
      if (!ns || prefixes.has(ns) || ns === 'http://www.w3.org/XML/1998/namespace') continue;
      const preferred = model.prefixes.get(ns);
      let prefix = preferred && !used.has(preferred) && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(preferred) ? preferred : '';
      for (let i = 1; prefix === '' || used.has(prefix); i++) prefix = `ns${i}`;
      used.add(prefix);
      prefixes.set(ns, prefix);
    }
    element.children.forEach(collect);
  };
  collect(root);
  const nameOf = (ns: string, local: string) => (ns === 'http://www.w3.org/XML/1998/namespace' ? `xml:${local}` : ns ? `${prefixes.get(ns)}:${local}` : local);
  const lines: string[] = [];
  const write = (element: OutElement, indent: string, declarations: string) => {
    const attributes = element.attributes.map((a) => ` ${nameOf(a.ns, a.local)}="${escapeXmlAttribute(a.value)}"`).join('');
    const open = `${indent}<${nameOf(element.ns, element.local)}${declarations}${attributes}`;
    if (element.children.length === 0) {
      lines.push(element.text === undefined || element.text === '' ? `${open}/>` : `${open}>${escapeXml(element.text)}</${nameOf(element.ns, element.local)}>`);
      return;
    }
    lines.push(`${open}>`);
    for (const child of element.children) write(child, `${indent}  `, '');
    lines.push(`${indent}</${nameOf(element.ns, element.local)}>`);
  };
  const declarations = [...prefixes].map(([ns, prefix]) => ` xmlns:${prefix}="${escapeXmlAttribute(ns)}"`).join('');
  write(root, '', declarations);
  return `${lines.join('\n')}\n`;
}
