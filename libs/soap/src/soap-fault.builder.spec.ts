import { describe, expect, it, jest } from '@jest/globals';
import { InputError, PermanentError, RetryableError, UnavailableError } from '@app/contracts';
import { inspectXml } from '@app/xml';
import {
  SOAP11_ENVELOPE_NAMESPACE,
  SOAP12_ENVELOPE_NAMESPACE,
  buildSoapFault,
  faultForError,
  faultHttpStatus,
} from './soap-fault.builder.js';

describe('buildSoapFault', () => {
  it('builds a SOAP 1.1 fault with faultcode, faultstring and detail', () => {
    const xml = buildSoapFault({ version: '1.1', kind: 'client', message: 'routeId "x" <unknown> & gone', detail: { code: 'unknown-route' } });
    expect(inspectXml(xml).namespace).toBe(SOAP11_ENVELOPE_NAMESPACE);
    expect(xml).toContain('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>routeId &quot;x&quot; &lt;unknown&gt; &amp; gone</faultstring>');
    expect(xml).toContain('<detail><s:error xmlns:s="urn:schnittstelle:v1"><s:code>unknown-route</s:code></s:error></detail>');
  });

  it.each([
    ['client', 'soap:Client', 'env:Sender'],
    ['server', 'soap:Server', 'env:Receiver'],
    ['version-mismatch', 'soap:VersionMismatch', 'env:VersionMismatch'],
    ['must-understand', 'soap:MustUnderstand', 'env:MustUnderstand'],
  ] as const)('names %s as %s in 1.1 and %s in 1.2', (kind, code11, code12) => {
    expect(buildSoapFault({ version: '1.1', kind, message: 'm' })).toContain(`<faultcode>${code11}</faultcode>`);
    expect(buildSoapFault({ version: '1.2', kind, message: 'm' })).toContain(`<env:Code><env:Value>${code12}</env:Value></env:Code>`);
  });

  it('writes a subcode as the faultcode in SOAP 1.1 and as Subcode under Sender in SOAP 1.2 (WS-Security 1.0, section 12)', () => {
    const subcode = { ns: 'urn:wsse', prefix: 'wsse', local: 'FailedAuthentication' };
    const xml11 = buildSoapFault({ version: '1.1', kind: 'client', message: 'no', subcode });
    expect(inspectXml(xml11).namespace).toBe(SOAP11_ENVELOPE_NAMESPACE);
    expect(xml11).toContain('<soap:Fault xmlns:wsse="urn:wsse"><faultcode>wsse:FailedAuthentication</faultcode>');
    const xml12 = buildSoapFault({ version: '1.2', kind: 'client', message: 'no', subcode });
    expect(xml12).toContain('<env:Fault xmlns:wsse="urn:wsse"><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>wsse:FailedAuthentication</env:Value></env:Subcode></env:Code>');
    expect(() => buildSoapFault({ version: '1.2', kind: 'client', message: 'no', subcode: { ...subcode, prefix: 'env' } })).toThrow(/not a usable qualified name/);
  });

  it('builds a SOAP 1.2 fault with Code, Reason/Text xml:lang and Detail', () => {
    const xml = buildSoapFault({ version: '1.2', kind: 'server', message: 'Internal error; reference abc', detail: { code: 'internal', reference: 'abc' } });
    expect(inspectXml(xml).namespace).toBe(SOAP12_ENVELOPE_NAMESPACE);
    expect(xml).toContain('<env:Reason><env:Text xml:lang="en">Internal error; reference abc</env:Text></env:Reason>');
    expect(xml).toContain('<env:Detail><s:error xmlns:s="urn:schnittstelle:v1"><s:code>internal</s:code><s:reference>abc</s:reference></s:error></env:Detail>');
  });

  it('announces supported envelopes in an Upgrade header, also inside a 1.1 envelope', () => {
    const xml = buildSoapFault({ version: '1.1', kind: 'version-mismatch', message: 'm', upgrade: ['1.2'] });
    expect(inspectXml(xml).rootElement).toBe('Envelope');
    expect(xml).toContain(
      `<soap:Header><upg:Upgrade xmlns:upg="${SOAP12_ENVELOPE_NAMESPACE}"><upg:SupportedEnvelope qname="v0:Envelope" xmlns:v0="${SOAP12_ENVELOPE_NAMESPACE}"/></upg:Upgrade></soap:Header>`,
    );
  });

  it('lists not understood header blocks in SOAP 1.2', () => {
    const xml = buildSoapFault({ version: '1.2', kind: 'must-understand', message: 'm', notUnderstood: [{ ns: 'urn:a&b', local: 'Security' }] });
    expect(inspectXml(xml).rootElement).toBe('Envelope');
    expect(xml).toContain('<env:Header><env:NotUnderstood qname="h:Security" xmlns:h="urn:a&amp;b"/></env:Header>');
  });
});

describe('faultHttpStatus', () => {
  it('is 500 for every SOAP 1.1 fault and 400 only for a SOAP 1.2 Sender fault', () => {
    expect(faultHttpStatus('1.1', 'client')).toBe(500);
    expect(faultHttpStatus('1.1', 'server')).toBe(500);
    expect(faultHttpStatus('1.2', 'client')).toBe(400);
    expect(faultHttpStatus('1.2', 'server')).toBe(500);
    expect(faultHttpStatus('1.2', 'version-mismatch')).toBe(500);
  });
});

describe('faultForError', () => {
  it('maps InputError to a client fault with its message and code, 413 kept', () => {
    const small = faultForError(new InputError('routeId is missing', 'missing-route'), '1.2');
    expect(small).toMatchObject({ status: 400, contentType: 'application/soap+xml; charset=utf-8', spec: { kind: 'client', message: 'routeId is missing', detail: { code: 'missing-route' } } });
    expect(faultForError(new InputError('too big', 'too-large', 413), '1.1').status).toBe(413);
  });

  it('maps PermanentError to a client fault', () => {
    expect(faultForError(new PermanentError('refused by policy', 'policy'), '1.1')).toMatchObject({ status: 500, spec: { kind: 'client', message: 'refused by policy' } });
  });

  it('maps UnavailableError to 503 with a server fault', () => {
    expect(faultForError(new UnavailableError('Redis is down'), '1.2')).toMatchObject({
      status: 503,
      spec: { kind: 'server', message: 'service temporarily unavailable: Redis is down', detail: { code: 'unavailable' } },
    });
  });

  it('hides every other error behind a reference and hands it to the log hook', () => {
    const onError = jest.fn();
    const secret = new RetryableError('password=hunter2 at db.internal:5432');
    const fault = faultForError(secret, '1.1', onError);
    const reference = fault.spec.detail?.reference;
    expect(reference).toMatch(/^[0-9a-f]{16}$/);
    expect(fault.spec.message).toBe(`Internal error; reference ${reference}`);
    expect(fault.body).not.toContain('hunter2');
    expect(fault.body).not.toContain('RetryableError');
    expect(onError).toHaveBeenCalledWith(secret, reference);
    expect(faultForError('a string thrown', '1.1').spec.detail?.reference).not.toBe(reference);
  });
});
