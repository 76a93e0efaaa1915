import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { disposeXsdSchemas, inspectXml, loadXsdSchema } from '@app/xml';
import { collectSchemaSet } from './schema-files.collector.js';
import { generateInstance, InstanceGenerationError } from './xsd-instance.generator.js';
import { XsdModel } from './xsd-schema.model.js';

/** A small XBau-like schema with the constructs the generator must get right, split over an include and an import. */
const MAIN = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xbau="urn:example:xbau" xmlns:b="urn:example:basis"
           targetNamespace="urn:example:xbau" elementFormDefault="qualified">
  <xs:include schemaLocation="typen.xsd"/>
  <xs:import namespace="urn:example:basis" schemaLocation="basis/basis.xsd"/>
  <xs:element name="Antrag.Bauantrag.0200">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Kopf" type="b:KopfType"/>
        <xs:element name="Vorhaben" type="xbau:VorhabenType" maxOccurs="unbounded"/>
        <xs:element ref="xbau:Beteiligter"/>
        <xs:element name="Bemerkung" type="xs:string" minOccurs="0"/>
      </xs:sequence>
      <xs:attribute name="version" type="xs:string" use="required" fixed="2.6"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="Beteiligter" type="xbau:PersonType" abstract="true"/>
  <xs:element name="Bauherr" type="xbau:PersonType" substitutionGroup="xbau:Beteiligter"/>
</xs:schema>`;

const TYPES = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xbau="urn:example:xbau"
           targetNamespace="urn:example:xbau" elementFormDefault="qualified">
  <xs:complexType name="VorhabenType">
    <xs:sequence>
      <xs:choice>
        <xs:element name="Neubau" type="xbau:BeschreibungType"/>
        <xs:element name="Umbau" type="xbau:BeschreibungType"/>
      </xs:choice>
      <xs:element name="Flurstueck" type="xbau:FlurstueckType"/>
      <xs:element name="Geschosse">
        <xs:simpleType><xs:restriction base="xs:int"><xs:minInclusive value="1"/><xs:maxInclusive value="99"/></xs:restriction></xs:simpleType>
      </xs:element>
      <xs:element name="Art" type="xbau:ArtCode"/>
    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="BeschreibungType">
    <xs:simpleContent>
      <xs:extension base="xbau:Text200"><xs:attribute name="sprache" type="xs:language" use="required"/></xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:simpleType name="Text200"><xs:restriction base="xs:string"><xs:minLength value="10"/><xs:maxLength value="200"/></xs:restriction></xs:simpleType>
  <xs:complexType name="FlurstueckType">
    <xs:sequence><xs:element name="Kennzeichen"><xs:simpleType><xs:restriction base="xs:token"><xs:pattern value="\\d{6}-\\d{3}-\\d{5}/\\d{3}"/></xs:restriction></xs:simpleType></xs:element></xs:sequence>
  </xs:complexType>
  <xs:simpleType name="ArtCode"><xs:restriction base="xs:token"><xs:enumeration value="wohnen"/><xs:enumeration value="gewerbe"/></xs:restriction></xs:simpleType>
  <xs:complexType name="PersonType">
    <xs:complexContent>
      <xs:extension base="xbau:NameType">
        <xs:sequence><xs:element name="Anschrift" type="xs:string"/></xs:sequence>
        <xs:attribute name="id" type="xs:ID" use="required"/>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>
  <xs:complexType name="NameType"><xs:sequence><xs:element name="Name" type="xs:string"/></xs:sequence></xs:complexType>
</xs:schema>`;

const BASIS = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:example:basis" targetNamespace="urn:example:basis">
  <xs:complexType name="KopfType">
    <xs:sequence>
      <xs:element name="nachrichtenUUID" type="b:UUID"/>
      <xs:element name="erstellt" type="xs:dateTime"/>
      <xs:group ref="b:Adressierung"/>
    </xs:sequence>
    <xs:attributeGroup ref="b:Produkt"/>
  </xs:complexType>
  <xs:group name="Adressierung"><xs:sequence><xs:element name="autor" type="xs:string"/><xs:element name="leser" type="xs:string"/></xs:sequence></xs:group>
  <xs:attributeGroup name="Produkt"><xs:attribute name="produkt" type="xs:string" use="required"/><xs:attribute name="hersteller" type="xs:string"/></xs:attributeGroup>
  <xs:simpleType name="UUID"><xs:restriction base="xs:string"><xs:pattern value="[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/></xs:restriction></xs:simpleType>
