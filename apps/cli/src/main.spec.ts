import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { disposeXsdSchemas } from '@app/xml';
import { EXIT_INVALID, EXIT_USAGE, EXIT_VALID, parseArguments, runCli } from './main.js';

const UBL = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';

describe('parseArguments', () => {
  it('reads the validate command with its options in any order', () => {
    expect(parseArguments(['validate', 'a.xml'])).toEqual({ command: { file: 'a.xml', schemaRoots: [] } });
    expect(parseArguments(['validate', '--schema', 's.xsd', 'a.xml', '--schema-root=x', '--schema-root', 'y'])).toEqual({
      command: { file: 'a.xml', schema: 's.xsd', schemaRoots: ['x', 'y'] },
    });
    expect(parseArguments(['validate', 'a.xml', '--schema=s.xsd'])).toEqual({ command: { file: 'a.xml', schema: 's.xsd', schemaRoots: [] } });
    expect(parseArguments(['--help'])).toEqual({ help: true });
    expect(parseArguments(['validate', '-h'])).toEqual({ help: true });
  });

  it.each([
    [[], 'no command given'],
    [['prüfen', 'a.xml'], "unknown command 'prüfen'"],
    [['validate'], 'no file given'],
    [['validate', 'a.xml', 'b.xml'], 'one file at a time (got 2)'],
    [['validate', 'a.xml', '--schema'], '--schema needs a value'],
    [['validate', 'a.xml', '--schema='], '--schema needs a value'],
    [['validate', 'a.xml', '--schema', 'a.xsd', '--schema', 'b.xsd'], '--schema given twice'],
    [['validate', 'a.xml', '--strict'], "unknown option '--strict'"],
  ])('%j is a usage error: %s', (argv, error) => {
    expect(parseArguments(argv)).toEqual({ error });
  });
});

describe('runCli validate', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const target = path.join(dir, name);
    writeFileSync(target, text);
    return target;
  };
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { packageRoot: process.cwd(), io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
    return { code, out, err };
  }

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-'));
  });
  afterAll(async () => {
    await disposeXsdSchemas();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one <file>:<line>:<column>: line per schema error and exits 1, naming the chosen schema', async () => {
    const invoice = file('invoice.xml', `<?xml version="1.0"?>\n<Invoice xmlns="${UBL}">\n  <Unbekannt/>\n</Invoice>\n`);
    const { code, out, err } = await run('validate', invoice);
    expect(code).toBe(EXIT_INVALID);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(new RegExp(`^${invoice}:3:0: Element '\\{${UBL}\\}Unbekannt': This element is not expected`));
    expect(err.join('\n')).toMatch(/^schema: UBL 2\.1 Invoice, contracts\/ubl\/2\.1\/maindoc\/UBL-Invoice-2\.1\.xsd \(chosen by the root element \{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\}Invoice\)$/);
  });

  it('validates against a given schema, and exits 0 with OK', async () => {
    const schema = file('zahl.xsd', '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="zahl" type="xs:int"/></xs:schema>');
    expect(await run('validate', file('ok.xml', '<zahl>42</zahl>'), '--schema', schema)).toMatchObject({ code: EXIT_VALID, out: ['OK'] });
    const bad = await run('validate', file('bad.xml', '<zahl>\nzweiundvierzig</zahl>'), '--schema', schema);
    expect(bad.code).toBe(EXIT_INVALID);
    expect(bad.out).toEqual([`${path.join(dir, 'bad.xml')}:1:0: Element 'zahl': '\\nzweiundvierzig' is not a valid value of the atomic type 'xs:int'.`]);
  });

  it('refuses hostile input before any schema is looked at, with the place', async () => {
    const xxe = file('xxe.xml', '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Invoice>&x;</Invoice>');
    const { code, out, err } = await run('validate', xxe);
    expect(code).toBe(EXIT_INVALID);
    expect(out).toEqual([`${xxe}:2:1: refused (doctype): XML with a DOCTYPE (DTD) is not accepted: line 2, column 1: DTDs can declare entities that expand without bound or read local files`]);
    expect(err).toEqual([]);
  });

  it('reports XML that is not well-formed as refused, with line and column', async () => {
    const broken = file('broken.xml', `<Invoice xmlns="${UBL}">\n  <a></b>\n</Invoice>`);
    const { code, out } = await run('validate', broken);
    expect(code).toBe(EXIT_INVALID);
    expect(out[0]).toMatch(new RegExp(`^${broken}:2:\\d+: refused \\(not-xml\\): XML is not well-formed`));
  });

  it('exits 2 for unreadable files, unknown documents and unusable schemas', async () => {
    expect(await run('validate', path.join(dir, 'fehlt.xml'))).toMatchObject({ code: EXIT_USAGE, err: [`schnittstelle: cannot read ${path.join(dir, 'fehlt.xml')}: no such file`] });
    expect((await run('validate', dir)).err[0]).toMatch(/it is a folder/);
    const unknown = await run('validate', file('brief.xml', '<Brief xmlns="urn:example:brief"/>'));
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.err[0]).toMatch(/no schema in the catalogue for the root element \{urn:example:brief\}Brief.*--schema/);
    const missingSchema = await run('validate', path.join(dir, 'ok.xml'), '--schema', path.join(dir, 'fehlt.xsd'));
    expect(missingSchema).toMatchObject({ code: EXIT_USAGE });
    expect(missingSchema.err[0]).toMatch(/fehlt\.xsd does not exist/);
  });

  it('hints at --schema-root when a schema includes from outside its folder', async () => {
    file('inner.xsd', '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="../outer.xsd"/></xs:schema>');
    const { code, err } = await run('validate', path.join(dir, 'ok.xml'), '--schema', path.join(dir, 'inner.xsd'));
    expect(code).toBe(EXIT_USAGE);
    expect(err.join('\n')).toMatch(/not served.*\n.*--schema-root/);
  });

  it('prints help with exit 0, and usage with exit 2', async () => {
    expect((await run('--help')).out[0]).toMatch(/^Usage: schnittstelle validate <file>/);
    const usage = await run('validate');
    expect(usage.code).toBe(EXIT_USAGE);
    expect(usage.err[0]).toMatch(/^schnittstelle: no file given\n\nUsage:/);
  });
});
