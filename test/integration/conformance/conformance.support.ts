import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The shared, third-party conformance material (see its README.md): read in place, never copied. */
export const CONFORMANCE = path.resolve(process.cwd(), '../shared/conformance');
/** The vendored schemas of this repository. */
export const CONTRACTS = path.resolve(process.cwd(), 'contracts');

/** Every file below `folder` whose name ends with `suffix`, sorted, so a file added is tested too. */
export function filesBelow(folder: string, suffix: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith(suffix)) found.push(full);
    }
  };
  walk(folder);
  return found.sort();
}

/** 1-based line of the first occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index === -1) throw new Error(`'${needle}' not found`);
  return text.slice(0, index).split('\n').length;
}
