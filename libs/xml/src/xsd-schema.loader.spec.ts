import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { disposeXsdSchemas, loadXsdSchema, XsdSchemaLoadError } from './xsd-schema.loader.js';
import { expectRejected } from '@app/testing';

const CONTRACTS = path.resolve(process.cwd(), 'contracts');
const XDOMEA_ROOT = path.join(CONTRACTS, 'xdomea/3.0.0');
const XDOMEA_XSD = path.join(XDOMEA_ROOT, 'xdomea_3.0.0/xdomea.xsd');

const XS = 'http://www.w3.org/2001/XMLSchema';
const schema = (body: string, prolog = '') => `<?xml version="1.0"?>\n${prolog}<xs:schema xmlns:xs="${XS}" targetNamespace="urn:t" xmlns:t="urn:t" elementFormDefault="qualified">\n${body}\n</xs:schema>\n`;
const includeOf = (location: string) => schema(`<xs:include schemaLocation="${location}"/>\n<xs:element name="a" type="t:Wert"/>`);
const WERT = schema('<xs:simpleType name="Wert"><xs:restriction base="xs:string"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>');

const loadError = (promise: Promise<unknown>) => expectRejected(XsdSchemaLoadError, promise);

describe('loadXsdSchema', () => {
  let dir: string;
  const file = (relative: string, text: string) => {
    const target = path.join(dir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
    return target;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'xsd-loader-'));
    file('schemas/wert.xsd', WERT);
    file('outside/wert.xsd', WERT);
    file('schemas/wert.txt', WERT);
    file('secret.txt', 'geheim');
  });

  afterEach(() => disposeXsdSchemas());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles the vendored xdomea 3.0.0 set when its root folder (with ../xoev) is allowed', async () => {
    const validator = await loadXsdSchema(XDOMEA_XSD, { roots: [XDOMEA_ROOT] });
    expect(validator.schemaPath).toBe(XDOMEA_XSD);
  });

  it("refuses xdomea's ../xoev import when only the entry's folder is allowed, naming the file", async () => {
    const error = await loadError(loadXsdSchema(XDOMEA_XSD));
    expect(error.refused).toContain(path.join(XDOMEA_ROOT, 'xoev/code/1_0/xoev-code.xsd'));
    expect(error.message).toMatch(/not served \(only \.xsd files below/);
  });

  it('compiles once per entry file: the same validator for another spelling of the path or a link', async () => {
    const entry = file('schemas/main.xsd', includeOf('wert.xsd'));
    symlinkSync(entry, path.join(dir, 'schemas/link.xsd'));
    const first = await loadXsdSchema(entry);
    const [second, third] = await Promise.all([loadXsdSchema(path.join(dir, 'schemas/../schemas/main.xsd')), loadXsdSchema(path.join(dir, 'schemas/link.xsd'))]);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(first.validate('<a xmlns="urn:t">abc</a>')).toEqual({ valid: true, errors: [] });
    expect(first.validate('<a xmlns="urn:t">abcd</a>').valid).toBe(false);
  });

  it('resolves an entry path once per process: a compiled schema is found again without the file system', async () => {
    const entry = file('schemas/once.xsd', includeOf('wert.xsd'));
    const first = await loadXsdSchema(entry);
    rmSync(entry);
    // Kept like the compiled schema itself, until the cache is disposed.
    expect(await loadXsdSchema(entry)).toBe(first);
    expect(await loadXsdSchema(path.join(dir, 'schemas/./once.xsd'))).toBe(first);
    await disposeXsdSchemas();
    expect((await loadError(loadXsdSchema(entry))).message).toMatch(/does not exist/);
  });

  it('resolves includes below a folder whose name needs escaping in a URI', async () => {
    const entry = file('Mein Ordner/ä/main.xsd', includeOf('wert.xsd'));
    file('Mein Ordner/ä/wert.xsd', WERT);
    expect((await loadXsdSchema(entry)).validate('<a xmlns="urn:t">abc</a>').valid).toBe(true);
  });

  it.each([
    ['a schema outside the allowed folders', '../outside/wert.xsd', 'outside/wert.xsd'],
    ['a file that is not .xsd', 'wert.txt', 'schemas/wert.txt'],
    ['an absolute path to another file', '/etc/passwd', '/etc/passwd'],
    ['a file: URL outside', 'file:///etc/hosts', 'file:///etc/hosts'],
    ['the network', 'http://127.0.0.1:9/evil.xsd', 'http://127.0.0.1:9/evil.xsd'],
  ])('refuses to include %s', async (_name, location, refused) => {
    const entry = file(`schemas/refuse-${Math.random().toString(36).slice(2)}.xsd`, includeOf(location));
    const error = await loadError(loadXsdSchema(entry));
    expect(error.refused).toContain(refused.includes(':') || refused.startsWith('/') ? refused : path.join(dir, refused));
    expect(error.details.length).toBeGreaterThan(0);
  });

  it('refuses a link named .xsd that leads to another kind of file', async () => {
    symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'schemas/secret.xsd'));
    const entry = file('schemas/via-link.xsd', includeOf('secret.xsd'));
    expect((await loadError(loadXsdSchema(entry))).refused).toEqual([path.join(dir, 'schemas/secret.xsd')]);
  });

  it('does not read an external entity declared in an included schema', async () => {
    // libxml2 reads included schemas with entity substitution on; the provider is what keeps the file out.
    // Patterns in one restriction are alternatives: were the entity read, "geheim" would become valid.
    file('pattern.txt', '<xs:pattern xmlns:xs="http://www.w3.org/2001/XMLSchema" value="geheim"/>');
    const prolog = `<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "${path.join(dir, 'pattern.txt')}">]>\n`;
    file('schemas/entity.xsd', schema('<xs:simpleType name="Wert"><xs:restriction base="xs:string"><xs:pattern value="x"/>&x;</xs:restriction></xs:simpleType>', prolog));
    const entry = file('schemas/with-entity.xsd', includeOf('entity.xsd'));
    let accepted: boolean | undefined;
    try {
      accepted = (await loadXsdSchema(entry)).validate('<a xmlns="urn:t">geheim</a>').valid;
    } catch (error) {
      expect(error).toBeInstanceOf(XsdSchemaLoadError);
    }
    expect(accepted).not.toBe(true);

    // Control: the same entity naming an .xsd file below the root is read, so the test above can fail.
    file('schemas/pattern.xsd', '<xs:pattern xmlns:xs="http://www.w3.org/2001/XMLSchema" value="geheim"/>');
    file('schemas/entity-ok.xsd', schema('<xs:simpleType name="Wert"><xs:restriction base="xs:string"><xs:pattern value="x"/>&x;</xs:restriction></xs:simpleType>', prolog.replace('pattern.txt', 'schemas/pattern.xsd')));
    const control = file('schemas/with-entity-ok.xsd', includeOf('entity-ok.xsd'));
    expect((await loadXsdSchema(control)).validate('<a xmlns="urn:t">geheim</a>').valid).toBe(true);
  });

  it('names a missing entry file, a non-.xsd entry and an entry outside its roots', async () => {
    expect((await loadError(loadXsdSchema(path.join(dir, 'nope.xsd')))).message).toMatch(/does not exist/);
    expect((await loadError(loadXsdSchema(path.join(dir, 'secret.txt')))).message).toMatch(/not an \.xsd file/);
    expect((await loadError(loadXsdSchema(path.join(dir, 'outside/wert.xsd'), { roots: [path.join(dir, 'schemas')] }))).message).toMatch(/outside the allowed schema folders/);
    expect((await loadError(loadXsdSchema(path.join(dir, 'outside/wert.xsd'), { roots: [path.join(dir, 'nowhere')] }))).message).toMatch(/does not exist/);
  });

  it('names the problem of a broken schema, and does not cache the failure', async () => {
    const entry = file('schemas/broken.xsd', schema('<xs:element name="a" type="t:Fehlt"/>'));
    expect((await loadError(loadXsdSchema(entry))).message).toMatch(/Fehlt/);
    writeFileSync(entry, schema('<xs:element name="a" type="xs:string"/>'));
    expect((await loadXsdSchema(entry)).validate('<a xmlns="urn:t">x</a>').valid).toBe(true);
  });
});
