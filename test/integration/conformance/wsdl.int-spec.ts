import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import soap from 'soap';
import { InputError } from '@app/contracts';
import { inspectXml } from '@app/xml';
import { CONFORMANCE, filesBelow } from './conformance.support.js';

const WSDL = path.join(CONFORMANCE, 'wsdl');

/**
 * node-soap's negative fixtures: they use a namespace prefix they never declare (`xmime:` on an attribute,
 * `soap:binding` where only `soap12` is bound), so they are well-formed XML but not namespace-well-formed
 * (Namespaces in XML 1.0, "Prefix Declared"). node-soap loads them anyway; our hardened reader must not.
 * The copy of attachments.wsdl under request-response-samples has the same undeclared `xmime:` prefix.
 */
const NOT_NAMESPACE_WELL_FORMED: Record<string, RegExp> = {
  'node-soap/attachments.wsdl': /line 15, column 52: namespace prefix 'xmime' of 'xmime:expectedContentTypes' is not declared/,
  'node-soap/default_namespace_soap12.wsdl': /line 30, column 5: namespace prefix 'soap' of 'soap:binding' is not declared/,
  'node-soap/request-response-samples/attachments__should_send_binary_data/soap.wsdl': /namespace prefix 'xmime' of 'xmime:expectedContentTypes' is not declared/,
};

/** Our own check first (what a WSDL must pass before node-soap sees it), then node-soap. */
async function loadChecked(file: string) {
  inspectXml(readFileSync(file));
  return soap.createClientAsync(file);
}

const wsdls = filesBelow(WSDL, '.wsdl').map((file) => ({ name: path.relative(WSDL, file), file }));
const loadable = wsdls.filter(({ name }) => !(name in NOT_NAMESPACE_WELL_FORMED));
const refused = wsdls.filter(({ name }) => name in NOT_NAMESPACE_WELL_FORMED);

describe('WSDL conformance', () => {
  it('finds the published WSDLs, the XTA 2 one among them', () => {
    expect(wsdls.length).toBeGreaterThanOrEqual(16);
    expect(wsdls.map(({ name }) => name)).toContain('xta2-v3.1.1_it-at-m_Erzwingungshaft/XTA.wsdl');
    expect(refused).toHaveLength(Object.keys(NOT_NAMESPACE_WELL_FORMED).length);
  });

  it.each(loadable)('$name passes our check and loads with node-soap', async ({ file }) => {
    const client = await loadChecked(file);
    expect(typeof client.describe()).toBe('object');
  });

  it('XTA 2: service XTAService with its three ports', async () => {
    const client = await loadChecked(path.join(WSDL, 'xta2-v3.1.1_it-at-m_Erzwingungshaft/XTA.wsdl'));
    expect(Object.keys(client.describe().XTAService).sort()).toEqual(['ManagementPort', 'MsgBoxPort', 'SendXtaPort']);
  });

  it.each(refused)('$name is refused by our check with the undeclared prefix, line and column', async ({ name, file }) => {
    const error = await loadChecked(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'not-xml', httpStatus: 400 });
    expect((error as Error).message).toMatch(NOT_NAMESPACE_WELL_FORMED[name]!);
  });

  it.each(filesBelow(WSDL, '.xsd').map((file) => ({ name: path.relative(WSDL, file), file })))('$name (imported by a WSDL) passes our check', ({ file }) => {
    expect(() => inspectXml(readFileSync(file))).not.toThrow();
  });
});
