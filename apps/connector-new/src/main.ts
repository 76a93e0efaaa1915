import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { disposeXsdSchemas } from '@app/xml';
import { scaffoldConnector, ScaffoldRefusal, type ScaffoldRequest } from './connector-new.scaffold.js';

/** Exit codes: 0 made (or planned with --dry-run), 1 refused (nothing written), 2 usage error. */
export const EXIT_DONE = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

export const USAGE = `Usage: npm run connector:new -- <name> [--xsd <file>] [--wsdl <file>] [--version <v>]
                             [--element <name>] [--sample <file>] [--dry-run] [--root <dir>]

  Makes a connector for a standard: libs/connectors/src/<name>/ (connector, index, a spec that passes),
  the schemas copied unmodified with everything they include or import into contracts/<name>/<version>/
  with a README stub for source and licence, a fixture in test/fixtures/ok/<name>/, and registers it in
  libs/connectors/src/connectors.catalogue.ts and libs/connectors/src/index.ts. Nothing else changes.

  <name>            the name routes use: lower-case letters, digits, "-" (e.g. xbau)
  --xsd <file>      the standard's schema: a format connector (parse, validate, toDocument, fromResult)
  --wsdl <file>     a SOAP service: a transport connector whose send calls the WSDL's first operation
  --version <v>     the contract folder's version (default: the schema's version attribute, else 1.0)
  --element <name>  the global element the generated fixture is an instance of (default: the first one)
  --sample <file>   a real message as fixture instead of a generated instance (checked against the schema)
  --dry-run         say what would be made, write nothing
  --root <dir>      the repository (default: the one this command belongs to)

  Paths are taken relative to the working folder (npm runs scripts in the repository root).
  See docs/connectors.md.

Exit status: 0 made, 1 refused (nothing written), 2 usage error.`;

export interface ConnectorNewIo {
  out(line: string): void;
  err(line: string): void;
}

type Parsed = { help: true } | { request: Omit<ScaffoldRequest, 'root'> & { root?: string } } | { error: string };

const VALUE_OPTIONS = ['--xsd', '--wsdl', '--version', '--element', '--sample', '--root'] as const;

/** Reads `<name> [--option value]... [--dry-run]`; `--option=value` works too. */
export function parseArguments(argv: readonly string[]): Parsed {
  if (argv.includes('-h') || argv.includes('--help')) return { help: true };
  const names: string[] = [];
  const values = new Map<string, string>();
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') {
      dryRun = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      names.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const option = eq === -1 ? arg : arg.slice(0, eq);
    if (!(VALUE_OPTIONS as readonly string[]).includes(option)) return { error: `unknown option '${option}'` };
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) return { error: `${option} needs a value` };
    if (values.has(option)) return { error: `${option} given twice` };
    values.set(option, value);
  }
  if (names.length === 0) return { error: 'no connector name given' };
  if (names.length > 1) return { error: `one connector at a time (got ${names.join(', ')})` };
  const request: Omit<ScaffoldRequest, 'root'> & { root?: string } = { name: names[0]!, dryRun };
  const set = (option: (typeof VALUE_OPTIONS)[number], key: 'xsd' | 'wsdl' | 'version' | 'element' | 'sample' | 'root') => {
    const value = values.get(option);
    if (value !== undefined) request[key] = value;
  };
  set('--xsd', 'xsd');
  set('--wsdl', 'wsdl');
  set('--version', 'version');
  set('--element', 'element');
  set('--sample', 'sample');
  set('--root', 'root');
  return { request };
}

/** The repository this file belongs to: the nearest folder up with the project's package.json. */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'schnittstelle') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (dir === path.dirname(dir)) return process.cwd();
  }
}

const defaultIo: ConnectorNewIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };

export async function runConnectorNew(argv: readonly string[], io: ConnectorNewIo = defaultIo): Promise<number> {
  const parsed = parseArguments(argv);
  if ('help' in parsed) {
    io.out(USAGE);
    return EXIT_DONE;
  }
  if ('error' in parsed) {
    io.err(`connector:new: ${parsed.error}`);
    io.err(USAGE);
    return EXIT_USAGE;
  }
  const request: ScaffoldRequest = { ...parsed.request, root: parsed.request.root ?? packageRoot() };
  try {
    const report = await scaffoldConnector(request);
    io.out(request.dryRun ? `would make connector "${request.name}" (dry run, nothing written):` : `made connector "${request.name}":`);
    for (const file of report.created) io.out(`  ${request.dryRun ? 'would create' : 'created'} ${file}`);
    for (const edit of report.changed) for (const line of edit.added) io.out(`  ${request.dryRun ? 'would add to' : 'added to'} ${edit.file}: ${line.trim()}`);
    for (const note of report.notes) io.out(`  ${note}`);
    return EXIT_DONE;
  } catch (error) {
    if (error instanceof ScaffoldRefusal) {
      io.err(`connector:new: ${error.message}`);
      io.err('nothing was written.');
      return EXIT_REFUSED;
    }
    throw error;
  } finally {
    await disposeXsdSchemas();
  }
}

// `node dist/apps/connector-new/src/main.js <name> ...`, which `npm run connector:new` runs after the build.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runConnectorNew(process.argv.slice(2));
}
