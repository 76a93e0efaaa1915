import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { SoapRefusal, checkEnvelope, parseMediaType } from './soap-envelope.guard.js';
import type { EnvelopeCheckInput } from './soap-envelope.guard.js';
import { SOAP11_ENVELOPE_NAMESPACE, SOAP12_ENVELOPE_NAMESPACE } from './soap-fault.builder.js';
import { describeWsdl, findPort } from './wsdl.inspector.js';
import { expectThrown } from '@app/testing';

const operations = findPort(describeWsdl(readFileSync('contracts/schnittstelle/v1/schnittstelle.wsdl', 'utf8')), 'SchnittstelleSoap12')!.operations;

function input(version: '1.1' | '1.2', xml: string, extra: Partial<EnvelopeCheckInput> = {}): EnvelopeCheckInput {
  return {
    version,
    body: Buffer.from(xml),
    mediaType: { type: version === '1.1' ? 'text/xml' : 'application/soap+xml', params: {} },
    operations,
    maxBodyBytes: 1 << 20,
    ...extra,
  };
}

const refusalOf = (fn: () => unknown) => expectThrown(SoapRefusal, fn);

describe('parseMediaType', () => {
  it('reads type and parameters, quoted or not', () => {
    expect(parseMediaType('Application/SOAP+XML; charset=UTF-8; action="urn:schnittstelle:v1#getStatus"')).toEqual({
      type: 'application/soap+xml',
      params: { charset: 'UTF-8', action: 'urn:schnittstelle:v1#getStatus' },
    });
    expect(parseMediaType('text/xml;charset=utf-8')).toEqual({ type: 'text/xml', params: { charset: 'utf-8' } });
    expect(parseMediaType('text/xml; x="a \\"b\\" c"')?.params['x']).toBe('a "b" c');
  });

  it('gives undefined for nothing usable', () => {
    expect(parseMediaType(undefined)).toBeUndefined();
    expect(parseMediaType('')).toBeUndefined();
    expect(parseMediaType('xml')).toBeUndefined();
  });
});

describe('checkEnvelope', () => {
  it('accepts a known operation and turns CDATA into escaped text for node-soap', () => {
    const xml = `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NAMESPACE}"><s:Body><submitDocument xmlns="urn:schnittstelle:v1"><routeId>akten</routeId><xmlDocument><![CDATA[<?xml version="1.0"?><a>&amp;</a>]]></xmlDocument></submitDocument></s:Body></s:Envelope>`;
    const accepted = checkEnvelope(input('1.1', xml, { soapActionHeader: '"urn:schnittstelle:v1#submitDocument"' }));
    expect(accepted.operation.name).toBe('submitDocument');
    expect(accepted.text).toBe(xml.replace('<![CDATA[<?xml version="1.0"?><a>&amp;</a>]]>', '&lt;?xml version=&quot;1.0&quot;?&gt;&lt;a&gt;&amp;amp;&lt;/a&gt;'));
  });

  it('binds the prefix node-soap looks for on a SOAP 1.2 envelope written with another prefix', () => {
    const xml = `<env:Envelope xmlns:env="${SOAP12_ENVELOPE_NAMESPACE}"><env:Body><getStatus xmlns="urn:schnittstelle:v1"><documentId>d</documentId></getStatus></env:Body></env:Envelope>`;
    expect(checkEnvelope(input('1.2', xml)).text).toBe(xml.replace('<env:Envelope', `<env:Envelope xmlns:soap="${SOAP12_ENVELOPE_NAMESPACE}"`));
  });

  it('accepts an action parameter naming the Body operation and refuses one that does not', () => {
    const xml = `<soap:Envelope xmlns:soap="${SOAP12_ENVELOPE_NAMESPACE}"><soap:Body><getStatus xmlns="urn:schnittstelle:v1"><documentId>d</documentId></getStatus></soap:Body></soap:Envelope>`;
    const mediaType = (action: string) => ({ type: 'application/soap+xml', params: { action } });
    expect(checkEnvelope(input('1.2', xml, { mediaType: mediaType('urn:schnittstelle:v1#getStatus') })).text).toBe(xml);
    const refusal = refusalOf(() => checkEnvelope(input('1.2', xml, { mediaType: mediaType('urn:schnittstelle:v1#submitDocument') })));
    expect(refusal.response.status).toBe(400);
    expect(refusal.message).toBe('action parameter "urn:schnittstelle:v1#submitDocument" names operation submitDocument but the Body holds getStatus');
  });

  it('refuses a Body after something else and elements after the Body', () => {
    const ns = SOAP11_ENVELOPE_NAMESPACE;
    expect(refusalOf(() => checkEnvelope(input('1.1', `<s:Envelope xmlns:s="${ns}"><s:Foo/><s:Body/></s:Envelope>`))).message).toBe(
      'SOAP Envelope must hold an optional Header and then a Body; found <s:Foo>',
    );
    expect(refusalOf(() => checkEnvelope(input('1.1', `<s:Envelope xmlns:s="${ns}"><s:Body><getStatus xmlns="urn:schnittstelle:v1"/></s:Body><s:Body/></s:Envelope>`))).message).toBe(
      'SOAP Envelope holds <s:Body> after the Body',
    );
  });

  it('refuses href values that reach Object.prototype', () => {
    const xml = `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NAMESPACE}"><s:Header><h href="#constructor"/></s:Header><s:Body><getStatus xmlns="urn:schnittstelle:v1"/></s:Body></s:Envelope>`;
    expect(refusalOf(() => checkEnvelope(input('1.1', xml))).response.spec.detail?.code).toBe('reserved-name');
  });

  it('ignores mustUnderstand header blocks meant for another node', () => {
    const xml =
      `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NAMESPACE}"><s:Header><h:Trace xmlns:h="urn:h" s:mustUnderstand="true" s:role="urn:some-gateway"/></s:Header>` +
      `<s:Body><getStatus xmlns="urn:schnittstelle:v1"><documentId>d</documentId></getStatus></s:Body></s:Envelope>`;
    expect(checkEnvelope(input('1.2', xml)).operation.name).toBe('getStatus');
  });

  it('refuses an unsupported charset with 415', () => {
    const xml = `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NAMESPACE}"><s:Body/></s:Envelope>`;
    const refusal = refusalOf(() => checkEnvelope(input('1.1', xml, { mediaType: { type: 'text/xml', params: { charset: 'klingon' } } })));
    expect(refusal.response.status).toBe(415);
    expect(refusal.message).toBe('charset klingon is not supported');
  });
});
