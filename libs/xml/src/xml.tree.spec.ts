import { describe, expect, it } from '@jest/globals';
import { inspectXml } from './xml.parser.js';
import { childElements, documentElement, firstChildElement, isXmlElement, textContent, type XmlElement } from './xml.tree.js';

const root = (xml: string, maxDepth?: number): XmlElement => documentElement(inspectXml(xml, maxDepth ? { maxDepth } : {}).tree)!;

describe('firstChildElement', () => {
  it('finds what the first of childElements is, with or without the children read before', () => {
    const xml =
      '<a:r xmlns:a="urn:one" xmlns="urn:default">t<a:x k="1"/><y>1</y><![CDATA[c]]><b:y xmlns:b="urn:one">2</b:y><y xmlns="">3</y>' +
      '<a:toString/><a:v xmlns:a="urn:two"><a:w/></a:v><y>4</y></a:r>';
    const view = (e: XmlElement | undefined) => e && { name: e.name, namespace: e.namespace, attributes: e.attributes, text: textContent(e) };
    const queries: Array<[string, Array<string | undefined> | undefined]> = [
      ['y', undefined],
      ['y', ['urn:one']],
      ['y', [undefined]],
      ['y', ['urn:default', undefined]],
      ['x', ['urn:one']],
      ['v', ['urn:two']],
      ['v', ['urn:one']],
      ['toString', undefined],
      ['missing', undefined],
    ];
    for (const [name, namespaces] of queries) {
      const fresh = root(xml);
      const read = root(xml);
      expect(read.children.length).toBeGreaterThan(0);
      const expected = view(childElements(read, name, namespaces)[0]);
      expect([name, namespaces, view(firstChildElement(fresh, name, namespaces))]).toEqual([name, namespaces, expected]);
      expect(view(firstChildElement(read, name, namespaces))).toEqual(expected);
    }
    expect(view(firstChildElement(root(xml), 'y', ['urn:one']))).toEqual({ name: 'b:y', namespace: 'urn:one', attributes: { 'xmlns:b': 'urn:one' }, text: '2' });
  });
});

describe('documentElement', () => {
  it('resolves namespaces by scope, not by prefix', () => {
    const r = root('<a:r xmlns:a="urn:one" xmlns="urn:default"><a:x/><y/><b:z xmlns:b="urn:one"/><w xmlns=""/><a:v xmlns:a="urn:two"/></a:r>');
    expect(r).toMatchObject({ name: 'a:r', prefix: 'a', localName: 'r', namespace: 'urn:one' });
    const [x, y, z, w, v] = childElements(r);
    expect(x).toMatchObject({ localName: 'x', namespace: 'urn:one' });
    expect(y).toMatchObject({ localName: 'y', namespace: 'urn:default' });
    expect(y!.prefix).toBeUndefined();
    expect(z).toMatchObject({ name: 'b:z', localName: 'z', namespace: 'urn:one' });
    expect(w!.namespace).toBeUndefined();
    expect(v).toMatchObject({ localName: 'v', namespace: 'urn:two' });
    expect(childElements(r, 'z', ['urn:one'])).toEqual([z]);
    expect(childElements(r, undefined, [undefined])).toEqual([w]);
  });

  it('keeps text, CDATA and elements in document order with decoded attributes', () => {
    const r = root('<r a="1 &amp; 2">one<b>two</b><![CDATA[<three>]]></r>');
    expect(r.attributes).toEqual({ a: '1 & 2' });
    expect(r.children.map((c) => (isXmlElement(c) ? `<${c.name}>` : c.text))).toEqual(['one', '<b>', '<three>']);
    expect(r.children[2]).toEqual({ text: '<three>', cdata: true });
    expect(textContent(r)).toBe('one two <three>');
  });

  it('gives back the real names of elements fast-xml-parser renames', () => {
    const r = root('<r><toString valueOf="x">t</toString></r>');
    const child = firstChildElement(r, 'toString')!;
    expect(child).toMatchObject({ name: 'toString', localName: 'toString', attributes: { valueOf: 'x' } });
    expect(textContent(child)).toBe('t');
  });

  it('serialises as plain data', () => {
    expect(JSON.parse(JSON.stringify(root('<r xmlns="u"><c>t</c></r>')))).toEqual({
      name: 'r',
      localName: 'r',
      namespace: 'u',
      attributes: { xmlns: 'u' },
      children: [{ name: 'c', localName: 'c', namespace: 'u', attributes: {}, children: [{ text: 't', cdata: false }] }],
    });
  });

  it('handles the deepest accepted document without recursion limits', () => {
    const depth = 5000;
    const r = root('<a>'.repeat(depth) + 'bottom' + '</a>'.repeat(depth), depth);
    expect(textContent(r)).toBe('bottom');
  });

  it('is undefined for an empty tree and textContent of nothing is undefined', () => {
    expect(documentElement([])).toBeUndefined();
    expect(textContent(undefined)).toBeUndefined();
    expect(textContent(root('<r>  </r>'))).toBeUndefined();
  });
});
