import { PermanentError } from '@app/contracts';

/** Suffixes that writers use while a file is still being written; such files are never taken in. */
const IN_PROGRESS_SUFFIXES = ['.tmp', '.part', '.partial', '.crdownload', '~'];

/**
 * True for names a drop folder must leave alone: dot files (our `.work/`, editors' swap files,
 * our own outbox temp files) and names of files still being written.
 */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.')) return true;
  const lower = name.toLowerCase();
  return IN_PROGRESS_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/**
 * Refuses a name that could leave its folder or that no file system takes: a name comes from
 * documents and configuration, and must never become a path.
 */
export function assertSafeFilename(name: string, what = 'filename'): void {
  const problem = filenameProblem(name);
  if (problem) throw new PermanentError(`${what} ${JSON.stringify(name)} is not allowed: ${problem}`, 'invalid-filename');
}

function filenameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'empty';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name.includes('..')) return 'contains ".."';
  if (name === '.') return 'is "."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  // Windows drive letters and alternate data streams (`C:x`, `a.txt:stream`) on SMB shares.
  if (name.includes(':')) return 'contains ":"';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'longer than 255 bytes';
  return undefined;
}
