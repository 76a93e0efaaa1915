#!/usr/bin/env node
// The operators' command line, e.g. `npx schnittstelle validate <file> [--schema <xsd>]`.
// It runs the compiled CLI (apps/cli/src/main.ts), which `npm run build` writes to dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(`schnittstelle: the command line is not built yet (${fileURLToPath(cli)} is missing).\nRun \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))} first.\n`);
  process.exit(2);
}
const { runCli } = await import(cli.href);
process.exitCode = await runCli(process.argv.slice(2), { packageRoot: fileURLToPath(new URL('..', import.meta.url)) });
