import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/** The `contracts/` folder, found upward from this file: works from the sources, the build output and the image. */
export function contractsDir(): string {
  if (found) return found;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'contracts');
    if (fs.existsSync(path.join(candidate, 'schnittstelle/v1/schnittstelle.wsdl'))) return (found = candidate);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('contracts/ (with schnittstelle/v1/schnittstelle.wsdl) not found above the runtime library');
    dir = parent;
  }
}
