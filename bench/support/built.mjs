// The benchmarks run the compiled middleware from dist/: where it is, and a clear stop when it is not built.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const dist = (file) => path.join(root, 'dist', file);

/** Exits with code 2 naming the first missing file, so a stale checkout says what to do. */
export function requireBuilt(...files) {
  for (const file of files) {
    if (!existsSync(dist(file))) {
      console.error(`${dist(file)} is missing: run \`npm run build\` first.`);
      process.exit(2);
    }
  }
}
