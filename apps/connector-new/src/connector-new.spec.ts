import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { disposeXsdSchemas, inspectXml, loadXsdSchema } from '@app/xml';
import { EXIT_DONE, EXIT_REFUSED, EXIT_USAGE, parseArguments, runConnectorNew } from './main.js';

/*
 * The scaffold run end to end against a copy of the repository's skeleton in a temporary folder (real files
 * for what the scaffold edits, links for the rest), with public schemas from ../shared/conformance: the
 * generated specs are then run by Jest and type-checked by tsc there. Nothing is written into the repository.
 */

const REPO = process.cwd();
const CONFORMANCE = path.resolve(REPO, '../shared/conformance');
const XDOMEA_XSD = path.join(CONFORMANCE, 'xdomea/xsd/xdomea_3.0.0/xdomea.xsd');
const UBL_XSD = path.join(CONFORMANCE, 'xrechnung/ubl-2.1-xsd/maindoc/UBL-Invoice-2.1.xsd');
const WSDL_IMPORT = path.join(CONFORMANCE, 'wsdl/node-soap/wsdlImport/main.wsdl');
const BLZ_WSDL = path.join(CONFORMANCE, 'wsdl/node-soap/BLZService.wsdl');
const XTA_WSDL = path.join(CONFORMANCE, 'wsdl/xta2-v3.1.1_it-at-m_Erzwingungshaft/XTA.wsdl');

