import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError } from '@app/contracts';
import { findCatalogueSchema, inspectXml, loadXsdSchema, XSD_CATALOGUE, XsdSchemaLoadError, type XsdSchemaValidator } from '@app/xml';

/** Exit codes: 0 valid, 1 invalid or refused, 2 usage error, unreadable file or unusable schema. */
export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** Largest file the CLI reads; above the gateway's 10 MiB default so operators can check big exports. */
export const CLI_MAX_BYTES = 64 * 1024 * 1024;

export interface CliIo {
  /** The verdict: `OK`, or one `<file>:<line>:<column>: <message>` line per error. */
  out(line: string): void;
  /** Everything else: which schema was used, refusals' context, usage. */
  err(line: string): void;
}

export interface CliOptions {
  /** The folder holding package.json and contracts/. */
  packageRoot: string;
  io?: CliIo;
}

export const USAGE = `Usage: schnittstelle validate <file> [--schema <xsd>] [--schema-root <folder>]...

  Checks an XML file (hardened reading first: DOCTYPEs, external entities and other hostile input
  are refused), then validates it against an XSD schema and prints OK or one line per error:
  <file>:<line>:<column>: <message>   (libxml2 gives column 0 for schema errors)

  Without --schema the schema is chosen from the vendored catalogue by the root element's namespace:
  ${XSD_CATALOGUE.map((entry) => `${entry.name} (${entry.namespace}${entry.rootElement ? `, ${entry.rootElement}` : ''})`).join('\n  ')}

  --schema <xsd>          validate against this schema instead
  --schema-root <folder>  a folder whose .xsd files the schema may include or import (repeatable); the
                          schema's own folder is always allowed, and for a schema inside contracts/ so is contracts/

Exit status: 0 valid, 1 invalid or refused, 2 usage error, unreadable file or unusable schema.`;

interface ValidateCommand {
  file: string;
  schema?: string;
  schemaRoots: string[];
}

type Parsed = { help: true } | { help?: false; command: ValidateCommand } | { help?: false; error: string };

/** Reads `validate <file> [--schema <xsd>] [--schema-root <dir>]...`; `--opt=value` works too. */
export function parseArguments(argv: readonly string[]): Parsed {
  if (argv.length === 0) return { error: 'no command given' };
  if (argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { help: true };
  const [command, ...rest] = argv;
  if (command !== 'validate') return { error: `unknown command '${command}'` };
  const files: string[] = [];
  const schemaRoots: string[] = [];
  let schema: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const argument = rest[i]!;
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    if (flag === '--schema' || flag === '--schema-root') {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '') return { error: `${flag} needs a value` };
      if (flag === '--schema-root') schemaRoots.push(value);
      else if (schema !== undefined) return { error: '--schema given twice' };
      else schema = value;
    } else if (argument.startsWith('-') && argument !== '-') {
      return { error: `unknown option '${argument}'` };
    } else {
      files.push(argument);
    }
  }
  if (files.length !== 1) return { error: files.length === 0 ? 'no file given' : `one file at a time (got ${files.length})` };
  const parsed: ValidateCommand = { file: files[0]!, schemaRoots };
  if (schema !== undefined) parsed.schema = schema;
  return { command: parsed };
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the command line and returns the exit code; prints through `io`. Never throws. */
export async function runCli(argv: readonly string[], options: CliOptions): Promise<number> {
  const io = options.io ?? processIo;
  const parsed = parseArguments(argv);
  if (parsed.help) {
    io.out(USAGE);
    return EXIT_VALID;
  }
  if ('error' in parsed) {
    io.err(`schnittstelle: ${parsed.error}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await validate(parsed.command, options.packageRoot, io);
  } catch (error) {
    if (error instanceof XsdSchemaLoadError) {
      io.err(`schnittstelle: ${error.message}`);
      if (error.refused.length > 0) io.err('  (allow a folder of schemas with --schema-root <folder>)');
      return EXIT_USAGE;
    }
    io.err(`schnittstelle: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_USAGE;
  }
}

async function validate(command: ValidateCommand, packageRoot: string, io: CliIo): Promise<number> {
  const { file } = command;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    io.err(`schnittstelle: cannot read ${file}: ${readProblem(error)}`);
    return EXIT_USAGE;
  }

  // The hardened reader first: whatever it refuses never reaches libxml2.
  let rootElement: string;
  let namespace: string | undefined;
  try {
    ({ rootElement, namespace } = inspectXml(bytes, { maxBytes: CLI_MAX_BYTES }));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.out(`${located(file, error.message)}refused (${error.code}): ${error.message}`);
    return EXIT_INVALID;
  }

  const contracts = path.join(packageRoot, 'contracts');
  let validator: XsdSchemaValidator;
  if (command.schema !== undefined) {
    const schema = path.resolve(command.schema);
    const roots = [path.dirname(schema), ...command.schemaRoots.map((root) => path.resolve(root))];
    if (isInside(schema, contracts)) roots.push(contracts);
    validator = await loadXsdSchema(schema, { roots });
    io.err(`schema: ${shown(validator.schemaPath)} (given with --schema)`);
  } else {
    const entry = findCatalogueSchema(namespace, rootElement);
    const qualified = namespace ? `{${namespace}}${rootElement}` : `${rootElement} (no namespace)`;
    if (!entry) {
      io.err(`schnittstelle: no schema in the catalogue for the root element ${qualified}; known: ${XSD_CATALOGUE.map((known) => known.name).join(', ')}. Give one with --schema <xsd>.`);
      return EXIT_USAGE;
    }
    validator = await loadXsdSchema(path.join(contracts, entry.schema), { roots: [path.join(contracts, entry.schemaRoot)] });
    io.err(`schema: ${entry.name}, ${shown(validator.schemaPath)} (chosen by the root element ${qualified})`);
  }

  let result;
  try {
    result = validator.validate(bytes);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.out(`${located(file, error.message)}refused (${error.code}): ${error.message}`);
    return EXIT_INVALID;
  }
  if (result.valid) {
    io.out('OK');
    return EXIT_VALID;
  }
  // One line per error: a line break inside a message (a quoted value can hold one) is shown as \n.
  for (const issue of result.errors) io.out(`${file}:${issue.line}:${issue.column}: ${issue.message.replace(/\r?\n/g, '\\n')}`);
  return EXIT_INVALID;
}

/** `<file>:<line>:<column>: ` when a refusal names its place ("line 3, column 7"), else `<file>: `. */
function located(file: string, message: string): string {
  const place = /line (\d+), column (\d+)/.exec(message);
  return place ? `${file}:${place[1]}:${place[2]}: ` : `${file}: `;
}

function readProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** A path relative to the working folder when it lies below it, else absolute. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

// `node dist/apps/cli/src/main.js validate ...` works as well as bin/schnittstelle.js.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2), { packageRoot: fileURLToPath(new URL('../../../../', import.meta.url)) });
}
