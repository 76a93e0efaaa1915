import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import soap from 'soap';
import { planArguments, readArguments } from './soap-arguments.reader.js';
import type { ArgumentsPlan, NodeSoapWsdlModel } from './soap-arguments.reader.js';
import { checkEnvelope } from './soap-envelope.guard.js';
import { SOAP11_ENVELOPE_NAMESPACE as SOAP11, SOAP12_ENVELOPE_NAMESPACE as SOAP12 } from './soap-fault.builder.js';
import { describeWsdl, findPort } from './wsdl.inspector.js';
import type { SoapVersion, WsdlOperation } from './wsdl.inspector.js';

/*
 * readArguments must give exactly the object node-soap builds from the same envelope, or nothing.
 * node-soap itself is the oracle: every envelope below goes through the guard, then through both.
 */

const CONTRACT = readFileSync('contracts/schnittstelle/v1/schnittstelle.wsdl', 'utf8');

/** A service with the types node-soap converts, a repeated and a nested element. */
const TYPED = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="Typed" targetNamespace="urn:typed" xmlns:tns="urn:typed" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <wsdl:types>
    <xs:schema targetNamespace="urn:typed" elementFormDefault="qualified">
      <xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:pattern value="[a-z]+"/></xs:restriction></xs:simpleType>
      <xs:element name="record">
        <xs:complexType><xs:sequence>
          <xs:element name="name" type="xs:string"/>
          <xs:element name="code" type="tns:Code" minOccurs="0"/>
          <xs:element name="count" type="xs:int" minOccurs="0"/>
          <xs:element name="when" type="xs:dateTime" minOccurs="0"/>
          <xs:element name="flag" type="xs:boolean" minOccurs="0"/>
          <xs:element name="tag" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
          <xs:element name="nested" minOccurs="0"><xs:complexType><xs:sequence><xs:element name="inner" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
        </xs:sequence></xs:complexType>
      </xs:element>
      <xs:element name="recordResponse"><xs:complexType><xs:sequence><xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="recordRequest"><wsdl:part name="parameters" element="tns:record"/></wsdl:message>
  <wsdl:message name="recordResponse"><wsdl:part name="parameters" element="tns:recordResponse"/></wsdl:message>
  <wsdl:portType name="TypedPortType"><wsdl:operation name="record"><wsdl:input message="tns:recordRequest"/><wsdl:output message="tns:recordResponse"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="TypedBinding" type="tns:TypedPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="record"><soap:operation soapAction="urn:typed#record"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="TypedService"><wsdl:port name="TypedPort" binding="tns:TypedBinding"><soap:address location="http://localhost/typed"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;

interface Service {
  wsdl: NodeSoapWsdlModel & { xmlToObject(xml: string): Record<string, any> };
  plan: ArgumentsPlan;
  operations: ReadonlyMap<string, WsdlOperation>;
}

const servers: http.Server[] = [];

async function service(wsdlXml: string, portName: string, serviceName: string): Promise<Service> {
  const server = http.createServer();
  servers.push(server);
  const port = findPort(describeWsdl(wsdlXml), portName)!;
  const handlers = Object.fromEntries([...port.operations.keys()].map((name) => [name, () => ({})]));
  const listening = await new Promise<{ wsdl: Service['wsdl'] }>((resolve, reject) => {
    const soapServer = soap.listen(server, {
      path: '/x',
      services: { [serviceName]: { [portName]: handlers } },
      xml: wsdlXml,
      callback: (err: unknown) => (err ? reject(err) : resolve(soapServer as unknown as { wsdl: Service['wsdl'] })),
    });
    (soapServer as unknown as { wsdl: { options: Record<string, unknown> } }).wsdl.options['preserveWhitespace'] = true;
  });
  const inputs = [...port.operations.values()].map((op) => op.input!.local);
  return { wsdl: listening.wsdl, plan: planArguments(listening.wsdl, inputs), operations: port.operations };
}

let contract11: Service;
let contract12: Service;
let typed: Service;

beforeAll(async () => {
  contract11 = await service(CONTRACT, 'SchnittstelleSoap11', 'SchnittstelleService');
  contract12 = await service(CONTRACT, 'SchnittstelleSoap12', 'SchnittstelleService');
  typed = await service(TYPED, 'TypedPort', 'TypedService');
});

afterAll(() => {
  for (const server of servers) server.close();
});

