import { describe, expect, it } from '@jest/globals';
import soap from 'soap';
import { MtomError, XOP_NAMESPACE, unpackMtom } from './mtom.reader.js';
import { parseMediaType } from './soap-envelope.guard.js';
import { SOAP11_ENVELOPE_NAMESPACE } from './soap-fault.builder.js';
import { expectThrown } from '@app/testing';

const TNS = 'urn:schnittstelle:v1';
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** Bytes that look like multipart syntax must pass untouched. */
const TRICKY = Buffer.concat([Buffer.from('\r\n--not-the-boundary\r\n\r\n--'), ALL_BYTES, Buffer.from('\r\n')]);

function envelope(content: string, ns = SOAP11_ENVELOPE_NAMESPACE): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ns}"><soap:Body><t:submitDocument xmlns:t="${TNS}"><t:routeId>akten</t:routeId><t:content>${content}</t:content></t:submitDocument></soap:Body></soap:Envelope>`;
}

const include = (cid: string) => `<xop:Include xmlns:xop="${XOP_NAMESPACE}" href="cid:${cid}"/>`;

/** What node-soap's HTTP client puts on the wire for MTOM (its own code, not ours). */
function nodeSoapRequest(xml: string, attachments: Array<{ contentId: string; body: Buffer }>, contentType = 'text/xml; charset=utf-8'): { body: Buffer; contentType: string } {
  const client = new soap.HttpClient();
  const request = client.buildRequest('http://127.0.0.1/soap', xml, { 'Content-Type': contentType }, {
    forceMTOM: true,
    attachments: attachments.map((a) => ({ ...a, mimetype: 'application/octet-stream', name: 'brief.bin' })),
  }) as { data: Buffer; headers: Record<string, string> };
  return { body: request.data, contentType: request.headers['Content-Type']! };
}

function unpack(body: Buffer | string, contentType: string) {
  return unpackMtom(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'), parseMediaType(contentType)!);
}

const mtomError = (fn: () => unknown) => expectThrown(MtomError, fn);

/** A request written by hand: parts as [headers, body]. */
function handMade(parts: Array<[string, string | Buffer]>, boundary = 'b1', close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const [headers, body] of parts) chunks.push(Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body), Buffer.from('\r\n'));
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const ROOT_HEADERS = 'Content-Type: application/xop+xml; charset=UTF-8; type="text/xml"\r\nContent-ID: <root>';
const MULTIPART = 'multipart/related; type="application/xop+xml"; start="<root>"; boundary=b1';