</xs:schema>`;

describe('generateInstance', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'xsd-instance-'));
    await writeFile(path.join(dir, 'xbau.xsd'), MAIN);
    await writeFile(path.join(dir, 'typen.xsd'), TYPES);
    await mkdir(path.join(dir, 'basis'));
    await writeFile(path.join(dir, 'basis/basis.xsd'), BASIS);
  });

  afterAll(async () => {
    await disposeXsdSchemas();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every required part (includes, imports, groups, substitution, derivation, facets) and libxml2 finds it valid', async () => {
    const set = await collectSchemaSet(path.join(dir, 'xbau.xsd'), 'xsd');
    expect(set.files.map((file) => file.relative)).toEqual(['xbau.xsd', 'typen.xsd', 'basis/basis.xsd']);
    const model = new XsdModel(set.files);
    const root = model.elementsIn('urn:example:xbau')[0]!;
    expect(root.node.attrs.name).toBe('Antrag.Bauantrag.0200');
    const made = generateInstance(model, root);
    const validator = await loadXsdSchema(path.join(dir, 'xbau.xsd'));
    expect(validator.validate(made.xml)).toEqual({ valid: true, errors: [] });
    expect(made).toMatchObject({ rootElement: 'Antrag.Bauantrag.0200', rootNamespace: 'urn:example:xbau', hasText: true });
    // Prefixes as the schemas write them; local elements of basis.xsd unqualified (its default); optional
    // parts left out; the first alternative of a choice; the substitute for the abstract element.
    expect(made.xml).toContain('<xbau:Antrag.Bauantrag.0200 xmlns:xbau="urn:example:xbau" version="2.6">');
    expect(made.xml).toContain('<xbau:Kopf produkt="Beispiel">\n    <nachrichtenUUID>aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa</nachrichtenUUID>');
    expect(made.xml).toContain('<xbau:Bauherr id="id-1">\n    <xbau:Name>Beispiel</xbau:Name>\n    <xbau:Anschrift>Beispiel</xbau:Anschrift>');
    expect(made.xml).toContain('<xbau:Neubau sprache="de">Beispielxx</xbau:Neubau>');
    expect(made.xml).toContain('<xbau:Kennzeichen>000000-000-00000/000</xbau:Kennzeichen>');
    expect(made.xml).toContain('<xbau:Geschosse>1</xbau:Geschosse>');
    expect(made.xml).toContain('<xbau:Art>wohnen</xbau:Art>');
    expect(made.xml).not.toContain('Bemerkung');
    expect(made.xml).not.toContain('hersteller');
  });

  it('adds one optional text element when the required content has no text', async () => {
    await writeFile(
      path.join(dir, 'codes.xsd'),
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:example:codes" elementFormDefault="qualified">
         <xs:element name="Meldung"><xs:complexType><xs:sequence>
           <xs:element name="Datum" type="xs:date"/>
           <xs:element name="Code" type="xs:int"/>
           <xs:element name="Zusatz" minOccurs="0"><xs:complexType><xs:sequence><xs:element name="Hinweis" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
           <xs:element name="Freitext" type="xs:string" minOccurs="0"/>
         </xs:sequence></xs:complexType></xs:element>
       </xs:schema>`,
    );
    const model = new XsdModel((await collectSchemaSet(path.join(dir, 'codes.xsd'), 'xsd')).files);
    const root = model.elementsIn('urn:example:codes')[0]!;
    expect(generateInstance(model, root).hasText).toBe(false);
    const withText = generateInstance(model, root, { withText: true });
    expect(withText.hasText).toBe(true);
    expect(withText.xml).toContain('<ns1:Hinweis>Beispiel</ns1:Hinweis>');
    expect(withText.xml).not.toContain('Freitext');
    expect((await loadXsdSchema(path.join(dir, 'codes.xsd'))).validate(withText.xml)).toEqual({ valid: true, errors: [] });
    expect(inspectXml(withText.xml).rootElement).toBe('Meldung');
  });

  it('names the declaration it cannot write', async () => {
    await writeFile(
      path.join(dir, 'kaputt.xsd'),
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:k="urn:example:k" targetNamespace="urn:example:k">
         <xs:element name="Wurzel" type="k:Fehlt"/>
       </xs:schema>`,
    );
    const model = new XsdModel((await collectSchemaSet(path.join(dir, 'kaputt.xsd'), 'xsd')).files);
    expect(() => generateInstance(model, model.elementsIn('urn:example:k')[0]!)).toThrow(InstanceGenerationError);
    expect(() => generateInstance(model, model.elementsIn('urn:example:k')[0]!)).toThrow(/kaputt\.xsd:2: type k:Fehlt is not declared/);
  });
});

describe('collectSchemaSet', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'schema-set-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses a location that is a URL, an absolute path or a file that is not there, naming the file and line', async () => {
    const schema = (location: string) =>
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">\n  <xs:import namespace="urn:y" schemaLocation="${location}"/>\n</xs:schema>`;
    await writeFile(path.join(dir, 'url.xsd'), schema('https://example.org/y.xsd'));
    await writeFile(path.join(dir, 'absolut.xsd'), schema('/etc/y.xsd'));
    await writeFile(path.join(dir, 'fehlt.xsd'), schema('sub/y.xsd'));
    await writeFile(path.join(dir, 'kaputt.xsd'), '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element');
    await expect(collectSchemaSet(path.join(dir, 'url.xsd'), 'xsd')).rejects.toThrow(/url\.xsd:2: import names https:\/\/example\.org\/y\.xsd, which cannot be vendored/);
    await expect(collectSchemaSet(path.join(dir, 'absolut.xsd'), 'xsd')).rejects.toThrow(/absolut\.xsd:2: import names the absolute path \/etc\/y\.xsd/);
    await expect(collectSchemaSet(path.join(dir, 'fehlt.xsd'), 'xsd')).rejects.toThrow(/fehlt\.xsd:2: import names sub\/y\.xsd, but .*sub\/y\.xsd does not exist/);
    await expect(collectSchemaSet(path.join(dir, 'kaputt.xsd'), 'xsd')).rejects.toThrow(/kaputt\.xsd:1: not well-formed XML/);
  });
});