/** Both readings of one envelope: ours (or undefined) and node-soap's. */
function bothReadings(svc: Service, version: SoapVersion, xml: string) {
  const accepted = checkEnvelope({
    version,
    body: Buffer.from(xml),
    mediaType: { type: version === '1.1' ? 'text/xml' : 'application/soap+xml', params: {} },
    operations: svc.operations,
    maxBodyBytes: 1 << 20,
    understoodHeaders: [{ ns: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd', local: 'Security' }],
  });
  let expected: unknown;
  try {
    expected = svc.wsdl.xmlToObject(accepted.text).Body?.[accepted.element.local];
  } catch (error) {
    expected = error;
  }
  return { ours: readArguments(svc.plan, accepted), expected };
}

const envelope = (version: SoapVersion, body: string, header = '', envelopeAttributes = '') => {
  const ns = version === '1.1' ? SOAP11 : SOAP12;
  return `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="${ns}"${envelopeAttributes}>${header}<e:Body>${body}</e:Body></e:Envelope>`;
};
const submit = (children: string, attributes = '') => `<t:submitDocument xmlns:t="urn:schnittstelle:v1"${attributes}>${children}</t:submitDocument>`;
const record = (children: string) => `<record xmlns="urn:typed">${children}</record>`;
const DOCUMENT = readFileSync('../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0/xx_Aussonderung.Aussonderung.0503.xml', 'utf8');
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const security = (inner: string) => `<e:Header><wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}" e:mustUnderstand="1">${inner}</wsse:Security></e:Header>`;
const TOKEN = '<wsse:UsernameToken><wsse:Username>fv</wsse:Username><wsse:Password Type="x#PasswordText">geheim</wsse:Password></wsse:UsernameToken>';

/** Read here, and equal to node-soap's object. */
const plain: Array<[string, SoapVersion, string, 'contract' | 'typed']> = [
  ['an escaped xdomea document', '1.1', envelope('1.1', submit(`<t:routeId>akten</t:routeId><t:correlationId>K-1</t:correlationId><t:xmlDocument>${escaped(DOCUMENT)}</t:xmlDocument>`)), 'contract'],
  ['the same over SOAP 1.2 with its own prefix', '1.2', envelope('1.2', submit(`<t:routeId>akten</t:routeId><t:xmlDocument>${escaped(DOCUMENT)}</t:xmlDocument>`)), 'contract'],
  ['a document in CDATA, with an XML declaration', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId><t:xmlDocument><![CDATA[<?xml version="1.0"?>\r\n<a>&amp; ]] > </a>]]></t:xmlDocument>')), 'contract'],
  ['text and CDATA mixed, white space kept', '1.1', envelope('1.1', submit('<t:routeId> akten </t:routeId><t:xmlDocument>\n  vor <![CDATA[<b/>]]> nach\r\n</t:xmlDocument>')), 'contract'],
  ['references of every kind', '1.1', envelope('1.1', submit('<t:routeId>a&amp;b</t:routeId><t:filename>&#228;&#xF6;&lt;&gt;&quot;&apos;.xml</t:filename><t:content>QUJD</t:content>')), 'contract'],
  ['blank and empty strings stay strings, a blank pattern type and base64 become null', '1.1', envelope('1.1', submit('<t:routeId>  </t:routeId><t:correlationId></t:correlationId><t:filename/><t:content> </t:content><t:contentType>\t</t:contentType>')), 'contract'],
  ['a default namespace and namespace declarations on the elements', '1.1', envelope('1.1', '<submitDocument xmlns="urn:schnittstelle:v1"><routeId xmlns="urn:schnittstelle:v1">akten</routeId><xmlDocument xmlns:x="urn:x">x</xmlDocument></submitDocument>'), 'contract'],
  ['elements in another namespace than the WSDL says', '1.1', envelope('1.1', submit('<routeId>akten</routeId><o:xmlDocument xmlns:o="urn:other">x</o:xmlDocument>')), 'contract'],
  ['the envelope in the default namespace', '1.1', `<Envelope xmlns="${SOAP11}"><Body>${submit('<t:routeId>akten</t:routeId>')}</Body></Envelope>`, 'contract'],
  ['getStatus', '1.2', envelope('1.2', '<getStatus xmlns="urn:schnittstelle:v1"><documentId>d-1</documentId></getStatus>'), 'contract'],
  ['a WS-Security UsernameToken in the header', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), security(TOKEN)), 'contract'],
  ['comments and white space outside the operation', '1.1', envelope('1.1', `<!-- a --> ${submit(' <t:routeId>akten</t:routeId> <!-- b --> ')} `, '<!-- h --><e:Header> </e:Header>'), 'contract'],
  ['typed elements given blank', '1.1', envelope('1.1', record('<name>n</name><count> </count><when/><flag></flag><code> </code>')), 'typed'],
  ['a restricted string type', '1.1', envelope('1.1', record('<name>n</name><code>abc</code>')), 'typed'],
];