/** A skeleton of the repository: what the scaffold edits is copied, everything else linked. */
async function skeleton(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'connector-new-'));
  await symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  for (const file of ['package.json', 'tsconfig.json']) await copyFile(path.join(REPO, file), path.join(root, file));
  await mkdir(path.join(root, 'libs/connectors/src'), { recursive: true });
  for (const lib of await readdir(path.join(REPO, 'libs'))) {
    if (lib !== 'connectors') await symlink(path.join(REPO, 'libs', lib), path.join(root, 'libs', lib));
  }
  for (const entry of await readdir(path.join(REPO, 'libs/connectors/src'))) {
    const from = path.join(REPO, 'libs/connectors/src', entry);
    const to = path.join(root, 'libs/connectors/src', entry);
    if (entry === 'connectors.catalogue.ts' || entry === 'index.ts') await copyFile(from, to);
    else await symlink(from, to);
  }
  await mkdir(path.join(root, 'contracts'));
  for (const entry of await readdir(path.join(REPO, 'contracts'))) await symlink(path.join(REPO, 'contracts', entry), path.join(root, 'contracts', entry));
  await mkdir(path.join(root, 'test/fixtures/ok'), { recursive: true });
  return root;
}

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function run(argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runConnectorNew(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

function node(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  // A clean environment for the child: no Jest worker settings of this run.
  const env = { ...process.env };
  delete env.JEST_WORKER_ID;
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** Every file below a folder, relative, sorted (links followed). */
async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('parseArguments', () => {
  it('reads the name and the options in any order, --opt=value too', () => {
    expect(parseArguments(['xbau', '--xsd', 'a.xsd', '--version=2.6', '--dry-run'])).toEqual({ request: { name: 'xbau', xsd: 'a.xsd', version: '2.6', dryRun: true } });
    expect(parseArguments(['--wsdl=s.wsdl', 'xbau', '--root', '/r'])).toEqual({ request: { name: 'xbau', wsdl: 's.wsdl', root: '/r', dryRun: false } });
    expect(parseArguments(['--help'])).toEqual({ help: true });
  });

  it.each([
    [[], 'no connector name given'],
    [['a', 'b'], 'one connector at a time (got a, b)'],
    [['a', '--xsd'], '--xsd needs a value'],
    [['a', '--xsd', '--dry-run'], '--xsd needs a value'],
    [['a', '--xsd', 'x', '--xsd', 'y'], '--xsd given twice'],
    [['a', '--force'], "unknown option '--force'"],
  ])('%j is a usage error: %s', (argv, error) => {
    expect(parseArguments(argv)).toEqual({ error });
  });
});

describe('npm run connector:new', () => {
  let root: string;

  beforeAll(async () => {
    root = await skeleton();
  });

  afterAll(async () => {
    await disposeXsdSchemas();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses a bad name, a reserved one, an existing connector and a missing file, writing nothing', async () => {
    const before = await listFiles(root);
    const cases: Array<[string[], RegExp]> = [
      [['XBau', '--xsd', XDOMEA_XSD], /"XBau" is not a connector name/],
      [['x_bau'], /not a connector name/],
      [['xbau-'], /not a connector name/],
      [['folder'], /"folder" is reserved/],
      [['xdomea', '--xsd', XDOMEA_XSD], /a connector "xdomea" exists already/],
      [['xbau', '--xsd', path.join(root, 'nicht-da.xsd')], /nicht-da\.xsd does not exist/],
      [['xbau', '--xsd', BLZ_WSDL], /is not an XML schema .*give it with --wsdl/],
      [['xbau', '--wsdl', XDOMEA_XSD], /is not a WSDL 1\.1 document .*give it with --xsd/],
      [['xbau', '--xsd', XDOMEA_XSD, '--version', '../x'], /is not a folder name/],
      [['xbau', '--xsd', XDOMEA_XSD, '--element', 'GibtEsNicht'], /no such global element; some it does: Abgabe\.Abgabe\.0401/],
      [['xbau', '--xsd', XDOMEA_XSD, '--sample', path.join(REPO, 'test/fixtures/not-ok/schema-invalid-xdomea.xml')], /is not valid against the schema/],
      [['xbau', '--xsd', XDOMEA_XSD, '--root', path.join(root, 'test')], /is not a Schnittstelle repository/],
      [['xbau', '--wsdl', BLZ_WSDL, '--sample', await firstUblSample()], /--sample and --element need --xsd/],
      [['xbau', '--xsd', UBL_XSD, '--sample', await firstUblSample(), '--element', 'Invoice'], /give --sample or --element, not both/],
    ];
    for (const [argv, message] of cases) {
      const result = await run([...argv, ...(argv.includes('--root') ? [] : ['--root', root])]);
      expect({ argv, code: result.code }).toEqual({ argv, code: EXIT_REFUSED });
      expect(result.err.join('\n')).toMatch(message);
      expect(result.err.join('\n')).toContain('nothing was written');
    }
    expect((await run(['xbau', '--root', root, '--colour', 'blau'])).code).toBe(EXIT_USAGE);
    expect(await listFiles(root)).toEqual(before);
  });

  it('--dry-run names every file and line it would make and writes none', async () => {
    const before = await listFiles(root);
    const result = await run(['xbau', '--xsd', XDOMEA_XSD, '--dry-run', '--root', root]);
    expect(result.code).toBe(EXIT_DONE);
    const out = result.out.join('\n');
    expect(out).toContain('would create libs/connectors/src/xbau/xbau.connector.ts');
    expect(out).toContain('would create contracts/xbau/3.0.0/xdomea_3.0.0/xdomea.xsd');
    expect(out).toContain('would create contracts/xbau/3.0.0/xoev/code/1_0/xoev-code.xsd');
    expect(out).toContain("would add to libs/connectors/src/index.ts: export * from './xbau/index.js';");
    expect(await listFiles(root)).toEqual(before);
    // The generator makes a valid minimal UBL invoice too (validated before anything would be written).
    const ubl = await run(['rechnung', '--xsd', UBL_XSD, '--dry-run', '--root', root]);
    expect(ubl.code).toBe(EXIT_DONE);
    expect(ubl.out.join('\n')).toContain('a minimal instance of {urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice generated from maindoc/UBL-Invoice-2.1.xsd and valid against it');
    expect(await listFiles(root)).toEqual(before);
  });

  describe('scaffolds, and the generated connectors pass their specs and the type check', () => {
    const made: Record<string, Run> = {};

    beforeAll(async () => {
      // A format connector on the xdomea 3.0.0 schema set (its ../xoev imports), with a generated instance.
      made.xbau = await run(['xbau', '--xsd', XDOMEA_XSD, '--root', root]);
      // UBL 2.1 with a real invoice as --sample, and a SOAP service in one connector.
      made['rechnung-soap'] = await run(['rechnung-soap', '--xsd', UBL_XSD, '--wsdl', BLZ_WSDL, '--sample', await firstUblSample(), '--version', '2.1', '--root', root]);
      // A transport on a WSDL that imports a WSDL that imports a schema.
      made['dms-ablage'] = await run(['dms-ablage', '--wsdl', WSDL_IMPORT, '--root', root]);
      // SOAP 1.2: the XTA 2 WSDL with its 14 schemas.
      made['xta-probe'] = await run(['xta-probe', '--wsdl', XTA_WSDL, '--version', '3.1.1', '--root', root]);
      // No schema at all: a format connector over plain XML with a placeholder fixture.
      made.notiz = await run(['notiz', '--root', root]);
    }, 60_000);

    it('reports success for each', () => {
      for (const [name, result] of Object.entries(made)) expect({ name, code: result.code, err: result.err }).toEqual({ name, code: EXIT_DONE, err: [] });
      expect(made.xbau!.out.join('\n')).toMatch(/a minimal instance of \{urn:xoev-de:xdomea:schema:3\.0\.0\}Abgabe\.Abgabe\.0401 generated from xdomea_3\.0\.0\/xdomea\.xsd and valid against it/);
      expect(made['dms-ablage']!.out.join('\n')).toContain('send calls getLatestVersion (service UserRemoteServiceImplService, port UserRemoteServiceImplPort, SOAP 1.1)');
    });

    it('copies each schema set byte for byte, with every file it includes or imports and nothing else', async () => {
      const expectCopies = async (target: string, sourceBase: string, expected: string[]) => {
        const files = (await listFiles(path.join(root, 'contracts', target))).filter((file) => file !== 'README.md');
        expect(files).toEqual([...expected].sort());
        for (const file of files) expect(await readFile(path.join(root, 'contracts', target, file))).toEqual(await readFile(path.join(sourceBase, file)));
      };
      // Of the 23 files in the xdomea folder, xdomea.xsd reaches 21: the second xoev-code.xsd and latinchars.xsd are named by no schema.
      const unreferenced = ['xdomea_3.0.0/xoev-code.xsd', 'xoev/latinchars/1_1/datatypes/latinchars.xsd'];
      const xdomeaFiles = (await listFiles(path.join(CONFORMANCE, 'xdomea/xsd'))).filter((file) => file.endsWith('.xsd') && !unreferenced.includes(file));
      expect(xdomeaFiles).toHaveLength(21);
      await expectCopies('xbau/3.0.0', path.join(CONFORMANCE, 'xdomea/xsd'), xdomeaFiles);
      // main.wsdl imports sub.wsdl, which imports xsd.xsd; overridden.wsdl beside them is not referenced.
      await expectCopies('dms-ablage/1.0', path.join(CONFORMANCE, 'wsdl/node-soap/wsdlImport'), ['main.wsdl', 'sub.wsdl', 'xsd.xsd']);
      const xtaFiles = (await listFiles(path.join(CONFORMANCE, 'wsdl/xta2-v3.1.1_it-at-m_Erzwingungshaft'))).filter((file) => file.endsWith('.xsd') || file.endsWith('.wsdl'));
      await expectCopies('xta-probe/3.1.1', path.join(CONFORMANCE, 'wsdl/xta2-v3.1.1_it-at-m_Erzwingungshaft'), [...xtaFiles, 'LICENSE']);
      const readme = await readFile(path.join(root, 'contracts/xbau/3.0.0/README.md'), 'utf8');
      expect(readme).toContain('entry file `xdomea_3.0.0/xdomea.xsd`, namespace `urn:xoev-de:xdomea:schema:3.0.0`');
      expect(readme).toContain('byte-identical copy');
      expect(readme).toMatch(/Licence: /);
    });

    it('writes a fixture that is valid against the vendored copy of the schema', async () => {
      const fixtures = await listFiles(path.join(root, 'test/fixtures/ok/xbau'));
      expect(fixtures).toEqual(['Abgabe.Abgabe.0401.xml', 'README.md']);
      const fixture = await readFile(path.join(root, 'test/fixtures/ok/xbau/Abgabe.Abgabe.0401.xml'));
      const schema = await loadXsdSchema(path.join(root, 'contracts/xbau/3.0.0/xdomea_3.0.0/xdomea.xsd'), { roots: [path.join(root, 'contracts/xbau/3.0.0')] });
      expect(schema.validate(fixture)).toEqual({ valid: true, errors: [] });
      // The XÖV header of the generated message is read like a real one.
      expect(inspectXml(fixture).xoev).toMatchObject({ standard: 'xdomea', version: '3.0.0', rootElement: 'Abgabe.Abgabe.0401', messageTypeCode: '0401' });
      // A given sample is copied as it is.
      const sample = await firstUblSample();
      expect(await readFile(path.join(root, 'test/fixtures/ok/rechnung-soap', path.basename(sample)))).toEqual(await readFile(sample));
    });

    it('registers each connector with one import, one list entry and one export line', async () => {
      const catalogue = await readFile(path.join(root, 'libs/connectors/src/connectors.catalogue.ts'), 'utf8');
      const original = await readFile(path.join(REPO, 'libs/connectors/src/connectors.catalogue.ts'), 'utf8');
      for (const [name, id] of [['xbau', 'xbauConnector'], ['rechnung-soap', 'rechnungSoapConnector'], ['dms-ablage', 'dmsAblageConnector'], ['xta-probe', 'xtaProbeConnector']] as const) {
        expect(catalogue).toContain(`import { ${id} } from './${name}/${name}.connector.js';`);
        expect(catalogue).toMatch(new RegExp(`BUILT_IN_CONNECTORS[^\\n]*Object\\.freeze\\(\\[[^\\]]*\\b${id}\\b`));
      }
      // Only lines were added: every line of the original is still there.
      for (const line of original.split('\n').filter((l) => !l.includes('BUILT_IN_CONNECTORS'))) expect(catalogue).toContain(line);
      const index = await readFile(path.join(root, 'libs/connectors/src/index.ts'), 'utf8');
      expect(index).toBe(`${await readFile(path.join(REPO, 'libs/connectors/src/index.ts'), 'utf8')}export * from './xbau/index.js';\nexport * from './rechnung-soap/index.js';\nexport * from './dms-ablage/index.js';\nexport * from './xta-probe/index.js';\nexport * from './notiz/index.js';\n`);
      // A second run for the same name is refused: the connector exists now.
      expect((await run(['xbau', '--xsd', XDOMEA_XSD, '--version', '9', '--root', root])).code).toBe(EXIT_REFUSED);
    });

    it('the generated specs pass under Jest', async () => {
      const config = path.join(root, 'jest.config.mjs');
      await writeFile(
        config,
        `export default ${JSON.stringify({
          rootDir: root,
          testEnvironment: 'node',
          extensionsToTreatAsEsm: ['.ts'],
          moduleNameMapper: { '^@app/(.*)$': '<rootDir>/libs/$1/src/index.ts', '^(\\.{1,2}/.*)\\.js$': '$1' },
          transform: { '^.+\\.ts$': [path.join(REPO, 'node_modules/ts-jest/dist/index.js'), { useESM: true, tsconfig: path.join(root, 'tsconfig.json') }] },
          testMatch: ['<rootDir>/libs/connectors/src/*/*.connector.spec.ts'],
        })};\n`,
      );
      const report = path.join(root, 'jest-report.json');
      const jest = await node(
        ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', path.join(REPO, 'node_modules/jest/bin/jest.js'), '--config', config, '--ci', '--json', '--outputFile', report],
        root,
      );
      const results = JSON.parse(await readFile(report, 'utf8')) as {
        numFailedTests: number;
        numPassedTests: number;
        testResults: Array<{ name: string; status: string; assertionResults: Array<{ title: string; status: string }> }>;
      };
      const suites = Object.fromEntries(results.testResults.map((suite) => [path.relative(root, suite.name), suite.assertionResults.map((a) => `${a.status}: ${a.title}`)]));
      expect({ code: jest.code, suites }).toEqual({
        code: 0,
        suites: {
          'libs/connectors/src/xbau/xbau.connector.spec.ts': [
            'passed: reads the fixture: text for the AI steps and the root element',
            'passed: refuses a message that is not well-formed',
            'passed: refuses a root element the schema does not declare, naming the schema',
            'passed: refuses a message of another namespace before validating it',
            'passed: writes the results as result XML that is valid against contracts/schnittstelle/v1/result.xsd',
          ],
          'libs/connectors/src/rechnung-soap/rechnung-soap.connector.spec.ts': [
            'passed: reads the fixture: text for the AI steps and the root element',
            'passed: refuses a message that is not well-formed',
            'passed: refuses a root element the schema does not declare, naming the schema',
            'passed: refuses a message of another namespace before validating it',
            'passed: writes the results as result XML that is valid against contracts/schnittstelle/v1/result.xsd',
            'passed: calls getBank once and says where the results went',
            'passed: a Client fault is permanent; a Server fault and HTTP 503 may pass later',
            'passed: a service nobody answers at is a retryable error',
          ],
          'libs/connectors/src/dms-ablage/dms-ablage.connector.spec.ts': [
            'passed: calls getLatestVersion once and says where the results went',
            'passed: a Client fault is permanent; a Server fault and HTTP 503 may pass later',
            'passed: a service nobody answers at is a retryable error',
          ],
          'libs/connectors/src/notiz/notiz.connector.spec.ts': [
            'passed: reads the fixture: text for the AI steps and the root element',
            'passed: refuses a message that is not well-formed',
            'passed: writes the results as result XML that is valid against contracts/schnittstelle/v1/result.xsd',
          ],
          'libs/connectors/src/xta-probe/xta-probe.connector.spec.ts': [
            expect.stringMatching(/^passed: calls \w+ once and says where the results went$/),
            'passed: a Client fault is permanent; a Server fault and HTTP 503 may pass later',
            'passed: a service nobody answers at is a retryable error',
          ],
        },
      });
    }, 120_000);

    it('the generated code and the edited catalogue and index pass the type check (strict, noUnusedLocals)', async () => {
      const generated = ['xbau', 'rechnung-soap', 'dms-ablage', 'xta-probe', 'notiz'];
      await writeFile(
        path.join(root, 'tsconfig.check.json'),
        JSON.stringify({
          extends: './tsconfig.json',
          // Links stay links, so every file is below rootDir and messages name the skeleton's paths.
          compilerOptions: { noEmit: true, preserveSymlinks: true },
          include: [...generated.map((name) => `libs/connectors/src/${name}/**/*.ts`), 'libs/connectors/src/connectors.catalogue.ts', 'libs/connectors/src/index.ts'],
        }),
      );
      const tsc = await node([path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.check.json', '--pretty', 'false'], root);
      // Others' unfinished work elsewhere in the tree is not this test's business; the generated files and the two edits are.
      const ours = tsc.output.split('\n').filter((line) => generated.some((name) => line.startsWith(`libs/connectors/src/${name}/`)) || /^libs\/connectors\/src\/(connectors\.catalogue|index)\.ts/.test(line));
      expect(ours).toEqual([]);
      // Configuration errors (no inputs, a file outside rootDir) would hide everything else.
      expect(tsc.output).not.toMatch(/error TS(5\d{3}|6053|6059|6307)\b/);
    }, 120_000);
  });

  it('leaves the repository as it was', async () => {
    const catalogue = await readFile(path.join(REPO, 'libs/connectors/src/connectors.catalogue.ts'), 'utf8');
    const index = await readFile(path.join(REPO, 'libs/connectors/src/index.ts'), 'utf8');
    for (const name of ['xbau', 'rechnung-soap', 'dms-ablage', 'xta-probe', 'notiz']) {
      for (const folder of ['libs/connectors/src', 'contracts', 'test/fixtures/ok']) expect(await exists(path.join(REPO, folder, name))).toBe(false);
      expect(catalogue).not.toContain(`./${name}/`);
      expect(index).not.toContain(`./${name}/`);
    }
  });
});

async function firstUblSample(): Promise<string> {
  const folder = path.join(CONFORMANCE, 'xrechnung/samples');
  const files = (await listFiles(folder)).filter((file) => file.endsWith('.xml') && /ubl/i.test(file));
  return path.join(folder, files[0]!);
}
