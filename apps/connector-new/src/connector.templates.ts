import type { WsdlOperationFacts } from './wsdl-operation.reader.js';

/** What the files of a new connector are made from. */
export interface TemplateInput {
  name: string;
  /** `xbau-2` -> `xbau2`: the start of every identifier. */
  camel: string;
  /** `XBAU2`: the start of every constant. */
  constant: string;
  pascal: string;
  version: string;
  /** The contract folder below `contracts/`, `xbau/2.6`. */
  contractDir: string;
  xsd?: {
    /** Entry file below `contracts/`. */
    entry: string;
    /** Target namespace of the root element the fixture has ('' for none). */
    namespace: string;
  };
  wsdl?: {
    entry: string;
    operation: WsdlOperationFacts;
  };
  fixture: {
    /** File name in `test/fixtures/ok/<name>/`. */
    file: string;
    rootElement: string;
    /** Namespace of the fixture's root element, if any. */
    namespace?: string;
  };
}

const js = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function qualified(name: { ns?: string; local: string } | undefined): string {
  return name ? (name.ns ? `{${name.ns}}${name.local}` : name.local) : 'not named by the WSDL';
}

/** `<name>.connector.ts` */
export function renderConnector(t: TemplateInput): string {
  const format = t.xsd !== undefined || t.wsdl === undefined;
  const { camel, constant, pascal } = t;
  const connector = `${camel}Connector`;
  const parsed = `Parsed${pascal}`;
  const options = `${pascal}Options`;
  const op = t.wsdl?.operation;

  const header: string[] = [`/**`, ` * The ${t.name} connector.`, ' *'];
  if (format) {
    header.push(
      ' *   parse       hardened XML reading (inspectXml: no DTD, the route\'s size, depth and attribute limits)' + (t.xsd ? `;\n *               a root element outside ${t.xsd.namespace || 'no namespace'} is refused (422).` : '.'),
    );
    if (t.xsd) header.push(` *   validate    against the vendored schema contracts/${t.xsd.entry}, compiled once per process.`);
    header.push(
      ' *   toDocument  the readable text for the AI steps, the root element and the XÖV header when there is one.',
      ' *   fromResult  the generic result XML (contracts/schnittstelle/v1/result.xsd) with the AI labels.',
    );
  }
  if (op && t.wsdl) {
    header.push(` *   send        calls ${op.operation} (port ${op.port}, SOAP ${op.soapVersion}) of contracts/${t.wsdl.entry};`, ` *               the request is built in ${camel}Request: map its fields there.`);
  }
  header.push(' *', ` * Made by \`npm run connector:new\`; the places to extend are marked TODO. See docs/connectors.md.`, ' */');

  const imports: string[] = [];
  if (t.xsd || t.wsdl) imports.push(`import path from 'node:path';`);
  imports.push(`import { z } from 'zod';`);
  if (format) imports.push(`import { InputError, type StepResult } from '@app/contracts';`);
  if (t.wsdl) imports.push(`import { SoapCaller } from '@app/soap';`);
  if (format) imports.push(`import { extractText, inspectXml${t.xsd ? ', loadXsdSchema' : ''}, type XmlInspection } from '@app/xml';`);
  if (format) imports.push(`import { renderResultXml } from '../result-xml.renderer.js';`);
  const sdk = ['defineConnector'];
  if (format) sdk.push('xmlLimitsOf');
  if (t.wsdl) sdk.push('type ConnectorContext', 'type ConnectorResult', 'type OutboundMessage');
  imports.push(`import { ${sdk.join(', ')} } from '../sdk/index.js';`);

  const constants: string[] = [`/** The vendored contract below \`contracts/\`; the README.md there names its source and licence. */`, `export const ${constant}_CONTRACT_DIR = ${js(t.contractDir)};`];
  if (t.xsd) {
    constants.push(
      `/** The schema's entry file below \`contracts/\`. */`,
      `export const ${constant}_SCHEMA = ${js(t.xsd.entry)};`,
      `/** Namespace of the messages this connector reads (the schema's target namespace). */`,
      `export const ${constant}_NAMESPACE = ${js(t.xsd.namespace)};`,
    );
  }
  if (t.wsdl && op) {
    constants.push(
      `/** The service description below \`contracts/\`. */`,
      `export const ${constant}_WSDL = ${js(t.wsdl.entry)};`,
      `/** The operation \`send\` calls: the first of port ${op.port} (service ${op.service}). */`,
      `export const ${constant}_OPERATION = ${js(op.operation)};`,
    );
  }
  if (format && t.xsd) constants.push('', '/** Schema errors named in one refusal; the rest are counted. */', 'const MAX_REPORTED_ERRORS = 20;');

  const optionLines: string[] = ['  // TODO: the options a route gives this connector, e.g. `strict: z.boolean().default(true)`.'];
  if (t.wsdl && op) {
    optionLines.push(
      `  /** The service's address; without it the WSDL's own${op.location ? ` (${op.location.replace(/\*\//g, '*\\/')})` : ''}. */`,
      `  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),`,
      '  /** Upper bound for one call, connect to last byte. */',
      '  timeoutMs: z.int().min(100).max(600_000).default(30_000),',
      `  soapVersion: z.enum(['1.1', '1.2']).default(${js(op.soapVersion)}),`,
    );
  }

  const out: string[] = [...header, ...imports, '', ...constants, '', `export const ${camel}OptionsSchema = z.strictObject({`, ...optionLines, '});', '', `export type ${options} = z.output<typeof ${camel}OptionsSchema>;`, ''];
  if (format) {
    out.push(`/** A message as parse leaves it for validate and toDocument. */`, `export interface ${parsed} {`, '  body: Buffer;', '  inspection: XmlInspection;', '}', '');
  }
  if (t.wsdl && op) out.push(...transportHelpers(t, op, options));

  out.push(`export const ${connector} = defineConnector<${options}${format ? `, ${parsed}` : ''}>({`, `  name: ${js(t.name)},`);
  out.push(`  // TODO: one line for operators: which standard, which messages, which version.`);
  out.push(`  description: ${js(describe(t))},`, `  options: ${camel}OptionsSchema,`);
  if (format) out.push('', ...formatHooks(t));
  if (t.wsdl && op) out.push('', ...sendHook(t));
  out.push('});', '');
  return out.join('\n');
}

function describe(t: TemplateInput): string {
  const parts: string[] = [];
  if (t.xsd) parts.push(`${t.name} ${t.version} messages (${t.xsd.namespace || 'no namespace'}), checked against contracts/${t.xsd.entry}`);
  else if (!t.wsdl) parts.push(`${t.name} XML messages`);
  if (t.wsdl) parts.push(`sends results with ${t.wsdl.operation.operation} of contracts/${t.wsdl.entry}`);
  return parts.join('; ');
}

function formatHooks(t: TemplateInput): string[] {
  const c = t.constant;
  const lines: string[] = ['  parse(input, ctx) {', '    const inspection = inspectXml(input.body, xmlLimitsOf(ctx.limits));'];
  if (t.xsd) {
    lines.push(
      `    if ((inspection.namespace ?? '') !== ${c}_NAMESPACE) {`,
      '      const found = inspection.namespace ? `{${inspection.namespace}}${inspection.rootElement}` : `${inspection.rootElement} (no namespace)`;',
      `      throw new InputError(\`not a ${t.name} message: expected a root element in \${${c}_NAMESPACE || 'no namespace'}, found \${found}\`, 'wrong-namespace', 422);`,
      '    }',
    );
  } else {
    lines.push('    // TODO: refuse what is not this standard (root element, namespace) with an InputError (422) naming what was found.');
  }
  lines.push('    return { body: input.body, inspection };', '  },', '');
  if (t.xsd) {
    lines.push(
      `  async validate(parsed, ctx) {`,
      '    // TODO: business rules the schema cannot express go after this check, each refusal an InputError naming the problem.',
      '    // Compiled on first use and kept; includes and imports resolve only to .xsd files of the contract folder.',
      `    const schema = await loadXsdSchema(path.join(ctx.contractsDir, ${c}_SCHEMA), { roots: [path.join(ctx.contractsDir, ${c}_CONTRACT_DIR)] });`,
      '    const result = schema.validate(parsed.body);',
      '    if (result.valid) return;',
      '    const shown = result.errors.slice(0, MAX_REPORTED_ERRORS).map((e) => `line ${e.line}: ${e.message}`);',
      "    const more = result.errors.length > shown.length ? `; and ${result.errors.length - shown.length} more` : '';",
      `    throw new InputError(\`the message is not valid against \${${c}_SCHEMA}: \${shown.join('; ')}\${more}\`, 'schema-invalid', 422);`,
      '  },',
      '',
    );
  }
  lines.push(
    '  toDocument(parsed) {',
    '    const { inspection } = parsed;',
    '    // TODO: a text made for the AI steps (see renderInvoiceText in ../xrechnung) and `fields` read by rules.',
    '    const text = extractText(inspection);',
    "    if (text.trim() === '') throw new InputError('the message holds no text to work on', 'no-text', 422);",
    '    return {',
    "      kind: 'xml' as const,",
    '      text,',
    '      rootElement: inspection.rootElement,',
    '      ...(inspection.xoev ? { xoev: inspection.xoev } : {}),',
    '      fields: { messageType: inspection.rootElement },',
    '      warnings: [...inspection.warnings],',
    '    };',
    '  },',
    '',
    '  fromResult(result, ctx) {',
    '    // TODO: the standard\'s own reply message instead, if it defines one (see the 0502 reply in ../xdomea).',
    '    const results = ctx.route.steps.map((step) => result.status.results[step.id]).filter((r): r is StepResult => r !== undefined);',
    '    const xml = renderResultXml({ document: result.document, results, routeId: ctx.route.id, writtenAt: result.writtenAt });',
    '    // Facts a transport may use for addressing (the xta2 connector reads processId, messageType, ...).',
    '    const meta: Record<string, string> = {};',
    '    if (result.document.xoev?.processId) meta.processId = result.document.xoev.processId;',
    "    return { body: Buffer.from(xml, 'utf8'), mediaType: 'application/xml', filename: `${result.document.id}.xml`, meta };",
    '  },',
  );
  return lines;
}

function transportHelpers(t: TemplateInput, op: WsdlOperationFacts, options: string): string[] {
  const c = t.constant;
  const fields = op.fields.length
    ? op.fields.map((f) => ` *     ${f.name}: ${f.type}${f.required ? ' (required)' : ''}${f.repeated ? ' (repeated)' : ''}`)
    : [' *     (the WSDL\'s types name none; see the WSDL)'];
  return [
    '/** One SoapCaller per route options object: the WSDL is read and parsed once, not per document. */',
    'const callers = new WeakMap<object, Promise<SoapCaller>>();',
    '',
    `function callerFor(ctx: ConnectorContext<${options}>): Promise<SoapCaller> {`,
    '  let caller = callers.get(ctx.options);',
    '  if (!caller) {',
    '    caller = SoapCaller.create({',
    `      wsdlPath: path.join(ctx.contractsDir, ${c}_WSDL),`,
    '      ...(ctx.options.endpoint ? { endpoint: ctx.options.endpoint } : {}),',
    '      soapVersion: ctx.options.soapVersion,',
    '      timeoutMs: ctx.options.timeoutMs,',
    '    });',
    '    callers.set(ctx.options, caller);',
    '    // A failed start (an unusable WSDL) is not kept: the next document tries again.',
    '    caller.catch(() => callers.delete(ctx.options));',
    '  }',
    '  return caller;',
    '}',
    '',
    '/**',
    ` * The request of ${op.operation}. TODO: MAP THE FIELDS HERE. Its element is ${qualified(op.input)}, with`,
    ' * these children according to the WSDL:',
    ...fields,
    ' * `message` is what fromResult built (the result XML, or the route connector\'s reply); `result.document`',
    ' * holds the document\'s facts (`fields`, `xoev`, `transport`) and `result.status.results` the AI steps\'',
    ' * outputs. AI output written back keeps its AI label (result.status.results[step].label).',
    ' */',
    `export function ${t.camel}Request(message: OutboundMessage, result: ConnectorResult): Record<string, unknown> {`,
    "  // e.g. return { documentId: result.document.id, content: message.body.toString('base64') };",
    '  return {};',
    '}',
    '',
  ];
}

function sendHook(t: TemplateInput): string[] {
  const c = t.constant;
  return [
    '  async send(message, result, ctx) {',
    '    const caller = await callerFor(ctx);',
    '    // Runs at most once per document unless it throws: the write-back records the receipt right after.',
    '    // SoapCaller throws RetryableError (timeout, HTTP 5xx, soap:Server) or PermanentError (soap:Client, HTTP 4xx).',
    '    // TODO: if the service takes an id of its own, give it result.document.id, so a repeated call is recognised.',
    `    await caller.call(${c}_OPERATION, ${t.camel}Request(message, result));`,
    `    return { location: \`\${${c}_OPERATION} at \${caller.endpoint} (document \${result.document.id})\` };`,
    '  },',
  ];
}

/** `index.ts` of the connector's folder. */
export function renderIndex(t: TemplateInput): string {
  const format = t.xsd !== undefined || t.wsdl === undefined;
  const names = [`${t.camel}Connector`, `${t.camel}OptionsSchema`, `type ${t.pascal}Options`];
  if (format) names.push(`type Parsed${t.pascal}`);
  if (t.wsdl) names.push(`${t.camel}Request`);
  return `export { ${names.join(', ')} } from './${t.name}.connector.js';\n`;
}

/** `<name>.connector.spec.ts`: passes as generated, against the fixture and the vendored contract. */
export function renderSpec(t: TemplateInput): string {
  const format = t.xsd !== undefined || t.wsdl === undefined;
  const { camel, constant, pascal } = t;
  const connector = `${camel}Connector`;
  const op = t.wsdl?.operation;

  const contractsImports = ['DigitalSourceType', 'routesFileSchema', 'type Route', 'type CanonicalDocument', 'type DocumentStatus'];
  if (format) contractsImports.unshift('InputError');
  if (t.wsdl) contractsImports.unshift('PermanentError', 'RetryableError');
  const nodeImports: string[] = [];
  if (format) nodeImports.push(`import { readFileSync } from 'node:fs';`);
  if (t.wsdl) nodeImports.push(`import http from 'node:http';`, `import type { AddressInfo } from 'node:net';`);
  if (format) nodeImports.push(`import path from 'node:path';`);
  nodeImports.push(`import { fileURLToPath } from 'node:url';`);
  const exported = [connector, `type ${pascal}Options`];
  if (t.wsdl) exported.push(`${constant}_OPERATION`);

  const out: string[] = [
    `import { ${['afterAll', ...(t.wsdl ? ['beforeAll'] : []), 'describe', 'expect', 'it'].join(', ')} } from '@jest/globals';`,
    ...nodeImports,
    `import { ${contractsImports.join(', ')} } from '@app/contracts';`,
    format ? `import { disposeXsdSchemas, loadXsdSchema } from '@app/xml';` : '',
    `import { checkRouteConnectors, connectorContext, ConnectorRegistry, type ConnectorContext, type ConnectorResult } from '../sdk/index.js';`,
    `import { ${exported.join(', ')} } from './${t.name}.connector.js';`,
  ].filter((line) => line !== '');
  out.push('', `const CONTRACTS = fileURLToPath(new URL('../../../../contracts', import.meta.url));`);
  if (format) out.push(`const FIXTURE = fileURLToPath(new URL(${js(`../../../../test/fixtures/ok/${t.name}/${t.fixture.file}`)}, import.meta.url));`);
  out.push(
    '',
    '/** A route as the routes file gives it, its connector options checked as at start. */',
    `function route(${t.wsdl ? 'endpoint: string' : ''}): Route {`,
    '  const file = routesFileSchema.parse({',
    '    routes: {',
    '      probe: {',
    ...(format ? [`        connector: ${js(t.name)},`] : []),
    "        steps: [{ id: 'sprache', task: 'detect-language' }],",
    `        writeback: ${t.wsdl ? `{ type: ${js(t.name)}, endpoint, timeoutMs: 5000 }` : "{ type: 'folder' }"},`,
    '      },',
    '    },',
    '  });',
    `  const checked = checkRouteConnectors([{ id: 'probe', ...file.routes.probe! }], new ConnectorRegistry([${connector}]));`,
    '  expect(checked.issues).toEqual([]);',
    '  return checked.routes[0]!;',
    '}',
    '',
    `function contextFor(route: Route, ref: { connector: string; options: Record<string, unknown> }): ConnectorContext<${pascal}Options> {`,
    `  return connectorContext<${pascal}Options>({`,
    '    route,',
    '    ref,',
    '    contractsDir: CONTRACTS,',
    '    configDir: process.cwd(),',
    '    defaultMaxBodyBytes: 10 * 1024 * 1024,',
    '    log: { info: () => undefined, warn: () => undefined },',
    '  });',
    '}',
    '',
    '/** What the write-back hands fromResult and send for a document with one AI result. */',
    'function resultFor(body: Buffer): ConnectorResult {',
    '  const document: CanonicalDocument = {',
    "    id: 'probe-0001',",
    "    routeId: 'probe',",
    "    channel: 'rest',",
    "    kind: 'xml',",
    "    contentType: 'application/xml',",
    '    sizeBytes: body.length,',
    "    sha256: '0'.repeat(64),",
    "    receivedAt: '2025-01-31T12:00:00.000Z',",
    `    rootElement: ${js(t.fixture.rootElement)},`,
    '  };',
    '  const status: DocumentStatus = {',
    '    document,',
    "    state: 'processing',",
    '    steps: [],',
    '    results: {',
    '      sprache: {',
    "        step: 'sprache',",
    "        task: 'detect-language',",
    "        output: { language: 'deu', confidence: 0.9 },",
    "        label: { aiGenerated: true, digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', model: 'franc-min', generatedAt: '2025-01-31T12:00:01.000Z', reviewState: 'unreviewed' },",
    '      },',
    '    },',
    '  };',
    "  return { document, status, body, writtenAt: '2025-01-31T12:00:02.000Z' };",
    '}',
    '',
  );
  if (format) out.push(...formatSpec(t));
  if (t.wsdl && op) out.push(...transportSpec(t, op));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function formatSpec(t: TemplateInput): string[] {
  const connector = `${t.camel}Connector`;
  const lines: string[] = [
    `describe('${connector}: reading messages as intake does (parse, validate, toDocument)', () => {`,
    `  const probe = route(${t.wsdl ? "'http://127.0.0.1:9/'" : ''});`,
    '  const ctx = contextFor(probe, probe.connector!);',
    '',
    '  async function read(body: Buffer) {',
    `    const parsed = await ${connector}.parse!({ body, mediaType: 'application/xml' }, ctx);`,
    `    await ${connector}.validate?.(parsed, ctx);`,
    `    return ${connector}.toDocument!(parsed, ctx);`,
    '  }',
    '',
    '  async function refusal(body: Buffer): Promise<InputError> {',
    '    try {',
    '      await read(body);',
    '    } catch (error) {',
    '      expect(error).toBeInstanceOf(InputError);',
    '      return error as InputError;',
    '    }',
    "    throw new Error('expected an InputError, but the message was taken');",
    '  }',
    '',
    '  afterAll(() => disposeXsdSchemas());',
    '',
    `  it('reads the fixture: text for the AI steps and the root element', async () => {`,
    '    const document = await read(readFileSync(FIXTURE));',
    "    expect(document.kind).toBe('xml');",
    `    expect(document.rootElement).toBe(${js(t.fixture.rootElement)});`,
    "    expect(document.text.trim()).not.toBe('');",
    '  });',
    '',
    `  it('refuses a message that is not well-formed', async () => {`,
    "    const xml = readFileSync(FIXTURE, 'utf8').trimEnd();",
    "    const error = await refusal(Buffer.from(xml.slice(0, xml.lastIndexOf('<')), 'utf8'));",
    "    expect(error.code).toBe('not-xml');",
    '  });',
  ];
  if (t.xsd) {
    lines.push(
      '',
      '  /** The fixture with its root element renamed: still well-formed, same namespace. */',
      '  function withRootRenamed(xml: string, local: string): string {',
      '    const start = /<(?![?!])([^\\s/>]+)/.exec(xml)!;',
      '    const name = start[1]!;',
    "    const renamed = name.includes(':') ? `${name.slice(0, name.indexOf(':'))}:${local}` : local;",
      '    const end = xml.lastIndexOf(`</${name}`);',
      '    const head = `${xml.slice(0, start.index)}<${renamed}${xml.slice(start.index + 1 + name.length, end === -1 ? undefined : end)}`;',
      '    return end === -1 ? head : `${head}</${renamed}${xml.slice(end + 2 + name.length)}`;',
      '  }',
      '',
      `  it('refuses a root element the schema does not declare, naming the schema', async () => {`,
      "    const error = await refusal(Buffer.from(withRootRenamed(readFileSync(FIXTURE, 'utf8'), 'SchnittstelleUnbekannt'), 'utf8'));",
      "    expect(error.code).toBe('schema-invalid');",
      '    expect(error.httpStatus).toBe(422);',
      `    expect(error.message).toContain(${js(t.xsd.entry)});`,
      '  });',
      '',
      `  it('refuses a message of another namespace before validating it', async () => {`,
      `    const error = await refusal(Buffer.from('<?xml version="1.0"?><Nachricht xmlns="urn:example:anderer-standard"><Text>Hallo</Text></Nachricht>', 'utf8'));`,
      "    expect(error.code).toBe('wrong-namespace');",
      '  });',
    );
  }
  lines.push(
    '',
    `  it('writes the results as result XML that is valid against contracts/schnittstelle/v1/result.xsd', async () => {`,
    `    const message = await ${connector}.fromResult!(resultFor(readFileSync(FIXTURE)), ctx);`,
    "    expect(message.mediaType).toBe('application/xml');",
    "    expect(message.filename).toBe('probe-0001.xml');",
    "    const schema = await loadXsdSchema(path.join(CONTRACTS, 'schnittstelle/v1/result.xsd'));",
    '    expect(schema.validate(message.body)).toEqual({ valid: true, errors: [] });',
    `    expect(message.body.toString('utf8')).toContain('aiGenerated="true"');`,
    '  });',
    '});',
    '',
  );
  return lines;
}

function transportSpec(t: TemplateInput, op: WsdlOperationFacts): string[] {
  const connector = `${t.camel}Connector`;
  const soap12 = op.soapVersion === '1.2';
  const envelope = soap12 ? 'http://www.w3.org/2003/05/soap-envelope' : 'http://schemas.xmlsoap.org/soap/envelope/';
  const contentType = soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
  const outputElement = !op.output ? '' : op.output.ns ? `<o:${op.output.local} xmlns:o="${op.output.ns}"/>` : `<${op.output.local}/>`;
  const okBody = `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${envelope}"><env:Body>${outputElement}</env:Body></env:Envelope>`;
  const fault = (code: string) =>
    soap12
      ? `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${envelope}"><env:Body><env:Fault><env:Code><env:Value>env:${code === 'client' ? 'Sender' : 'Receiver'}</env:Value></env:Code><env:Reason><env:Text xml:lang="de">Anfrage abgelehnt</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`
      : `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${envelope}"><env:Body><env:Fault><faultcode>env:${code === 'client' ? 'Client' : 'Server'}</faultcode><faultstring>Anfrage abgelehnt</faultstring></env:Fault></env:Body></env:Envelope>`;
  const requestElement = op.input?.local ?? op.operation;
  return [
    `describe('${connector}: sending results as the write-back does (send)', () => {`,
    '  /** A stand-in for the legacy service: records each request and answers as `answer` says. */',
    '  const requests: Array<{ contentType: string; body: string }> = [];',
    `  const OK = { status: 200, body: ${js(okBody)} };`,
    '  let answer = OK;',
    '  let server: http.Server;',
    '  let endpoint: string;',
    '',
    '  beforeAll(async () => {',
    '    server = http.createServer((req, res) => {',
    '      const chunks: Buffer[] = [];',
    "      req.on('data', (chunk: Buffer) => chunks.push(chunk));",
    "      req.on('end', () => {",
    "        requests.push({ contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });",
    `        res.writeHead(answer.status, { 'content-type': ${js(contentType)} });`,
    '        res.end(answer.body);',
    '      });',
    '    });',
    "    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));",
    '    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/service`;',
    '  });',
    '',
    '  afterAll(async () => {',
    '    server.closeAllConnections();',
    '    await new Promise<void>((resolve) => server.close(() => resolve()));',
    '  });',
    '',
    '  function contextAt(address: string) {',
    '    const probe = route(address);',
    "    if (probe.writeback.type !== 'connector') throw new Error('the route writes back by another way');",
    '    return contextFor(probe, probe.writeback);',
    '  }',
    '',
    "  const message = { body: Buffer.from('<Result/>', 'utf8'), mediaType: 'application/xml', filename: 'probe-0001.xml' };",
    '',
    `  it('calls ${op.operation} once and says where the results went', async () => {`,
    '    requests.length = 0;',
    '    answer = OK;',
    `    const receipt = await ${connector}.send!(message, resultFor(message.body), contextAt(endpoint));`,
    `    expect(receipt.location).toContain(${t.constant}_OPERATION);`,
    '    expect(receipt.location).toContain(endpoint);',
    '    expect(requests).toHaveLength(1);',
    `    expect(requests[0]!.body).toContain(${js(requestElement)});`,
    `    expect(requests[0]!.contentType).toContain(${js(soap12 ? 'application/soap+xml' : 'text/xml')});`,
    '  });',
    '',
    `  it('a Client fault is permanent; a Server fault and HTTP 503 may pass later', async () => {`,
    '    const ctx = contextAt(endpoint);',
    `    answer = { status: 500, body: ${js(fault('client'))} };`,
    `    await expect(${connector}.send!(message, resultFor(message.body), ctx)).rejects.toBeInstanceOf(PermanentError);`,
    `    answer = { status: 500, body: ${js(fault('server'))} };`,
    `    await expect(${connector}.send!(message, resultFor(message.body), ctx)).rejects.toBeInstanceOf(RetryableError);`,
    "    answer = { status: 503, body: 'busy' };",
    `    await expect(${connector}.send!(message, resultFor(message.body), ctx)).rejects.toBeInstanceOf(RetryableError);`,
    '    answer = OK;',
    '  });',
    '',
    `  it('a service nobody answers at is a retryable error', async () => {`,
    '    const closed = http.createServer();',
    "    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));",
    '    const port = (closed.address() as AddressInfo).port;',
    '    await new Promise<void>((resolve) => closed.close(() => resolve()));',
    `    await expect(${connector}.send!(message, resultFor(message.body), contextAt(\`http://127.0.0.1:\${port}/service\`))).rejects.toBeInstanceOf(RetryableError);`,
    '  });',
    '});',
    '',
  ];
}

/** `contracts/<name>/<version>/README.md`: a stub the developer completes with source and licence. */
export function renderContractsReadme(input: {
  name: string;
  version: string;
  entries: Array<{ kind: 'XML schema' | 'WSDL'; entry: string; given: string; namespace?: string }>;
  files: Array<{ relative: string; source: string }>;
  notices: string[];
}): string {
  const lines = [
    `# ${input.name} ${input.version} (vendored, unmodified)`,
    '',
    `The contract of the \`${input.name}\` connector (\`libs/connectors/src/${input.name}/\`), which loads it from here at run time.`,
    '',
    ...input.entries.map((e) => `- ${e.kind}, entry file \`${e.entry}\`${e.namespace !== undefined ? `, namespace \`${e.namespace || '(none)'}\`` : ''}; copied from \`${e.given}\`.`),
    '',
    '**Every file below this folder except this README is an unmodified, byte-identical copy** of its source.',
    'Do not edit, reformat or "fix" them; replace them as a whole with a newer published version instead.',
    '',
    '| file | copied from |',
    '|---|---|',
    ...input.files.map((f) => `| \`${f.relative}\` | \`${f.source}\` |`),
    '',
    'TODO before this is committed (see "Vendoring the schemas" in docs/connectors.md):',
    '',
    '- Source: the publisher and the exact place the files come from (repository @ commit and folder, or the',
    '  download address and date), so anyone can compare the copies with the original.',
    `- Licence: the licence or terms of use and the copyright holder of every file${input.notices.length ? ` (found beside the files and copied: ${input.notices.map((n) => `\`${n}\``).join(', ')})` : ''}. Files that may only`,
    '  be passed on unchanged (CC BY-ND, OASIS, W3C notices) stay exactly as they are, with this attribution.',
    '- Attribution: who operates the standard (for XÖV standards: the Koordinierungsstelle für IT-Standards,',
    '  KoSIT, <https://www.xoev.de>).',
    '',
  ];
  return lines.join('\n');
}

/** `test/fixtures/ok/<name>/README.md` */
export function renderFixtureReadme(input: { name: string; file: string; generated: boolean; request: boolean; rootElement: string; schema?: string; given?: string }): string {
  const origin = input.request
    ? [
        `\`${input.file}\` shows the shape of the request the connector's \`send\` makes: \`${input.rootElement}\` with its required`,
        'parts, made from the WSDL\'s types by `npm run connector:new` (placeholder values, not validated). Use it as the',
        'map for the request function; replace it with a real request once the mapping is done.',
      ]
    : input.generated
    ? [
        `\`${input.file}\` is a minimal instance of \`${input.rootElement}\` made from ${input.schema ? `\`contracts/${input.schema}\`` : 'no schema'} by \`npm run connector:new\`:`,
        'every required element and attribute with placeholder values (`Beispiel`), and at most one optional element so',
        'that there is text for the AI steps. It is valid against the schema but says nothing real. TODO: replace it',
        'with a real message of the standard (a published sample or',
        'an anonymised message of a Fachverfahren, never one with personal data), and add one file per message type',
        'the route will see.',
      ]
    : [`\`${input.file}\` is a copy of \`${input.given}\`. TODO: name its source and licence here.`];
  const use = input.request ? [] : ['', "The connector's spec reads these files; keep them valid against the vendored schema."];
  return [`# Fixtures of the ${input.name} connector`, '', ...origin, ...use, ''].join('\n');
}
