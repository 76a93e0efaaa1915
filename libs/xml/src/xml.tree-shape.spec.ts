import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { XMLParser } from 'fast-xml-parser';
import { decodeXmlAttributeValue, decodeXmlEntities } from './xml-entity.decoder.js';
import { inspectXml } from './xml.parser.js';
import { ATTRIBUTES_KEY, CDATA_KEY, TEXT_KEY, type XmlOrderedNode, type XmlTree } from './xml.tree.js';

/*
 * inspectXml builds its tree in the scanner's pass. Readers here and in the connectors were written
 * against fast-xml-parser's ordered output, which inspectXml used before: the tree must be the same,
 * node for node and value for value. fast-xml-parser with the former options is the oracle.
 */

function oracle(text: string): XmlTree {
  const tree = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    cdataPropName: CDATA_KEY,
    commentPropName: false,
    maxNestedTags: 65,
  }).parse(text.replace(/\r\n?/g, '\n')) as XmlTree;
  const work: XmlTree[] = [tree];
  for (let nodes = work.pop(); nodes; nodes = work.pop()) {
    for (const node of nodes) {
      for (const key of Object.keys(node)) {
        const value = node[key];
        if (key === TEXT_KEY) node[key] = decodeXmlEntities(value as string);
        else if (key === ATTRIBUTES_KEY) {
          const attributes = value as Record<string, string>;
          for (const name of Object.keys(attributes)) attributes[name] = decodeXmlAttributeValue(attributes[name]!);
        } else if (key !== CDATA_KEY && Array.isArray(value)) work.push(value as XmlOrderedNode[]);
      }
    }
  }
  return tree;
}

function xmlFilesBelow(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    if (statSync(file).isDirectory()) return xmlFilesBelow(file);
    return name.endsWith('.xml') ? [file] : [];
  });
}

const corpus = [path.resolve(process.cwd(), '../shared/conformance'), path.resolve(process.cwd(), 'test/fixtures/ok')].flatMap(xmlFilesBelow);

const crafted: Record<string, string> = {
  'text split by comments': '<r>a <!-- one --> b<!--two-->c <x/> d <!-- --> </r>',
  'text split by a processing instruction': '<r> a <?pi some data?> b </r>',
  'processing instructions before, inside and after the root': '<?xml version="1.0"?><?style a="1"?>\n<r><?p?>x</r>\n<?after?>',
  'CDATA between text, empty and blank CDATA': '<r> a <![CDATA[ <raw> &amp; ]]> b <![CDATA[]]><![CDATA[   ]]></r>',
  'line ends in text, CDATA and attributes': '<r a="x\r\ny\rz">one\r\ntwo\rthree<![CDATA[c\r\nd\re]]></r>\r\n',
  'references at the edges survive trimming': '<r a=" &#32;v&#9; "> &#32;x&#10; <b>&#x20;</b></r>',
  'whitespace only text and attribute values': '<r a="  " b=""> \n\t <c>   </c><d/></r>',
  'unicode white space is trimmed like JavaScript does': '<r>\u00a0x\u2003<y>\u00a0</y></r>',
  'names the tree renames': '<r toString="1" valueOf="2"><hasOwnProperty>x</hasOwnProperty><toString/><__defineGetter__ a="b"/></r>',
  'attributes with tabs, newlines and both quotes': '<r\ta="1"\n  b=\'say "hi"\'  c = "it\'s"\t/>',
  'self-closing with and without space, nested defaults': '<r xmlns="urn:a"><a/><b /><c x="1"/><d xmlns="" y="2" /></r>',
  'mixed content': '<p>Dies ist <b>fett</b> und <i>kursiv</i>, dann <br/> Ende.</p>',
  'predefined entities and character references': '<r a="&lt;&gt;&amp;&quot;&apos;&#xE4;">&lt;b&gt; &#228;&#xF6; &quot;&apos;</r>',
  'deeply nested': `${'<a>'.repeat(60)}x${'</a>'.repeat(60)}`,
  'many attributes and namespaces': `<r xmlns:p="urn:p" ${Array.from({ length: 50 }, (_, i) => `p:a${i}="${i}"`).join(' ')}><p:c p:d="e">f</p:c></r>`,
  'text after the last child and before the first': '<r>\n  lead <a>1</a> mid <b>2</b> tail\n</r>',
};

describe('inspectXml builds the tree fast-xml-parser built', () => {
  it('has a corpus', () => {
    expect(corpus.length).toBeGreaterThan(50);
  });

  for (const file of corpus) {
    it(path.relative(path.resolve(process.cwd(), '..'), file), () => {
      const bytes = readFileSync(file);
      const inspection = inspectXml(bytes);
      expect(inspection.tree).toStrictEqual(oracle(inspection.text));
    });
  }

  for (const [name, xml] of Object.entries(crafted)) {
    it(name, () => {
      expect(inspectXml(xml).tree).toStrictEqual(oracle(xml));
    });
  }
});