describe('unpackMtom', () => {
  it('puts node-soap\'s MTOM request back together: the attachment bytes become the base64 content', () => {
    const { body, contentType } = nodeSoapRequest(envelope(include('doc-1@example')), [{ contentId: 'doc-1@example', body: TRICKY }]);
    const unpacked = unpack(body, contentType);
    expect(unpacked).toMatchObject({ soapType: 'text/xml', attachments: 1, attachmentBytes: TRICKY.length });
    expect(unpacked.envelope.toString('utf8')).toBe(envelope(TRICKY.toString('base64')));
  });

  it('takes the SOAP 1.2 action node-soap adds to the multipart Content-Type', () => {
    const { body, contentType } = nodeSoapRequest(envelope(include('a')), [{ contentId: 'a', body: ALL_BYTES }], 'application/soap+xml; charset=utf-8; action="urn:schnittstelle:v1#submitDocument"');
    expect(unpack(body, contentType).action).toBe('urn:schnittstelle:v1#submitDocument');
  });

  it('accepts a preamble, an epilogue, transport padding, folded headers and a percent-encoded cid', () => {
    const parts = handMade([
      [ROOT_HEADERS, envelope(include('doc%40one'))],
      ['Content-Type: application/pdf\r\nContent-ID:\r\n  <doc@one>\r\nContent-Transfer-Encoding: binary', ALL_BYTES],
    ]);
    const body = Buffer.concat([Buffer.from('This is a preamble.\r\n'), parts, Buffer.from('epilogue')]);
    const padded = Buffer.from(body.toString('latin1').replace('--b1\r\nContent-Type: application/xop', '--b1  \r\nContent-Type: application/xop'), 'latin1');
    expect(unpack(padded, MULTIPART).envelope.toString()).toBe(envelope(ALL_BYTES.toString('base64')));
  });

  it('passes an envelope without attachments', () => {
    expect(unpack(handMade([[ROOT_HEADERS, envelope('aGFsbG8=')]]), MULTIPART).envelope.toString()).toBe(envelope('aGFsbG8='));
  });

  const attachment = (id: string, body: string | Buffer = 'x'): [string, string | Buffer] => [`Content-ID: <${id}>`, body];

  it.each([
    ['a multipart type other than XOP', handMade([[ROOT_HEADERS, envelope('')]]), 'multipart/related; type="text/xml"; boundary=b1', /must be MTOM\/XOP/],
    ['no boundary parameter', handMade([[ROOT_HEADERS, envelope('')]]), 'multipart/related; type="application/xop+xml"', /no boundary parameter/],
    ['a boundary of forbidden characters', handMade([[ROOT_HEADERS, envelope('')]]), 'multipart/related; type="application/xop+xml"; boundary="a\\"b"', /boundary must be 1 to 70/],
    ['a boundary longer than 70 characters', handMade([[ROOT_HEADERS, envelope('')]]), `multipart/related; type="application/xop+xml"; boundary=${'x'.repeat(71)}`, /boundary must be 1 to 70/],
    ['a body without the boundary', Buffer.from(envelope('')), MULTIPART, /holds no line with the boundary/],
    ['a body that never closes', handMade([[ROOT_HEADERS, envelope(include('a'))], attachment('a')], 'b1', false), MULTIPART, /not closed: the body ends without the closing boundary --b1--/],
    ['a boundary followed by other characters', Buffer.from(`--b1x\r\n${ROOT_HEADERS}\r\n\r\n${envelope('')}\r\n--b1--`), MULTIPART, /boundary line 1 is not followed by CRLF/],
    ['headers without the empty line', Buffer.from(`--b1\r\n${ROOT_HEADERS}`), MULTIPART, /do not end with an empty line/],
    ['oversized part headers', handMade([[`${ROOT_HEADERS}\r\nX-Padding: ${'p'.repeat(9000)}`, envelope('')]]), MULTIPART, /exceed 8192 bytes/],
    ['a header line without a name', handMade([[`${ROOT_HEADERS}\r\nno colon here`, envelope('')]]), MULTIPART, /not "Name: value"/],
    ['too many parts', handMade([[ROOT_HEADERS, envelope('')], ...Array.from({ length: 8 }, (_, i) => attachment(`p${i}`))]), MULTIPART, /more than 8 MIME parts/],
    ['a start naming no part', handMade([[ROOT_HEADERS, envelope('')]]), MULTIPART.replace('<root>', '<other>'), /no part has the Content-ID <other>/],
    ['a root part that is not XOP', handMade([['Content-Type: text/xml\r\nContent-ID: <root>', envelope('')]]), MULTIPART, /root part must be application\/xop\+xml/],
    ['a root part naming no SOAP type', handMade([['Content-Type: application/xop+xml; type="application/json"\r\nContent-ID: <root>', envelope('')]]), MULTIPART, /must name text\/xml or application\/soap\+xml/],
    ['a root part in Latin-1', handMade([['Content-Type: application/xop+xml; charset=ISO-8859-1; type="text/xml"\r\nContent-ID: <root>', envelope('')]]), MULTIPART, /must be UTF-8; it declares charset iso-8859-1/],
    ['a root part that is not valid UTF-8', handMade([[ROOT_HEADERS, Buffer.concat([Buffer.from(envelope('')), Buffer.from([0xff])])]]), MULTIPART, /not valid UTF-8/],
    ['a part in base64 transfer encoding', handMade([[ROOT_HEADERS, envelope(include('a'))], ['Content-ID: <a>\r\nContent-Transfer-Encoding: base64', 'eA==']]), MULTIPART, /Content-Transfer-Encoding base64/],
    ['a part without Content-ID', handMade([[ROOT_HEADERS, envelope('')], ['Content-Type: text/plain', 'x']]), MULTIPART, /part 2 has no Content-ID/],
    ['two parts with one Content-ID', handMade([[ROOT_HEADERS, envelope(include('a'))], attachment('a'), attachment('a')]), MULTIPART, /two parts have the Content-ID a/],
    ['Content-ID given twice in one part', handMade([[ROOT_HEADERS, envelope(include('a'))], ['Content-ID: <a>\r\nContent-ID: <b>', 'x']]), MULTIPART, /has Content-ID twice/],
    ['an Include naming no part', handMade([[ROOT_HEADERS, envelope(include('nope'))]]), MULTIPART, /names cid:nope, but no part has that Content-ID/],
    ['an Include without href', handMade([[ROOT_HEADERS, envelope(`<xop:Include xmlns:xop="${XOP_NAMESPACE}"/>`)]]), MULTIPART, /needs an href="cid:/],
    ['an Include beside text', handMade([[ROOT_HEADERS, envelope(`eA==${include('a')}`)], attachment('a')]), MULTIPART, /must be the only content of its element/],
    ['one part included twice', handMade([[ROOT_HEADERS, envelope(include('a')).replace('<t:routeId>akten</t:routeId>', `<t:routeId>${include('a')}</t:routeId>`)], attachment('a')]), MULTIPART, /included more than once/],
    ['a part nobody refers to', handMade([[ROOT_HEADERS, envelope(include('a'))], attachment('a'), attachment('extra')]), MULTIPART, /extra are not referred to/],
    ['another element of the XOP namespace', handMade([[ROOT_HEADERS, envelope(`<xop:Other xmlns:xop="${XOP_NAMESPACE}"/>`)]]), MULTIPART, /only xop:Include is/],
  ])('refuses %s', (_name, body, contentType, message) => {
    expect(mtomError(() => unpack(body, contentType)).message).toMatch(message);
  });

  it('refuses a DOCTYPE in the root part with the XML check\'s own code', () => {
    const error = mtomError(() => unpack(handMade([[ROOT_HEADERS, `<!DOCTYPE x [<!ENTITY a "b">]>${envelope('')}`]]), MULTIPART));
    expect(error.code).toBe('doctype');
  });
});
