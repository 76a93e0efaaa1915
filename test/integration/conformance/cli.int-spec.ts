import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONFORMANCE, filesBelow, lineOf } from './conformance.support.js';

const BIN = path.resolve(process.cwd(), 'bin/schnittstelle.js');
const run = promisify(execFile);

/** `node bin/schnittstelle.js ...` as an operator runs it (the built CLI: `npm run test:jest` builds first). */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...argv], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('CLI: node bin/schnittstelle.js validate', () => {
  let dir: string;
  const xdomea = filesBelow(path.join(CONFORMANCE, 'xdomea/samples'), '.0503.xml')[0]!;
  const invoice = filesBelow(path.join(CONFORMANCE, 'xrechnung/samples'), '_ubl.xml')[0]!;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-int-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints OK and exits 0 for a published xdomea message, saying which schema it chose', async () => {
    const { code, stdout, stderr } = await cli('validate', xdomea);
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'OK\n' });
    expect(stderr).toMatch(/^schema: xdomea 3\.0\.0, contracts\/xdomea\/3\.0\.0\/xdomea_3\.0\.0\/xdomea\.xsd \(chosen by the root element/);
  });

  it('prints OK for an XRechnung UBL invoice, also with the schema given', async () => {
    expect(await cli('validate', invoice)).toMatchObject({ code: 0, stdout: 'OK\n' });
    expect(await cli('validate', '--schema', 'contracts/ubl/2.1/maindoc/UBL-Invoice-2.1.xsd', invoice)).toMatchObject({
      code: 0,
      stdout: 'OK\n',
      stderr: 'schema: contracts/ubl/2.1/maindoc/UBL-Invoice-2.1.xsd (given with --schema)\n',
    });
  });

  it('prints <file>:<line>:<column>: <message> for every error of an invalid message and exits 1', async () => {
    const text = readFileSync(xdomea, 'utf8')
      .replace(/\n[ \t]*<xdomea:Nachrichtentyp>[\s\S]*?<\/xdomea:Nachrichtentyp>/, '')
      .replace(/<xdomea:ProzessID>[^<]*</, '<xdomea:ProzessID>keine-uuid<');
    const file = path.join(dir, 'ohne-nachrichtentyp.xml');
    writeFileSync(file, text);
    const { code, stdout } = await cli('validate', file);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${file}:${lineOf(text, 'ProzessID>')}:0: Element '\\{urn:xoev-de:xdomea:schema:3\\.0\\.0\\}ProzessID': .*keine-uuid`));
    expect(lines[1]).toMatch(new RegExp(`^${file}:${lineOf(text, 'Erstellungszeitpunkt>')}:0: Element '\\{urn:xoev-de:xdomea:schema:3\\.0\\.0\\}Erstellungszeitpunkt': This element is not expected`));
  });

  it.each([
    ['XXE', '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>', /:2:1: refused \(doctype\): XML with a DOCTYPE \(DTD\) is not accepted/],
    ['an external DTD', '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n<r/>', /:1:1: refused \(doctype\)/],
    ['billion laughs', '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>', /refused \(doctype\)/],
    ['an undefined entity', '<r>&passwd;</r>', /:1:4: refused \(not-xml\): .*entity '&passwd;' is not defined/],
  ])('refuses %s with a clear message and exits 1', async (name, xml, expected) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.xml`);
    writeFileSync(file, xml);
    const { code, stdout } = await cli('validate', file);
    expect(code).toBe(1);
    expect(stdout).toMatch(expected);
    expect(stdout).not.toMatch(/root:/);
  });

  it('exits 2 for usage errors and unreadable files', async () => {
    expect(await cli()).toMatchObject({ code: 2, stderr: expect.stringMatching(/^schnittstelle: no command given\n\nUsage:/) });
    expect(await cli('validate', path.join(dir, 'fehlt.xml'))).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read .*fehlt\.xml: no such file/) });
    expect(await cli('validate', xdomea, '--schema')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--schema needs a value/) });
    expect(await cli('--help')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: schnittstelle validate/) });
  });

  it('says to run npm run build when dist/ is missing', async () => {
    const install = path.join(dir, 'unbuilt');
    mkdirSync(path.join(install, 'bin'), { recursive: true });
    copyFileSync(BIN, path.join(install, 'bin/schnittstelle.js'));
    const result = await run(process.execPath, [path.join(install, 'bin/schnittstelle.js'), 'validate', xdomea]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(/not built yet[\s\S]*Run `npm run build`/) });
  });
});