/** Left to node-soap. */
const left: Array<[string, SoapVersion, string, 'contract' | 'typed']> = [
  ['an attribute on an argument', '1.1', envelope('1.1', submit('<t:routeId xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">akten</t:routeId>')), 'contract'],
  ['an attribute on the operation element', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>', ' a="1"')), 'contract'],
  ['a repeated argument', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId><t:routeId>bau</t:routeId>')), 'contract'],
  ['an element the WSDL does not declare', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId><t:extra>x</t:extra>')), 'contract'],
  ['a nested element', '1.1', envelope('1.1', submit('<t:routeId><t:x>akten</t:x></t:routeId>')), 'contract'],
  ['a comment inside an argument', '1.1', envelope('1.1', submit('<t:routeId>ak<!-- x --> <!-- y -->ten</t:routeId>')), 'contract'],
  ['a processing instruction inside an argument', '1.1', envelope('1.1', submit('<t:routeId>ak<?p x?>ten</t:routeId>')), 'contract'],
  ['text beside the arguments', '1.1', envelope('1.1', submit('x<t:routeId>akten</t:routeId>')), 'contract'],
  ['an operation without arguments', '1.1', envelope('1.1', submit('')), 'contract'],
  ['a WS-Security Timestamp', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), security(`${TOKEN}<wsu:Timestamp><wsu:Created>2025-01-01T00:00:00Z</wsu:Created></wsu:Timestamp>`)), 'contract'],
  ['a multiRef link', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), `<e:Header><h:a xmlns:h="urn:h" href="#x"/><h:b xmlns:h="urn:h" id="x"><h:routeId>bau</h:routeId></h:b></e:Header>`), 'contract'],
  ['an element named Body in the header', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), '<e:Header><h:Body xmlns:h="urn:h"><h:getStatus/></h:Body></e:Header>'), 'contract'],
  ['mixed content in the header', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), '<e:Header><h:a xmlns:h="urn:h">x<h:b/></h:a></e:Header>'), 'contract'],
  ['text in the envelope', '1.1', envelope('1.1', `${submit('<t:routeId>akten</t:routeId>')}</e:Body>`.replace('</e:Body>', '')).replace('<e:Body>', 'x<e:Body>'), 'contract'],
  ['CDATA in the header', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), '<e:Header><h:a xmlns:h="urn:h"><![CDATA[<?xml version="1.0"?><broken]]></h:a></e:Header>'), 'contract'],
  ['xsi:type in the header', '1.1', envelope('1.1', submit('<t:routeId>akten</t:routeId>'), '<e:Header><h:a xmlns:h="urn:h" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="h:constructor"/></e:Header>'), 'contract'],
  ['a SOAP 1.2 envelope whose soap prefix is declared only below the operation', '1.2', envelope('1.2', submit(`<t:routeId xmlns:soap="${SOAP12}">akten</t:routeId>`)), 'contract'],
  ['an int', '1.1', envelope('1.1', record('<name>n</name><count>42</count>')), 'typed'],
  ['a dateTime', '1.1', envelope('1.1', record('<name>n</name><when>2025-03-01T10:00:00Z</when>')), 'typed'],
  ['a boolean', '1.1', envelope('1.1', record('<name>n</name><flag>true</flag>')), 'typed'],
  ['a repeated element of the schema, given once', '1.1', envelope('1.1', record('<name>n</name><tag>a</tag>')), 'typed'],
  ['a complex element', '1.1', envelope('1.1', record('<name>n</name><nested><inner>i</inner></nested>')), 'typed'],
];

const services = () => ({ contract: { '1.1': contract11, '1.2': contract12 }, typed: { '1.1': typed, '1.2': typed } });

describe('readArguments', () => {
  for (const [name, version, xml, which] of plain) {
    it(`reads ${name} as node-soap does`, () => {
      const { ours, expected } = bothReadings(services()[which][version], version, xml);
      expect(expected).not.toBeInstanceOf(Error);
      expect(ours).toBeDefined();
      expect(ours).toStrictEqual(expected);
    });
  }

  for (const [name, version, xml, which] of left) {
    it(`leaves ${name} to node-soap`, () => {
      expect(bothReadings(services()[which][version], version, xml).ours).toBeUndefined();
    });
  }

  it('reads an escaped document back to the very character', () => {
    const xml = envelope('1.1', submit(`<t:routeId>akten</t:routeId><t:xmlDocument>${escaped(DOCUMENT)}</t:xmlDocument>`));
    expect(bothReadings(contract11, '1.1', xml).ours).toEqual({ routeId: 'akten', xmlDocument: DOCUMENT });
  });

  it('plans nothing for options it was not written for', () => {
    const wsdl = { ...contract11.wsdl, options: { ...contract11.wsdl.options, customDeserializer: { string: () => 'x' } } };
    expect(planArguments(wsdl, ['submitDocument']).elements.size).toBe(0);
    expect(planArguments({ ...contract11.wsdl, options: {} }, ['submitDocument']).elements.size).toBe(0);
    expect([...planArguments(contract11.wsdl, ['submitDocument', 'getStatus']).elements.keys()]).toEqual(['submitDocument', 'getStatus']);
  });
});
