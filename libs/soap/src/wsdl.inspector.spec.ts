import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { describeWsdl, findPort, setWsdlAddresses } from './wsdl.inspector.js';

const CONTRACT = readFileSync('contracts/schnittstelle/v1/schnittstelle.wsdl', 'utf8');
const LEGACY = readFileSync('test/fixtures/legacy/dms-archive.wsdl', 'utf8');

describe('describeWsdl', () => {
  it('reads the Schnittstelle contract: two ports, their SOAP versions, actions and request elements', () => {
    const wsdl = describeWsdl(CONTRACT);
    expect(wsdl.targetNamespace).toBe('urn:schnittstelle:v1');
    expect(wsdl.ports.map((p) => [p.service, p.name, p.version, p.location])).toEqual([
      ['SchnittstelleService', 'SchnittstelleSoap11', '1.1', 'http://localhost:3000/soap/v1'],
      ['SchnittstelleService', 'SchnittstelleSoap12', '1.2', 'http://localhost:3000/soap12/v1'],
    ]);
    for (const port of wsdl.ports) {
      expect([...port.operations.values()]).toEqual([
        {
          name: 'submitDocument',
          soapAction: 'urn:schnittstelle:v1#submitDocument',
          style: 'document',
          input: { ns: 'urn:schnittstelle:v1', local: 'submitDocument' },
          output: { ns: 'urn:schnittstelle:v1', local: 'submitDocumentResponse' },
        },
        {
          name: 'getStatus',
          soapAction: 'urn:schnittstelle:v1#getStatus',
          style: 'document',
          input: { ns: 'urn:schnittstelle:v1', local: 'getStatus' },
          output: { ns: 'urn:schnittstelle:v1', local: 'getStatusResponse' },
        },
      ]);
    }
  });

  it('reads the legacy stand-in WSDL', () => {
    const wsdl = describeWsdl(LEGACY);
    expect(findPort(wsdl, 'DmsArchivSoap12')?.version).toBe('1.2');
    expect(findPort(wsdl, 'DmsArchivSoap11', 'DmsArchivService')?.operations.get('storeAnalysis')?.soapAction).toBe('urn:example:stadt:dms:v1/storeAnalysis');
    expect(findPort(wsdl, 'DmsArchivSoap11', 'OtherService')).toBeUndefined();
  });

  it('refuses what is not a WSDL 1.1 document', () => {
    expect(() => describeWsdl('<definitions/>')).toThrow('not a WSDL 1.1 document');
  });
});

describe('setWsdlAddresses', () => {
  it('rewrites only the addresses of the named ports and leaves every other byte alone', () => {
    const out = setWsdlAddresses(CONTRACT, { SchnittstelleSoap12: 'https://schnittstelle.stadt.example/soap12/v1?a=1&b=2' });
    expect(out).toBe(CONTRACT.replace('http://localhost:3000/soap12/v1', 'https://schnittstelle.stadt.example/soap12/v1?a=1&amp;b=2'));
    expect(findPort(describeWsdl(out), 'SchnittstelleSoap12')?.location).toBe('https://schnittstelle.stadt.example/soap12/v1?a=1&b=2');
    expect(findPort(describeWsdl(out), 'SchnittstelleSoap11')?.location).toBe('http://localhost:3000/soap/v1');
  });

  it('rewrites both ports', () => {
    const out = setWsdlAddresses(CONTRACT, { SchnittstelleSoap11: 'http://10.0.0.5:8080/soap/v1', SchnittstelleSoap12: 'http://10.0.0.5:8080/soap12/v1' });
    expect(describeWsdl(out).ports.map((p) => p.location)).toEqual(['http://10.0.0.5:8080/soap/v1', 'http://10.0.0.5:8080/soap12/v1']);
  });

  it('names the ports when asked for one that does not exist', () => {
    expect(() => setWsdlAddresses(CONTRACT, { Soap11: 'http://x' })).toThrow('WSDL has no port "Soap11"; ports: SchnittstelleSoap11, SchnittstelleSoap12');
  });
});
